import type { Db } from "./open";

export type RetentionOptions = {
  /** Keep messages (and closed sessions) newer than this many days; 0 keeps them forever. */
  days: number;
  /** Keep at most this many messages (the newest); 0 means no cap. */
  maxMessages: number;
};

export type RetentionResult = { deletedMessages: number; deletedSessions: number; done: boolean };

/** Rows per delete transaction, so the event loop (and the relay) never waits long on retention. */
const CHUNK = 5_000;

/** Delete up to CHUNK of the oldest messages matching `where` (FTS rows go through the delete trigger). */
function deleteChunk(db: Db, where: "seq <= ?" | "ts < ?", arg: number | string): number {
  // Order by the column the condition uses, so the index is walked instead of sorting every match.
  const order = where.startsWith("ts") ? "ts" : "seq";
  const sqlText = `DELETE FROM messages WHERE seq IN (SELECT seq FROM messages WHERE ${where} ORDER BY ${order} LIMIT ${CHUNK})`;
  return db.$client.transaction(() => db.$client.run(sqlText, [arg]).changes)();
}

/**
 * One bounded pass: deletes at most `maxRows` messages (oldest first) plus expired closed sessions.
 * `done` is false when more remains; the background loop then comes back soon.
 */
export function enforceRetention(db: Db, opts: RetentionOptions, now = Date.now(), maxRows = 50_000): RetentionResult {
  let deletedMessages = 0;
  let deletedSessions = 0;
  const cutoff = opts.days > 0 ? new Date(now - opts.days * 86_400_000).toISOString() : null;
  if (opts.maxMessages > 0) {
    // Everything at or below the seq of the (maxMessages+1)-th newest message goes.
    const row = db.$client
      .query<{ seq: number }, [number]>("SELECT seq FROM messages ORDER BY seq DESC LIMIT 1 OFFSET ?")
      .get(opts.maxMessages);
    if (row) {
      while (deletedMessages < maxRows) {
        const n = deleteChunk(db, "seq <= ?", row.seq);
        deletedMessages += n;
        if (n < CHUNK) break;
      }
    }
  }
  if (cutoff !== null) {
    while (deletedMessages < maxRows) {
      const n = deleteChunk(db, "ts < ?", cutoff);
      deletedMessages += n;
      if (n < CHUNK) break;
    }
    if (deletedMessages < maxRows)
      deletedSessions = db.$client.run("DELETE FROM sessions WHERE closed_at IS NOT NULL AND closed_at < ?", [cutoff]).changes;
  }
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
