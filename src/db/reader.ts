import { and, count, desc, eq, getTableColumns, isNotNull, isNull, lt, sql, type SQL } from "drizzle-orm";
import { matchesFilter, type MessageFilter } from "../capture/query";
import type { MessageRecord, SessionRecord } from "../capture/records";
import { FTS_MIN_CHARS, ftsPhrase, messagesFts } from "./fts";
import type { Db } from "./open";
import { rowToMessage, rowToSession } from "./rows";
import { messages, meta, SEQ_HIGH_WATER, sessions } from "./schema";

/** History queries on the database. Same filter semantics as the in-memory store (capture/query.ts). */

function conditions(f: MessageFilter, before: number | undefined, useFts: boolean): SQL[] {
  const c: SQL[] = [];
  if (f.session_id !== undefined) c.push(eq(messages.session_id, f.session_id));
  if (f.direction !== undefined) c.push(eq(messages.direction, f.direction));
  if (f.method !== undefined) c.push(eq(messages.method, f.method));
  if (f.kind !== undefined) c.push(eq(messages.kind, f.kind));
  // A literal so the partial index (WHERE is_error = 1) applies.
  if (f.errors === true) c.push(sql`${messages.is_error} = 1`);
  // Literals again, so the partial index on low shares applies.
  if (f.share === "low") c.push(sql`${messages.share_meets_target} = 0`);
  if (f.share === "block") c.push(sql`${messages.share_block_candidate} = 1`);
  if (before !== undefined) c.push(lt(useFts ? messagesFts.rowid : messages.seq, before));
  if (f.q !== undefined) {
    if (useFts) c.push(sql`${messagesFts} MATCH ${ftsPhrase(f.q)}`);
    else c.push(sql`instr(lower(coalesce(${messages.raw}, ${messages.raw_hex}, '')), ${f.q.toLowerCase()}) > 0`);
  }
  return c;
}

/** Newest first, `seq < before` when given. */
export function queryMessages(db: Db, f: MessageFilter, limit: number, before?: number): MessageRecord[] {
  if (f.q !== undefined && [...f.q].length < FTS_MIN_CHARS && /[^\x00-\x7f]/.test(f.q)) return scanInJs(db, f, limit, before);
  const useFts = f.q !== undefined && [...f.q].length >= FTS_MIN_CHARS;
  const where = and(...conditions(f, before, useFts));
  const rows = useFts
    ? // Driven by the FTS index in descending rowid order, so LIMIT stops the search early.
      db
        .select(getTableColumns(messages))
        .from(messagesFts)
        .innerJoin(messages, eq(messages.seq, messagesFts.rowid))
        .where(where)
        .orderBy(desc(messagesFts.rowid))
        .limit(limit)
        .all()
    : db.select().from(messages).where(where).orderBy(desc(messages.seq)).limit(limit).all();
  return rows.map(rowToMessage);
}

/**
 * Short non-ASCII needles: SQLite's lower() folds ASCII only and trigrams need 3 characters, so the text test runs
 * here with the store's own matcher, over pages of rows the other filters select.
 */
function scanInJs(db: Db, f: MessageFilter, limit: number, before?: number): MessageRecord[] {
  const { q: _q, ...rest } = f;
  const out: MessageRecord[] = [];
  let cursor = before;
  for (;;) {
    const page = queryMessages(db, rest, 2_000, cursor);
    for (const m of page) if (matchesFilter(m, f) && out.length < limit) out.push(m);
    if (out.length >= limit || page.length < 2_000) return out;
    cursor = page[page.length - 1]!.seq;
  }
}

export function getMessage(db: Db, id: string): MessageRecord | undefined {
  // The store's ids are the decimal seq; look up by the primary key and confirm.
  if (!/^[1-9][0-9]{0,15}$/.test(id)) return undefined;
  const row = db.select().from(messages).where(eq(messages.seq, Number(id))).get();
  return row && row.id === id ? rowToMessage(row) : undefined;
}

/** Oldest first from `after`, for export: keyset paging over the primary key. */
export function messagesAfter(db: Db, sessionId: string | undefined, after: number, limit: number): MessageRecord[] {
  const c: SQL[] = [sql`${messages.seq} > ${after}`];
  if (sessionId !== undefined) c.push(eq(messages.session_id, sessionId));
  return db.select().from(messages).where(and(...c)).orderBy(messages.seq).limit(limit).all().map(rowToMessage);
}

export function getSession(db: Db, id: string): SessionRecord | undefined {
  const row = db.select().from(sessions).where(eq(sessions.id, id)).get();
  return row ? rowToSession(row) : undefined;
}

/** Newest first. A session with `closed_at` unset is live as far as the database knows. */
export function listSessions(db: Db, state: "live" | "closed" | "all", limit: number): SessionRecord[] {
  const where = state === "live" ? isNull(sessions.closed_at) : state === "closed" ? isNotNull(sessions.closed_at) : undefined;
  return db
    .select()
    .from(sessions)
    .where(where)
    .orderBy(desc(sessions.opened_at), desc(sessions.id))
    .limit(limit)
    .all()
    .map(rowToSession);
}

export function sessionMessageCount(db: Db, id: string): number {
  return db.select({ n: count() }).from(messages).where(eq(messages.session_id, id)).get()?.n ?? 0;
}

export function messageCount(db: Db): number {
  return db.select({ n: count() }).from(messages).get()?.n ?? 0;
}

/** The highest seq ever handed out: stored messages, and the high-water mark (covers messages dropped unwritten). */
export function lastSeq(db: Db): number {
  const max = db.select({ m: sql<number | null>`max(${messages.seq})` }).from(messages).get()?.m ?? 0;
  const hw = db.select().from(meta).where(eq(meta.key, SEQ_HIGH_WATER)).get();
  return Math.max(max, hw ? Number(hw.value) || 0 : 0);
}
