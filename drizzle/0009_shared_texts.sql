CREATE TABLE `shared_texts` (
	`n` integer PRIMARY KEY NOT NULL,
	`text` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `shared_texts_text_unique` ON `shared_texts` (`text`);--> statement-breakpoint
ALTER TABLE `messages` ADD `reason_n` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `coinbase_job` integer;