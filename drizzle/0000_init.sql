CREATE TABLE `agent_telemetry` (
	`event_id` text PRIMARY KEY NOT NULL,
	`agent_id` text NOT NULL,
	`run_id` text NOT NULL,
	`ts` text NOT NULL,
	`received_at` text NOT NULL,
	`content` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `agent_telemetry_agent_ts` ON `agent_telemetry` (`agent_id`,`ts`);--> statement-breakpoint
CREATE INDEX `agent_telemetry_ts` ON `agent_telemetry` (`ts`);--> statement-breakpoint
CREATE TABLE `messages` (
	`seq` integer PRIMARY KEY NOT NULL,
	`id` text NOT NULL,
	`session_id` text NOT NULL,
	`direction` text NOT NULL,
	`ts` text NOT NULL,
	`size_bytes` integer NOT NULL,
	`raw` text,
	`raw_hex` text,
	`kind` text NOT NULL,
	`method` text,
	`rpc_id` text,
	`json` text,
	`decoded` text,
	`parse_error` text,
	`reply_to` text,
	`latency_ms` real,
	`truncated` integer NOT NULL,
	`is_error` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `messages_session_seq` ON `messages` (`session_id`,`seq`);--> statement-breakpoint
CREATE INDEX `messages_direction_seq` ON `messages` (`direction`,`seq`);--> statement-breakpoint
CREATE INDEX `messages_method_seq` ON `messages` (`method`,`seq`);--> statement-breakpoint
CREATE INDEX `messages_kind_seq` ON `messages` (`kind`,`seq`);--> statement-breakpoint
CREATE INDEX `messages_ts` ON `messages` (`ts`);--> statement-breakpoint
CREATE INDEX `messages_errors_seq` ON `messages` (`seq`) WHERE is_error = 1;--> statement-breakpoint
CREATE TABLE `meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`miner_addr` text NOT NULL,
	`upstream` text NOT NULL,
	`upstream_addr` text,
	`state` text NOT NULL,
	`opened_at` text NOT NULL,
	`closed_at` text,
	`close_reason` text,
	`close_detail` text,
	`user_agent` text,
	`workers` text NOT NULL,
	`extranonce1` text,
	`extranonce2_size` integer,
	`difficulty` real,
	`version_mask` text,
	`broadcast` text NOT NULL,
	`counters` text NOT NULL,
	`last_seen` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `sessions_opened_at` ON `sessions` (`opened_at`);--> statement-breakpoint
CREATE INDEX `sessions_closed_at` ON `sessions` (`closed_at`);