CREATE TABLE `session_ids` (
	`n` integer PRIMARY KEY NOT NULL,
	`id` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `session_ids_id_unique` ON `session_ids` (`id`);--> statement-breakpoint
DROP INDEX `messages_session_seq`;--> statement-breakpoint
DROP INDEX `messages_method_seq`;--> statement-breakpoint
ALTER TABLE `messages` ADD `sess` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `mcode` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `reply_seq` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `latency_us` integer;--> statement-breakpoint
CREATE INDEX `messages_sess_seq` ON `messages` (`sess`,`seq`) WHERE sess IS NOT NULL;--> statement-breakpoint
CREATE INDEX `messages_mcode_seq` ON `messages` (`mcode`,`seq`) WHERE mcode IS NOT NULL;--> statement-breakpoint
CREATE INDEX `messages_session_seq` ON `messages` (`session_id`,`seq`) WHERE form IS NULL;--> statement-breakpoint
CREATE INDEX `messages_method_seq` ON `messages` (`method`,`seq`) WHERE form IS NULL;