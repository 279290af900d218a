import type { Database } from "bun:sqlite";
import type { Db } from "./open";
import { and, gt, lte, sql } from "drizzle-orm";
import { analysisToColumn, type AnalysisCell } from "./analysis-column";
import { ANSWER_WINDOW } from "./answers";
import { withJob } from "./reader";
import { FORM_ANALYSIS_OF_REQUEST, rowToMessage } from "./rows";
import { messages } from "./schema";
import { columnOfSeq, listPartitions, seqColumn } from "./terms";

export type RetentionOptions = {
  /** Keep messages (and closed sessions) newer than this many days; 0 keeps them forever. */
  days: number;
  /** Keep at most this many messages (the newest); 0 means no cap. */
  maxMessages: number;
  /** Keep the database's used pages under this many bytes (oldest messages go first); 0 or unset: no cap. */
  maxBytes?: number;
};

export type RetentionResult = { deletedMessages: number; deletedSessions: number; done: boolean };

/** Rows per delete transaction, so the writer thread (and what waits on it) never waits long on retention. */
const CHUNK = 5_000;

type Bounds = { min: number; max: number } | null;
const bounds = (c: Database): Bounds => {
  const r = c.query<{ lo: number | null; hi: number | null }, []>("SELECT min(seq) AS lo, max(seq) AS hi FROM messages").get();
  return r && r.lo !== null && r.hi !== null ? { min: r.lo, max: r.hi } : null;
};

/**
 * Answers whose analysis derives from a submit at or below `upTo` (answers.ts: within ANSWER_WINDOW seqs after it)
 * get it stored whole, before that submit is deleted.
 */
function keepAnswerAnalyses(db: Db, upTo: number): void {
  const rows = withJob(db)
    .where(
      and(
        gt(messages.seq, upTo),
        lte(messages.seq, upTo + ANSWER_WINDOW),
        lte(messages.reply_seq, upTo),
        sql`(${messages.form} & ${sql.raw(String(FORM_ANALYSIS_OF_REQUEST))}) != 0`,
      ),
    )
    .all();
  const update = db.$client.query<void, [AnalysisCell | null, number, number]>(
    `UPDATE messages SET analysis = ?, form = form - ${FORM_ANALYSIS_OF_REQUEST} WHERE seq = ? AND form = ?`,
  );
  for (const r of rows) update.run(analysisToColumn(rowToMessage(r).analysis), r.seq, r.form!);
}

/** Delete the oldest messages up to seq `upTo`, at most CHUNK (old rows' FTS entries go through the delete trigger). */
function deleteChunk(db: Db, upTo: number): number {
  const c = db.$client;
  const last = c
    .query<{ seq: number }, [number, number]>("SELECT seq FROM messages WHERE seq <= ? ORDER BY seq LIMIT 1 OFFSET ?")
    .get(upTo, CHUNK - 1);
  const to = last ? last.seq : upTo;
  return c.transaction(() => {
    keepAnswerAnalyses(db, to);
    return c.run("DELETE FROM messages WHERE seq <= ?", [to]).changes;
  })();
}

/** Epoch ms of the first message at or after `seq`. */
function msAt(c: Database, seq: number): number | null {
  const r = c
    .query<{ ts: string; ts_ms: number | null }, [number]>("SELECT ts, ts_ms FROM messages WHERE seq >= ? ORDER BY seq LIMIT 1")
    .get(seq);
  return r ? (r.ts_ms ?? Date.parse(r.ts)) : null;
}

/**
 * The highest seq older than `cutoffMs`, by binary search over seq: a message's time grows with its seq (both are
 * handed out as it is captured), so no index on time is needed. A clock set back can make this keep a few too many.
 */
function lastSeqBefore(c: Database, b: NonNullable<Bounds>, cutoffMs: number): number | null {
  const first = msAt(c, b.min);
  if (first === null || !(first < cutoffMs)) return null;
  let lo = b.min; // msAt(lo) < cutoff
  let hi = b.max + 1; // nothing at or after hi is older
  for (let i = 0; i < 64 && hi - lo > 1; i++) {
    const mid = Math.floor((lo + hi) / 2);
    const t = msAt(c, mid);
    if (t !== null && t < cutoffMs) lo = mid;
    else hi = mid;
  }
  // lo itself may be a gap: the message found at/after lo is what is old.
  return c.query<{ seq: number }, [number]>("SELECT seq FROM messages WHERE seq >= ? ORDER BY seq LIMIT 1").get(lo)?.seq ?? null;
}

/** Bytes in use: pages that are not on the free list (deleted rows' pages are reused, the file does not shrink). */
export function usedBytes(c: Database): number {
  const pages = c.query<{ page_count: number }, []>("PRAGMA page_count").get()?.page_count ?? 0;
  const free = c.query<{ freelist_count: number }, []>("PRAGMA freelist_count").get()?.freelist_count ?? 0;
  const size = c.query<{ page_size: number }, []>("PRAGMA page_size").get()?.page_size ?? 4096;
  return (pages - free) * size;
}

/**
 * Search postings and jobs no remaining message can reach: whole partitions below the oldest seq, unreferenced jobs.
 * With `exact` (the size bound needs it), also the postings below the oldest seq inside the partition that holds it: a
 * scan of that one partition (2^20 seqs at most), which the cheap path leaves to the partition's own drop.
 */
function dropUnreachable(c: Database, exact = false): void {
  const b = bounds(c);
  const oldest = b ? b.min : Number.MAX_SAFE_INTEGER;
  for (const p of listPartitions(c)) {
    if (p.hi <= oldest) c.run(`DROP TABLE ${p.table}`);
    else if (exact && p.lo < oldest) c.run(`DELETE FROM ${p.table} WHERE ${seqColumn(p)} < ?`, [columnOfSeq(p, oldest)]);
  }
  c.run("DELETE FROM jobs WHERE last_seq < ?", [oldest]);
}

/**
 * One bounded pass: deletes at most `maxRows` messages (oldest first) plus expired closed sessions.
 * `done` is false when more remains; the background loop then comes back soon.
 */
export function enforceRetention(db: Db, opts: RetentionOptions, now = Date.now(), maxRows = 50_000): RetentionResult {
  const c = db.$client;
  let deletedMessages = 0;
  let deletedSessions = 0;
  const deleteUpTo = (seq: number) => {
    while (deletedMessages < maxRows) {
      const n = deleteChunk(db, seq);
      deletedMessages += n;
      if (n < CHUNK) break;
    }
  };
  const cutoff = opts.days > 0 ? now - opts.days * 86_400_000 : null;
  const b0 = bounds(c);
  // Seqs only grow, so max - min + 1 bounds the count: the exact (scanning) count is needed only past the cap.
  if (opts.maxMessages > 0 && b0 && b0.max - b0.min + 1 > opts.maxMessages) {
    // Everything at or below the seq of the (maxMessages+1)-th newest message goes.
    const row = c.query<{ seq: number }, [number]>("SELECT seq FROM messages ORDER BY seq DESC LIMIT 1 OFFSET ?").get(opts.maxMessages);
    if (row) deleteUpTo(row.seq);
  }
  if (cutoff !== null) {
    const b = bounds(c);
    const upTo = b ? lastSeqBefore(c, b, cutoff) : null;
    if (upTo !== null) deleteUpTo(upTo);
    if (deletedMessages < maxRows)
      deletedSessions = c.run("DELETE FROM sessions WHERE closed_at IS NOT NULL AND closed_at < ?", [new Date(cutoff).toISOString()]).changes;
  }
  const maxBytes = opts.maxBytes ?? 0;
  if (maxBytes > 0 && deletedMessages < maxRows) {
    if (deletedMessages > 0) dropUnreachable(c, true);
    const used = usedBytes(c);
    const b = bounds(c);
    if (b && used > maxBytes) {
      // The share of rows to go, from the share of bytes over the bound (rows are about the same size on average).
      const share = Math.min(1, (used - maxBytes) / used + 0.01);
      deleteUpTo(b.min + Math.ceil((b.max - b.min + 1) * share) - 1);
    }
  }
  if (deletedMessages > 0) dropUnreachable(c, maxBytes > 0);
  return { deletedMessages, deletedSessions, done: deletedMessages < maxRows };
}

export type RetentionStats = { runs: number; deleted_messages: number; deleted_sessions: number; last_run_at: string | null };

/** Enforce retention now and every `intervalMs`; a pass that hit its row bound is followed up quickly. */
export function startRetention(db: Db, opts: RetentionOptions, intervalMs = 60_000) {
  const stats: RetentionStats = { runs: 0, deleted_messages: 0, deleted_sessions: 0, last_run_at: null };
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;
  const run = () => {
    timer = null;
    if (stopped) return;
    let next = intervalMs;
    try {
      const r = enforceRetention(db, opts);
      stats.runs++;
      stats.deleted_messages += r.deletedMessages;
      stats.deleted_sessions += r.deletedSessions;
      stats.last_run_at = new Date().toISOString();
      if (!r.done) next = 50;
    } catch (err) {
      console.error("retention failed:", err instanceof Error ? err.message : err);
    }
    timer = setTimeout(run, next);
  };
  timer = setTimeout(run, 0);
  return {
    stats,
    stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
    },
  };
}
