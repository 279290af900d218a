import { sql } from "drizzle-orm";
import { blob, index, integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { Verdict } from "../analysis/schema";
import type { AnalysisCell } from "./analysis-column";
import type {
  CloseReason,
  RpcId,
  SessionCounters,
  SessionState,
  Upstream,
} from "../capture/records";

/**
 * Persistent capture (drizzle-kit generates drizzle/ from this file). Column names follow the JSON records so a row
 * maps back to a record field by field for rows written before 0003 (`form` NULL). Rows written since are compact (see
 * rows.ts): what can be derived from the raw line is not stored again, each distinct mining.notify line is stored once in
 * `jobs`, and search goes through `terms` and the posting tables (terms.ts; custom migration 0004, search.ts)
 * instead of the FTS5 trigram index over every raw line (0001, kept for the rows it already covers).
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
    /** The auto-replay switch (migration 0008); null in rows written before it: off. */
    auto_replay: text({ mode: "json" }).$type<{ enabled: boolean; count: number }>(),
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
    /** A Direction (rows stored whole) or its one-letter code (compact rows, rows.ts). */
    direction: text().notNull(),
    ts: text().notNull(),
    size_bytes: integer().notNull(),
    raw: text(),
    raw_hex: text(),
    /** A MessageKind, or its one-letter code. */
    kind: text().notNull(),
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
    /**
     * Share analysis of a miner's submit, as columns so history can be queried by it; null otherwise. share_difficulty
     * only from an older record's decoded.share since 0009 (the analysis has the difficulty; no filter reads it).
     */
    share_difficulty: real(),
    // 0/1/NULL: plain integers, because drizzle's boolean mode writes NULL as 0.
    share_meets_target: integer(),
    share_block_candidate: integer(),
    /** Compact rows: which fields are derived on read (rows.ts FORM_* bits); NULL for rows stored whole (before 0003). */
    form: integer(),
    /** Compact rows: ts as epoch milliseconds (ts is '' when this gives it back exactly). */
    ts_ms: integer(),
    /** A mining.notify line stored once in `jobs` (raw is NULL then). */
    job: integer(),
    /** decoded.share of an ok share, compactly: its hash as 32 bytes, the two difficulties beside share_difficulty. */
    share_hash: blob({ mode: "buffer" }),
    share_target: real(),
    share_network: real(),
    /** Any other decoded.share (e.g. `{"ok":false,"reason":...}`) as JSON text. */
    share_json: text(),
    /** The message's analysis (analysis/schema.ts), when it has one: JSON text, or a submit's packed as a BLOB (analysis-column.ts). */
    analysis: text().$type<AnalysisCell>(),
    /**
     * A miner submit's verdict (compact rows since 0009: its letter, rows.ts verdictValues) and whether the pool's
     * answer agreed (0/1, NULL until compared), for history filters.
     */
    verdict: text().$type<Verdict | string>(),
    agrees: integer(),
    /** Compact rows: the session as its number in session_ids (session_id is '' then). */
    sess: integer(),
    /** Compact rows: the method as a code (rows.ts METHOD_CODES; method is NULL then, or the text for code 0). */
    mcode: integer(),
    /** Compact rows: reply_to as a number when it is one (reply_to is NULL then). */
    reply_seq: integer(),
    /** Compact rows: latency_ms in whole microseconds when that is exact (latency_ms is NULL then). */
    latency_us: integer(),
    /** A packed submit analysis's reason, as its number in shared_texts (analysis-pack.ts REASON_IN_COLUMN). */
    reason_n: integer(),
    /** A notify analysis's decoded coinbase, stored once in `jobs` by this key (analysis-column.ts). */
    coinbase_job: integer(),
  },
  (t) => [
    // Rows stored whole (before 0003) are found by these; compact rows by sess / mcode.
    index("messages_session_seq").on(t.session_id, t.seq).where(sql`form IS NULL`),
    index("messages_method_seq").on(t.method, t.seq).where(sql`form IS NULL`),
    index("messages_sess_seq").on(t.sess, t.seq).where(sql`sess IS NOT NULL`),
    index("messages_mcode_seq").on(t.mcode, t.seq).where(sql`mcode IS NOT NULL`),
    index("messages_errors_seq").on(t.seq).where(sql`is_error = 1`),
    index("messages_low_shares_seq").on(t.seq).where(sql`share_meets_target = 0`),
    index("messages_disagree_seq").on(t.seq).where(sql`agrees = 0`),
  ],
);

/**
 * Each distinct mining.notify line once, and each distinct decoded coinbase of a notify's analysis (JSON text, since
 * 0009: every miner of a session group gets the same), addressed by a 53-bit hash of the text (hash.ts); `last_seq`
 * for retention.
 */
export const jobs = sqliteTable("jobs", {
  hash: integer().primaryKey(),
  raw: text().notNull(),
  last_seq: integer().notNull(),
});

/** Session ids as small numbers, so compact rows and their index carry 2-3 bytes instead of 16 characters. */
export const sessionIds = sqliteTable("session_ids", {
  n: integer().primaryKey(),
  id: text().notNull().unique(),
});

/**
 * Texts many rows repeat, once each by number (0009): line shapes (line-shape.ts; a compact row's `form` carries its
 * shape's number above the FORM_* bits, rows.ts, and `raw` only the line's values) and submit verdicts' reasons
 * (`reason_n`). At most MAX_SHARED_TEXTS (statements.ts); past it, rows keep their texts themselves.
 */
export const sharedTexts = sqliteTable("shared_texts", {
  n: integer().primaryKey(),
  text: text().notNull().unique(),
});

/** The search vocabulary: each distinct searchable text (worker, user agent, error text, job id, tag) once, lower case. */
export const terms = sqliteTable("terms", {
  id: integer().primaryKey(),
  text: text().notNull().unique(),
});

/** Latest-first agent telemetry (docs/nostr.md#telemetry-content, as received), one row per Nostr event. */
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
