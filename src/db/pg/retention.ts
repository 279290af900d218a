import { sql } from "drizzle-orm";
import type { RetentionOptions, RetentionResult } from "../retention";
import type { PgDb } from "./open";

/**
 * Retention on PostgreSQL, for the whole database (every instance's rows: any instance may run it, passes are
 * idempotent). Oldest means oldest by time (ts_ms), since seq order is per run of each instance. Deletes go in
 * chunks of CHUNK rows, at most MAX_CHUNKS per pass, so one pass never holds locks or the writer long.
 *
 * Size: PostgreSQL does not give deleted rows' space back to the file system (autovacuum makes it reusable), so
 * `maxBytes` is enforced on the live rows: pg_total_relation_size('messages') times the share of it the live rows take
 * (from the table's live/dead tuple statistics) is kept under the bound; the files then stop growing at about it.
 */
const CHUNK = 5_000;
const MAX_CHUNKS = 40;

async function deleteOldest(db: PgDb, n: number): Promise<number> {
  let done = 0;
  for (let i = 0; i < MAX_CHUNKS && done < n; i++) {
    const k = Math.min(CHUNK, n - done);
    const r = await db.execute(
      sql`DELETE FROM messages WHERE seq IN (SELECT seq FROM messages ORDER BY ts_ms, seq LIMIT ${k}) RETURNING 1 AS x`,
    );
    const c = r.length;
    done += c;
    if (c < k) break;
  }
  return done;
}

async function scalar(db: PgDb, q: ReturnType<typeof sql>): Promise<number> {
  const rows = (await db.execute(q)) as unknown as Array<{ v: string | number | null }>;
  return Number(rows[0]?.v ?? 0);
}

/**
 * Jobs whose newest message (last_ms) is older than every stored message are used by none. The writers upsert a job
 * in the transaction that inserts its messages, so the table lock (which waits for those transactions and holds new
 * ones back for this short statement) makes sure the messages a job is about to get are visible here.
 */
async function sweepJobs(db: PgDb): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`LOCK TABLE jobs IN SHARE ROW EXCLUSIVE MODE`);
    await tx.execute(sql`DELETE FROM jobs WHERE last_ms < coalesce((SELECT min(ts_ms) FROM messages), 9223372036854775807)`);
  });
}

export async function retainOnce(db: PgDb, o: RetentionOptions, now = Date.now()): Promise<RetentionResult> {
  let deletedMessages = 0;
  let deletedSessions = 0;
  if (o.days > 0) {
    const cutoff = now - o.days * 86_400_000;
    for (let i = 0; i < MAX_CHUNKS; i++) {
      const r = await db.execute(
        sql`DELETE FROM messages WHERE seq IN (SELECT seq FROM messages WHERE ts_ms < ${cutoff} ORDER BY ts_ms LIMIT ${CHUNK}) RETURNING 1 AS x`,
      );
      deletedMessages += r.length;
      if (r.length < CHUNK) break;
    }
    const s = await db.execute(
      sql`DELETE FROM sessions WHERE closed_at IS NOT NULL AND closed_at < ${new Date(cutoff).toISOString()} RETURNING 1 AS x`,
    );
    deletedSessions += s.length;
  }
  if (o.maxMessages > 0) {
    const n = await scalar(db, sql`SELECT count(*) AS v FROM messages`);
    if (n > o.maxMessages) deletedMessages += await deleteOldest(db, n - o.maxMessages);
  }
  if ((o.maxBytes ?? 0) > 0) {
    const n = await scalar(db, sql`SELECT count(*) AS v FROM messages`);
    const bytes = await scalar(db, sql`SELECT pg_total_relation_size('messages') + pg_total_relation_size('jobs') AS v`);
    const dead = await scalar(db, sql`SELECT coalesce(n_dead_tup, 0) AS v FROM pg_stat_user_tables WHERE relname = 'messages'`);
    const live = n === 0 ? 0 : (bytes * n) / (n + dead);
    if (n > 0 && live > o.maxBytes!) {
      const keep = Math.floor((o.maxBytes! / live) * n);
      deletedMessages += await deleteOldest(db, n - keep);
    }
  }
  await sweepJobs(db);
  return { deletedMessages, deletedSessions, done: true };
}
