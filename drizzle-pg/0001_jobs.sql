CREATE TABLE "jobs" (
	"hash" bigint PRIMARY KEY NOT NULL,
	"raw" text NOT NULL,
	"search" text NOT NULL,
	"last_ms" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "raw" text;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "job" bigint;