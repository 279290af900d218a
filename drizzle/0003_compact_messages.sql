CREATE TABLE `jobs` (
	`hash` integer PRIMARY KEY NOT NULL,
	`raw` text NOT NULL,
	`last_seq` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `terms` (
	`id` integer PRIMARY KEY NOT NULL,
	`text` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `terms_text_unique` ON `terms` (`text`);--> statement-breakpoint
DROP INDEX `messages_direction_seq`;--> statement-breakpoint
DROP INDEX `messages_kind_seq`;--> statement-breakpoint
DROP INDEX `messages_ts`;--> statement-breakpoint
ALTER TABLE `messages` ADD `form` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `ts_ms` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `job` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `share_hash` blob;--> statement-breakpoint
ALTER TABLE `messages` ADD `share_target` real;--> statement-breakpoint
ALTER TABLE `messages` ADD `share_network` real;--> statement-breakpoint
ALTER TABLE `messages` ADD `share_json` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `analysis` text;--> statement-breakpoint
CREATE INDEX `messages_job_seq` ON `messages` (`job`,`seq`) WHERE job IS NOT NULL;