CREATE SEQUENCE "public"."seq_blocks" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "agent_telemetry" (
	"event_id" text PRIMARY KEY NOT NULL,
	"instance" text NOT NULL,
	"agent_id" text NOT NULL,
	"run_id" text NOT NULL,
	"ts" text NOT NULL,
	"received_at" text NOT NULL,
	"content" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "messages" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"instance" text NOT NULL,
	"session_id" text NOT NULL,
	"direction" text NOT NULL,
	"kind" text NOT NULL,
	"method" text,
	"ts_ms" bigint NOT NULL,
	"is_error" boolean NOT NULL,
	"verdict" text,
	"agrees" boolean,
	"search" text NOT NULL,
	"size_bytes" integer NOT NULL,
	"record" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "meta" (
	"key" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"instance" text NOT NULL,
	"opened_at" text NOT NULL,
	"closed_at" text,
	"last_seen" text NOT NULL,
	"record" text NOT NULL
);
--> statement-breakpoint
CREATE INDEX "agent_telemetry_agent_ts" ON "agent_telemetry" USING btree ("agent_id","ts");--> statement-breakpoint
CREATE INDEX "messages_session_seq" ON "messages" USING btree ("session_id","seq");--> statement-breakpoint
CREATE INDEX "messages_method_seq" ON "messages" USING btree ("method","seq");--> statement-breakpoint
CREATE INDEX "messages_instance_seq" ON "messages" USING btree ("instance","seq");--> statement-breakpoint
CREATE INDEX "messages_ts_ms" ON "messages" USING btree ("ts_ms");--> statement-breakpoint
CREATE INDEX "messages_errors_seq" ON "messages" USING btree ("seq") WHERE is_error;--> statement-breakpoint
CREATE INDEX "messages_verdict_seq" ON "messages" USING btree ("verdict","seq") WHERE verdict IS NOT NULL;--> statement-breakpoint
CREATE INDEX "sessions_opened_at" ON "sessions" USING btree ("opened_at","id");--> statement-breakpoint
CREATE INDEX "sessions_instance_opened_at" ON "sessions" USING btree ("instance","opened_at");