import { sql } from "drizzle-orm";
import { index, integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type {
  CloseReason,
  Direction,
  MessageKind,
  RpcId,
  SessionCounters,
  SessionState,
  Upstream,
} from "../capture/records";
import type { Analysis, Verdict } from "../analysis/schema";

/**
 * Persistent capture (drizzle-kit generates drizzle/ from this file). Column names follow the JSON records so a row
 * maps back to a record field by field. The FTS5 index over raw lines lives in a custom migration (drizzle/0001_*).
 */

export const sessions = sqliteTable(
  "sessions",
  {
    id: text().primaryKey(),
    miner_addr: text().notNull(),
    upstream: text({ mode: "json" }).$type<Upstream>().notNull(),
    upstream_addr: text(),
    state: text().$type<SessionState>().notNull(),
    opened_at: text().notNull(),
    closed_at: text(),
    close_reason: text().$type<CloseReason>(),
    close_detail: text(),
    user_agent: text(),
    workers: text({ mode: "json" }).$type<string[]>().notNull(),
    extranonce1: text(),
    extranonce2_size: integer(),
    difficulty: real(),
    version_mask: text(),
    broadcast: text({ mode: "json" }).$type<{ enabled: boolean; repeat_count: number }>().notNull(),
    counters: text({ mode: "json" }).$type<SessionCounters>().notNull(),
    last_seen: text().notNull(),
  },
  (t) => [index("sessions_opened_at").on(t.opened_at), index("sessions_closed_at").on(t.closed_at)],
);

export const messages = sqliteTable(
  "messages",
  {
    /** The global seq is the rowid: strictly increasing, so `ORDER BY seq` and `seq < before` ride the table b-tree. */
    seq: integer().primaryKey(),
    id: text().notNull(),
    session_id: text().notNull(),
    direction: text().$type<Direction>().notNull(),
    ts: text().notNull(),
    size_bytes: integer().notNull(),
    raw: text(),
    raw_hex: text(),
    kind: text().$type<MessageKind>().notNull(),
    method: text(),
    /** JSON text so a numeric id and a string id stay apart. */
    rpc_id: text({ mode: "json" }).$type<RpcId | null>(),
    json: text({ mode: "json" }).$type<unknown>(),
    decoded: text({ mode: "json" }).$type<Record<string, unknown> | null>(),
    parse_error: text(),
    reply_to: text(),
    latency_ms: real(),
    truncated: integer({ mode: "boolean" }).notNull(),
    /** isErrorMessage() at write time, for the `errors=true` filter. */
    is_error: integer({ mode: "boolean" }).notNull(),
    /** Share analysis of a miner's submit (decoded.share), as columns so history can be queried by it; null otherwise. */
    share_difficulty: real(),
    // 0/1/NULL: plain integers, because drizzle's boolean mode writes NULL as 0.
    share_meets_target: integer(),
    share_block_candidate: integer(),
    /** HashScope's analysis (analysis/schema.ts) as JSON; its verdict and agreement as columns for history filters. */
    analysis: text({ mode: "json" }).$type<Analysis | null>(),
    verdict: text().$type<Verdict>(),
    // 0/1/NULL (null: no pool answer compared yet).
    agrees: integer(),
  },
  (t) => [
    index("messages_session_seq").on(t.session_id, t.seq),
    index("messages_direction_seq").on(t.direction, t.seq),
    index("messages_method_seq").on(t.method, t.seq),
    index("messages_kind_seq").on(t.kind, t.seq),
    index("messages_ts").on(t.ts),
    index("messages_errors_seq").on(t.seq).where(sql`is_error = 1`),
    index("messages_low_shares_seq").on(t.seq).where(sql`share_meets_target = 0`),
    index("messages_disagree_seq").on(t.seq).where(sql`agrees = 0`),
  ],
);

/** Latest-first agent telemetry (SPEC §5 content as received), one row per Nostr event. */
export const agentTelemetry = sqliteTable(
  "agent_telemetry",
  {
    event_id: text().primaryKey(),
    agent_id: text().notNull(),
    run_id: text().notNull(),
    ts: text().notNull(),
    received_at: text().notNull(),
    content: text({ mode: "json" }).$type<Record<string, unknown>>().notNull(),
  },
  (t) => [index("agent_telemetry_agent_ts").on(t.agent_id, t.ts), index("agent_telemetry_ts").on(t.ts)],
);

/** Small key/value facts, e.g. the highest seq ever handed out (so seq is never reused after dropped writes). */
export const meta = sqliteTable("meta", {
  key: text().primaryKey(),
  value: text().notNull(),
});

/** meta key: the highest seq handed out, committed with every batch and at a clean close. */
export const SEQ_HIGH_WATER = "seq_high_water";
