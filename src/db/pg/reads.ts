import { and, asc, count, desc, eq, gt, inArray, isNotNull, isNull, lt, sql, type SQL } from "drizzle-orm";
import { matchesFilter, type MessageFilter } from "../../capture/query";
import type { MessageRecord, SessionRecord } from "../../capture/records";
import { DiskReads, type ReadCall } from "../disk-reads";
import type { PgDb } from "./open";
import { noteWriter } from "../../instance-id";
import { rowToMessage, rowToSession } from "./rows";
import { jobs, messages, sessions } from "./schema";

/**
 * History reads on PostgreSQL: the same filters as memory (capture/query.ts). Each filter that has a column narrows
 * the SQL; every row is then checked with the store's own matcher, so what is returned is exactly what memory would
 * match (`q` in particular: ILIKE over the searchable texts finds candidates, matchesSearch decides). A notify whose
 * line is in `jobs` is searched there (its row's `search` is empty).
 */

export type PgFilter = MessageFilter & { instance?: string };
type Page = { newestBelow?: number } | { oldestAbove: number };

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Job lines (`jobs.search`) that `q` finds, looked up first: the messages query then names them (`job IN (…)`), which
 * PostgreSQL estimates well (a subquery there made it guess half the table and walk the primary key instead of a
 * parallel scan: 1.5 s against 0.6 s at 1 M rows). Past MAX_JOB_HITS lines, a subquery.
 */
const MAX_JOB_HITS = 10_000;
type JobHits = number[] | "many";

async function jobHits(db: PgDb, q: string): Promise<JobHits> {
  const rows = await db
    .select({ hash: jobs.hash })
    .from(jobs)
    .where(sql`${jobs.search} ILIKE ${"%" + likeEscape(q) + "%"}`)
    .limit(MAX_JOB_HITS + 1);
  return rows.length > MAX_JOB_HITS ? "many" : rows.map((r) => r.hash);
}

function conditions(f: PgFilter, page: Page, hits: JobHits): SQL[] {
  const c: SQL[] = [];
  if (f.instance !== undefined) c.push(eq(messages.instance, f.instance));
  if (f.session_id !== undefined) c.push(eq(messages.session_id, f.session_id));
  if (f.direction !== undefined) c.push(eq(messages.direction, f.direction));
  if (f.method !== undefined) c.push(eq(messages.method, f.method));
  if (f.kind !== undefined) c.push(eq(messages.kind, f.kind));
  if (f.errors === true) c.push(sql`${messages.is_error}`);
  if (f.share === "low") c.push(sql`${messages.verdict} = 'low_difficulty' AND ${messages.kind} = 'request'`);
  if (f.share === "block") c.push(sql`${messages.verdict} = 'block_candidate' AND ${messages.kind} = 'request'`);
  if (f.agrees !== undefined) c.push(eq(messages.agrees, f.agrees));
  if (f.verdict !== undefined) c.push(eq(messages.verdict, f.verdict));
  if (f.q !== undefined) {
    const like = "%" + likeEscape(f.q) + "%";
    const inJobs =
      hits === "many"
        ? sql`${messages.job} IN (SELECT ${jobs.hash} FROM ${jobs} WHERE ${jobs.search} ILIKE ${like})`
        : hits.length > 0
          ? inArray(messages.job, hits)
          : null;
    c.push(inJobs === null ? sql`${messages.search} ILIKE ${like}` : sql`(${messages.search} ILIKE ${like} OR ${inJobs})`);
  }
  if ("oldestAbove" in page) c.push(gt(messages.seq, page.oldestAbove));
  else if (page.newestBelow !== undefined) c.push(lt(messages.seq, page.newestBelow));
  return c;
}

/** What a message row is read with (rows.ts rowToMessage): its columns and its job's line. */
const messageColumns = {
  seq: messages.seq,
  instance: messages.instance,
  session_id: messages.session_id,
  direction: messages.direction,
  kind: messages.kind,
  method: messages.method,
  ts_ms: messages.ts_ms,
  size_bytes: messages.size_bytes,
  record: messages.record,
  raw: messages.raw,
  job: messages.job,
  job_raw: jobs.raw,
};

/** Message rows with their job's line, for a `where`. */
export const selectMessages = (db: PgDb, where: SQL | undefined) =>
  db.select(messageColumns).from(messages).leftJoin(jobs, eq(jobs.hash, messages.job)).where(where);

/** Pages of candidates until `limit` records pass the matcher (bounded: 10,000 pages). */
async function select(db: PgDb, f: PgFilter, limit: number, page: Page): Promise<MessageRecord[]> {
  const oldest = "oldestAbove" in page;
  const k = f.q === undefined ? limit : Math.max(limit * 4, 256);
  const out: MessageRecord[] = [];
  const hits = f.q === undefined ? [] : await jobHits(db, f.q);
  let cursor = page;
  for (let i = 0; i < 10_000 && out.length < limit; i++) {
    const rows = await selectMessages(db, and(...conditions(f, cursor, hits)))
      .orderBy(oldest ? asc(messages.seq) : desc(messages.seq))
      .limit(k);
    for (const r of rows) {
      const m = noteWriter(rowToMessage(r), r.instance);
      if (out.length < limit && matchesFilter(m, f)) out.push(m);
    }
    if (rows.length < k) break;
    const last = rows[rows.length - 1]!.seq;
    cursor = oldest ? { oldestAbove: last } : { newestBelow: last };
  }
  return out;
}

export const queryMessages = (db: PgDb, f: PgFilter, limit: number, before?: number) => select(db, f, limit, { newestBelow: before });
export const messagesAfter = (db: PgDb, f: PgFilter, after: number, limit: number) => select(db, f, limit, { oldestAbove: after });

export async function getMessage(db: PgDb, id: string): Promise<MessageRecord | undefined> {
  if (!/^[1-9][0-9]{0,15}$/.test(id)) return undefined;
  const [row] = await selectMessages(db, eq(messages.seq, Number(id)));
  const m = row ? noteWriter(rowToMessage(row), row.instance) : undefined;
  return m && m.id === id ? m : undefined;
}

export async function getSession(db: PgDb, id: string): Promise<SessionRecord | undefined> {
  const [row] = await db.select({ record: sessions.record, instance: sessions.instance }).from(sessions).where(eq(sessions.id, id));
  return row ? noteWriter(rowToSession(row.record), row.instance) : undefined;
}

export async function listSessions(
  db: PgDb,
  state: "live" | "closed" | "all",
  limit: number,
  cursor?: Pick<SessionRecord, "opened_at" | "id">,
  instance?: string,
): Promise<SessionRecord[]> {
  const c: SQL[] = [];
  if (instance !== undefined) c.push(eq(sessions.instance, instance));
  if (state === "live") c.push(isNull(sessions.closed_at));
  if (state === "closed") c.push(isNotNull(sessions.closed_at));
  if (cursor) c.push(sql`(${sessions.opened_at}, ${sessions.id}) < (${cursor.opened_at}, ${cursor.id})`);
  const rows = await db
    .select({ record: sessions.record, instance: sessions.instance })
    .from(sessions)
    .where(and(...c))
    .orderBy(desc(sessions.opened_at), desc(sessions.id))
    .limit(limit);
  return rows.map((r) => noteWriter(rowToSession(r.record), r.instance));
}

/** Every session, oldest first (export). */
export async function allSessions(db: PgDb, instance?: string): Promise<SessionRecord[]> {
  const rows = await db
    .select({ record: sessions.record })
    .from(sessions)
    .where(instance === undefined ? undefined : eq(sessions.instance, instance))
    .orderBy(asc(sessions.opened_at), asc(sessions.id));
  return rows.map((r) => rowToSession(r.record));
}

export async function sessionMessageCount(db: PgDb, id: string): Promise<number> {
  const [r] = await db.select({ n: count() }).from(messages).where(eq(messages.session_id, id));
  return r?.n ?? 0;
}

export async function messageCount(db: PgDb): Promise<number> {
  const [r] = await db.select({ n: count() }).from(messages);
  return r?.n ?? 0;
}

/** The reads Storage uses, on PostgreSQL: async by nature, so on this thread (it only awaits the server). */
export class PgReads extends DiskReads {
  constructor(private readonly db: PgDb) {
    super();
  }
  protected run(c: ReadCall): Promise<unknown> {
    switch (c.op) {
      case "queryMessages":
        return queryMessages(this.db, c.filter, c.limit, c.before ?? undefined);
      case "messagesAfter":
        return messagesAfter(this.db, c.filter, c.after, c.limit);
      case "getMessage":
        return getMessage(this.db, c.id);
      case "listSessions":
        return listSessions(this.db, c.state, c.limit, c.cursor ?? undefined, c.instance);
      case "getSession":
        return getSession(this.db, c.id);
      case "sessionMessageCount":
        return sessionMessageCount(this.db, c.id);
    }
  }
  async close(): Promise<void> {}
}
