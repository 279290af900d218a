ALTER TABLE `messages` ADD `share_difficulty` real;--> statement-breakpoint
ALTER TABLE `messages` ADD `share_meets_target` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `share_block_candidate` integer;--> statement-breakpoint
CREATE INDEX `messages_low_shares_seq` ON `messages` (`seq`) WHERE share_meets_target = 0;