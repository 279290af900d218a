import type { ReservedSQL } from "bun";
import { and, eq, isNull, sql } from "drizzle-orm";
import type { SessionRecord } from "../../capture/records";
import { ConfigError } from "../../env";
import { isoNow } from "../../time";
import type { StorageBackend } from "../storage";
import { pgExportStream } from "./export";
import { openPg, redactUrl, type PgDb } from "./open";
import { PgReads } from "./reads";
import { rowToSession, sessionToPgRow } from "./rows";
import { meta, sessions } from "./schema";
import { WorkerSink } from "../sink";
import { encodeBatch } from "../wire";

/**
 * Seqs per run: each start of each instance numbers its messages from `(block - 1) * SEQ_BLOCK + 1`, the block from
 * the `seq_blocks` sequence, so two instances (or two runs) never hand out the same seq or id, with no coordination
 * while running. 2^36 (68.7 G messages, ~110 days of a 10,000-miner farm per run) leaves 2^17 runs under 2^53.
 */
export const SEQ_BLOCK = 2 ** 36;

const openKey = (instance: string) => `open:${instance}`;

/**
 * Take a seq block (at start, and again before the current one runs out: storage.ts): past every seq stored (an
 * import may have brought seqs from elsewhere). Returns its first seq. `size` is SEQ_BLOCK but in tests, which use a
 * database of their own (instances with different sizes on one database would overlap).
 */
async function takeSeqBlock(db: PgDb, size: number): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext('hashscope seq_blocks'))`);
    const [r] = (await tx.execute(
      sql`SELECT nextval('seq_blocks')::bigint AS b, (SELECT coalesce(max(seq), 0) FROM messages)::bigint AS m`,
    )) as unknown as Array<{ b: string | number; m: string | number }>;
    let block = Number(r!.b);
    const needed = Math.floor(Number(r!.m) / size) + 2; // the first block whose range is above every stored seq
    if (block < needed) {
      await tx.execute(sql`SELECT setval('seq_blocks', ${needed})`);
      block = needed;
    }
    return (block - 1) * size + 1;
  });
}

/** Sessions this instance left live are closed with reason `restart` (other instances' live sessions are theirs). */
async function closeLiveSessions(db: PgDb, instance: string, now = isoNow()): Promise<number> {
  const rows = await db
    .select({ record: sessions.record })
    .from(sessions)
    .where(and(eq(sessions.instance, instance), isNull(sessions.closed_at)));
  for (const r of rows) {
    const s: SessionRecord = rowToSession(r.record);
    const closed: SessionRecord = {
      ...s,
      state: "closed",
      closed_at: s.last_seen ?? now,
      close_reason: "restart",
      close_detail: "HashScope stopped while the session was live",
    };
    const row = sessionToPgRow(closed, instance);
    await db.update(sessions).set({ closed_at: row.closed_at, record: row.record }).where(eq(sessions.id, s.id));
  }
  return rows.length;
}

export type PgOpened = { backend: StorageBackend; firstSeq: number; recoveredSessions: number; recoveredFromCrash: boolean };

/**
 * Connect, migrate, hold this instance's lock (a session advisory lock on a reserved connection: two HashScopes with
 * one INSTANCE_ID would close each other's live sessions), recover, take a seq block. Errors are one-line ConfigErrors.
 */
export async function openPgBackend(url: string, instance: string, seqBlock = SEQ_BLOCK): Promise<PgOpened> {
  const where = redactUrl(url);
  let db: PgDb;
  try {
    db = await openPg(url);
  } catch (err) {
    throw new ConfigError("DATABASE_URL", `${where}: ${err instanceof Error ? err.message : String(err)}`);
  }
  let lock: ReservedSQL | null = null;
  let locked = false;
  // Advisory locks are the whole server's, not one database's: the name carries the database, so one INSTANCE_ID on two
  // databases of one server is no clash.
  const lockName = `hashscope instance ${instance} in ${new URL(url).pathname}`;
  try {
    lock = await db.$client.reserve();
    const [got] = (await lock`SELECT pg_try_advisory_lock(hashtext(${lockName})) AS ok`) as Array<{ ok: boolean }>;
    locked = got?.ok === true;
    if (!locked) throw new ConfigError("INSTANCE_ID", `${instance} is in use by another HashScope on ${where}`);
    const [prev] = await db.select().from(meta).where(eq(meta.key, openKey(instance)));
    const crashed = prev !== undefined && prev.value !== "0";
    await db
      .insert(meta)
      .values({ key: openKey(instance), value: String(process.pid) })
      .onConflictDoUpdate({ target: meta.key, set: { value: String(process.pid) } });
    const recoveredSessions = await closeLiveSessions(db, instance);
    const firstSeq = await takeSeqBlock(db, seqBlock);
    // For imports: seqs from here up are this run's to hand out (pg/import.ts refuses them while it runs).
    await db
      .insert(meta)
      .values({ key: `block:${instance}`, value: String(firstSeq) })
      .onConflictDoUpdate({ target: meta.key, set: { value: String(firstSeq) } });
    const held = lock;
    const backend: StorageBackend = {
      sqlite: null,
      seqBlocks: { size: seqBlock, next: () => takeSeqBlock(db, seqBlock) },
      reads: new PgReads(db),
      // On a thread of its own: building rows and INSERT text for a batch is CPU the relay's thread must not spend.
      openSink: (retention, intervalMs) =>
        new WorkerSink(url, retention, intervalMs, new URL("./write-worker.ts", import.meta.url).href, instance, encodeBatch),
      exportStream: (sessionId) => pgExportStream(db, sessionId),
      async close() {
        try {
          await db.update(meta).set({ value: "0" }).where(eq(meta.key, openKey(instance)));
        } catch (err) {
          console.error("storage: could not record a clean close:", err instanceof Error ? err.message : String(err));
        }
        // Unlocked before the connection goes back: a pooled connection keeps a session lock until the server sees it
        // end, which a start right after this stop could otherwise still find held.
        await held`SELECT pg_advisory_unlock(hashtext(${lockName}))`.catch(() => {});
        await held.release().catch(() => {});
        await db.$client.close({ timeout: 5 }).catch(() => {});
      },
    };
    return { backend, firstSeq, recoveredSessions, recoveredFromCrash: crashed };
  } catch (err) {
    if (locked && lock) await lock`SELECT pg_advisory_unlock(hashtext(${lockName}))`.catch(() => {});
    await lock?.release().catch(() => {});
    await db.$client.close().catch(() => {});
    if (err instanceof ConfigError) throw err;
    throw new ConfigError("DATABASE_URL", `${where}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
