import { and, asc, count, desc, eq, getTableColumns, gt, isNotNull, isNull, lt, sql, type SQL } from "drizzle-orm";
import { matchesFilter, type MessageFilter } from "../capture/query";
import type { MessageRecord, SessionRecord } from "../capture/records";
import { FTS_MIN_CHARS, ftsPhrase, messagesFts } from "./fts";
import type { Db } from "./open";
import { rowToMessage, rowToSession } from "./rows";
import { messages, meta, SEQ_HIGH_WATER, sessions } from "./schema";

/** History queries on the database. Same filter semantics as the in-memory store (capture/query.ts). */

/** Which side of a seq to read, and from which end: newest first below `before`, or oldest first above `after`. */
type Page = { newestBelow: number | undefined } | { oldestAbove: number };

function conditions(f: MessageFilter, page: Page, useFts: boolean): SQL[] {
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
  // Literals: the partial index (WHERE agrees = 0) serves agrees=false.
  if (f.agrees === false) c.push(sql`${messages.agrees} = 0`);
  if (f.agrees === true) c.push(sql`${messages.agrees} = 1`);
  if (f.verdict !== undefined) c.push(eq(messages.verdict, f.verdict));
  const seq = useFts ? messagesFts.rowid : messages.seq;
  if ("oldestAbove" in page) c.push(gt(seq, page.oldestAbove));
  else if (page.newestBelow !== undefined) c.push(lt(seq, page.newestBelow));
  if (f.q !== undefined) {
    if (useFts) c.push(sql`${messagesFts} MATCH ${ftsPhrase(f.q)}`);
    else c.push(sql`instr(lower(coalesce(${messages.raw}, ${messages.raw_hex}, '')), ${f.q.toLowerCase()}) > 0`);
  }
  return c;
}

function select(db: Db, f: MessageFilter, limit: number, page: Page): MessageRecord[] {
  if (f.q !== undefined && [...f.q].length < FTS_MIN_CHARS && /[^\x00-\x7f]/.test(f.q)) return scanInJs(db, f, limit, page);
  const useFts = f.q !== undefined && [...f.q].length >= FTS_MIN_CHARS;
  const where = and(...conditions(f, page, useFts));
  const oldest = "oldestAbove" in page;
  const rows = useFts
    ? // Driven by the FTS index in rowid order, so LIMIT stops the search early.
      db
        .select(getTableColumns(messages))
        .from(messagesFts)
        .innerJoin(messages, eq(messages.seq, messagesFts.rowid))
        .where(where)
        .orderBy(oldest ? asc(messagesFts.rowid) : desc(messagesFts.rowid))
        .limit(limit)
        .all()
    : db.select().from(messages).where(where).orderBy(oldest ? asc(messages.seq) : desc(messages.seq)).limit(limit).all();
  return rows.map(rowToMessage);
}

/** Newest first, `seq < before` when given. */
export const queryMessages = (db: Db, f: MessageFilter, limit: number, before?: number): MessageRecord[] =>
  select(db, f, limit, { newestBelow: before });

/** Oldest first, `seq > after`: export, and what a live view missed. */
export const messagesAfter = (db: Db, f: MessageFilter, after: number, limit: number): MessageRecord[] =>
  select(db, f, limit, { oldestAbove: after });

/**
 * Short non-ASCII needles: SQLite's lower() folds ASCII only and trigrams need 3 characters, so the text test runs
 * here with the store's own matcher, over pages of rows the other filters select.
 */
function scanInJs(db: Db, f: MessageFilter, limit: number, page: Page): MessageRecord[] {
  const { q: _q, ...rest } = f;
  const out: MessageRecord[] = [];
  let cursor = page;
  for (;;) {
    const rows = select(db, rest, 2_000, cursor);
    for (const m of rows) if (matchesFilter(m, f) && out.length < limit) out.push(m);
    if (out.length >= limit || rows.length < 2_000) return out;
    const last = rows[rows.length - 1]!.seq;
    cursor = "oldestAbove" in cursor ? { oldestAbove: last } : { newestBelow: last };
  }
}

export function getMessage(db: Db, id: string): MessageRecord | undefined {
  // The store's ids are the decimal seq; look up by the primary key and confirm.
  if (!/^[1-9][0-9]{0,15}$/.test(id)) return undefined;
  const row = db.select().from(messages).where(eq(messages.seq, Number(id))).get();
  return row && row.id === id ? rowToMessage(row) : undefined;
}

export function getSession(db: Db, id: string): SessionRecord | undefined {
  const row = db.select().from(sessions).where(eq(sessions.id, id)).get();
  return row ? rowToSession(row) : undefined;
}

/**
 * Newest first (opened_at, then id), after `cursor` when given. A session with `closed_at` unset is live as far as the
 * database knows.
 */
export function listSessions(
  db: Db,
  state: "live" | "closed" | "all",
  limit: number,
  cursor?: Pick<SessionRecord, "opened_at" | "id">,
): SessionRecord[] {
  const c: SQL[] = [];
  if (state === "live") c.push(isNull(sessions.closed_at));
  if (state === "closed") c.push(isNotNull(sessions.closed_at));
  if (cursor) c.push(sql`(${sessions.opened_at}, ${sessions.id}) < (${cursor.opened_at}, ${cursor.id})`);
  return db
    .select()
    .from(sessions)
    .where(and(...c))
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
