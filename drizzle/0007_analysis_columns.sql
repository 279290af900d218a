ALTER TABLE `messages` ADD `verdict` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `agrees` integer;--> statement-breakpoint
CREATE INDEX `messages_disagree_seq` ON `messages` (`seq`) WHERE agrees = 0;