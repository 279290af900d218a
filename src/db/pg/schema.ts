import { sql } from "drizzle-orm";
import { bigint, boolean, index, integer, pgSequence, pgTable, text } from "drizzle-orm/pg-core";
import type { Verdict } from "../../analysis/schema";

/**
 * The capture history on PostgreSQL (drizzle-kit generates drizzle-pg/ from this file; the SQLite schema is ../schema.ts).
 * The same logical tables, in a simpler form: records are JSON text (text, not jsonb, so a read gives back exactly the
 * record that was written: jsonb would reorder keys and normalise numbers), beside the columns the filters use and
 * `search`, the searchable texts of capture/search.ts (lower case, one per line) that `q` scans with ILIKE before each
 * hit is re-checked by the same matcher as memory. Every row carries the `instance` that wrote it. Since migration 0001
 * a message's line is in `raw` and its record compact (pg/rows.ts: what the columns or the line give back is left
 * out), and each distinct mining.notify line is stored once, in `jobs`; rows written before keep their whole JSON.
 */

/**
 * Seq blocks: each start of each instance takes the next block and numbers its messages from `block * SEQ_BLOCK + 1`,
 * so seqs (and ids, which are the decimal seq) never clash between instances or runs (see pg/storage.ts).
 */
export const seqBlocks = pgSequence("seq_blocks", { startWith: 1 });

export const sessions = pgTable(
  "sessions",
  {
    id: text().primaryKey(),
    instance: text().notNull(),
    opened_at: text().notNull(),
    closed_at: text(),
    last_seen: text().notNull(),
    /** The SessionRecord as JSON text. */
    record: text().notNull(),
  },
  (t) => [index("sessions_opened_at").on(t.opened_at, t.id), index("sessions_instance_opened_at").on(t.instance, t.opened_at)],
);

export const messages = pgTable(
  "messages",
  {
    seq: bigint({ mode: "number" }).primaryKey(),
    instance: text().notNull(),
    session_id: text().notNull(),
    direction: text().notNull(),
    kind: text().notNull(),
    method: text(),
    /** Epoch ms of ts, for retention by age. */
    ts_ms: bigint({ mode: "number" }).notNull(),
    /** isErrorMessage() at write time. */
    is_error: boolean().notNull(),
    /** A miner submit's (or its answer's) verdict and agreement, from its submit analysis; null otherwise. */
    verdict: text().$type<Verdict>(),
    agrees: boolean(),
    /** Searchable texts and hex (capture/search.ts searchFields), lower case, newline-separated. */
    search: text().notNull(),
    size_bytes: integer().notNull(),
    /**
     * The MessageRecord: whole as JSON text (an object: rows written before migration 0001), or compact (an array,
     * pg/rows.ts).
     */
    record: text().notNull(),
    /** The line (rows of the compact form; in its own column, as JSON text would escape every quote in it). */
    raw: text(),
    /** The `jobs` row holding this message's line (a mining.notify) instead of `raw`, or null. */
    job: bigint({ mode: "number" }),
  },
  (t) => [
    index("messages_session_seq").on(t.session_id, t.seq),
    index("messages_method_seq").on(t.method, t.seq),
    index("messages_instance_seq").on(t.instance, t.seq),
    index("messages_ts_ms").on(t.ts_ms),
    index("messages_errors_seq").on(t.seq).where(sql`is_error`),
    index("messages_verdict_seq").on(t.verdict, t.seq).where(sql`verdict IS NOT NULL`),
  ],
);

/**
 * Each distinct mining.notify line once (a pool sends the same job to every miner of a session group), shared by every
 * instance: the same line from two instances is one row. `hash` is hash53(raw) (../hash.ts); a message references a
 * row only when its raw is equal (a different line with the same hash keeps its line in its own record). `search` is
 * the line's searchable texts (its rows' `search` is empty). `last_ms` is the newest ts_ms of a message that uses it:
 * retention deletes oldest by time (seq order is per instance and run), so a job whose last_ms is below every stored
 * message's ts_ms is used by none (pg/retention.ts).
 */
export const jobs = pgTable("jobs", {
  hash: bigint({ mode: "number" }).primaryKey(),
  raw: text().notNull(),
  search: text().notNull(),
  last_ms: bigint({ mode: "number" }).notNull(),
});

export const agentTelemetry = pgTable(
  "agent_telemetry",
  {
    event_id: text().primaryKey(),
    instance: text().notNull(),
    agent_id: text().notNull(),
    run_id: text().notNull(),
    ts: text().notNull(),
    received_at: text().notNull(),
    content: text().notNull(),
  },
  (t) => [index("agent_telemetry_agent_ts").on(t.agent_id, t.ts)],
);

/** Small key/value facts, per instance where it matters (e.g. `open:<instance>`). */
export const meta = pgTable("meta", {
  key: text().primaryKey(),
  value: text().notNull(),
});
