import { and, asc, count, desc, eq, getTableColumns, gt, inArray, isNotNull, isNull, lt, sql, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { matchesFilter, type MessageFilter } from "../capture/query";
import type { MessageRecord, SessionRecord } from "../capture/records";
import type { Db } from "./open";
import { mergeBySeq } from "./merge";
import { directionValues, FORM_ANALYSIS_OF_REQUEST, FORM_SHAPE_UNIT, kindValues, methodCode, rowToMessage, verdictValues } from "./rows";
import { rowToSession } from "./session-rows";
import { jobs, sharedTexts, messages, meta, SEQ_HIGH_WATER, sessionIds, sessions } from "./schema";
import { candidates, legacyMaxSeq, termKeys, type Page } from "./search";

/** History queries on the database. Same filter semantics as the in-memory store (capture/query.ts). */

/** Rows stored whole (before 0003) and compact rows keep keys differently: each has its own conditions and indexes. */
type Form = "whole" | "compact";

function conditions(f: Omit<MessageFilter, "q">, page: Page, form: Form): SQL[] {
  const c: SQL[] = [];
  if (form === "whole") {
    c.push(sql`${messages.form} IS NULL`); // literal, for the partial indexes on these rows
    if (f.session_id !== undefined) c.push(eq(messages.session_id, f.session_id));
    if (f.method !== undefined) c.push(eq(messages.method, f.method));
    if (f.direction !== undefined) c.push(eq(messages.direction, f.direction));
    if (f.kind !== undefined) c.push(eq(messages.kind, f.kind));
  } else {
    c.push(sql`${messages.form} IS NOT NULL`);
    if (f.session_id !== undefined) c.push(sql`${messages.sess} = (SELECT n FROM session_ids WHERE id = ${f.session_id})`);
    if (f.method !== undefined) {
      const code = methodCode(f.method);
      // With a session too, `+` keeps SQLite on the session's index (a few rows) rather than the method's (millions).
      c.push(f.session_id !== undefined ? sql`+${messages.mcode} = ${sql.raw(String(code))}` : sql`${messages.mcode} = ${sql.raw(String(code))}`);
      if (code === 0) c.push(eq(messages.method, f.method));
    }
    if (f.direction !== undefined) c.push(eq(messages.direction, directionValues(f.direction)[1]));
    if (f.kind !== undefined) c.push(eq(messages.kind, kindValues(f.kind)[1]));
  }
  // A literal so the partial index (WHERE is_error = 1) applies.
  if (f.errors === true) c.push(sql`${messages.is_error} = 1`);
  // Literals again, so the partial index on low shares applies.
  if (f.share === "low") c.push(sql`${messages.share_meets_target} = 0`);
  if (f.share === "block") c.push(sql`${messages.share_block_candidate} = 1`);
  // Literals: the partial index (WHERE agrees = 0) serves agrees=false.
  if (f.agrees === false) c.push(sql`${messages.agrees} = 0`);
  if (f.agrees === true) c.push(sql`${messages.agrees} = 1`);
  if (f.verdict !== undefined) c.push(inArray(messages.verdict, verdictValues(f.verdict)));
  if ("oldestAbove" in page) c.push(gt(messages.seq, page.oldestAbove));
  else if (page.newestBelow !== undefined) c.push(lt(messages.seq, page.newestBelow));
  return c;
}

const shapes = alias(sharedTexts, "shapes");
const reasons = alias(sharedTexts, "reasons");
const coinbases = alias(jobs, "coinbases");
const requests = alias(messages, "requests");
const requestReasons = alias(sharedTexts, "request_reasons");

/**
 * Rows with what the writer stored apart (rows.ts RowRefs): their job's line, shared texts, coinbase, session's id,
 * and for an answer whose analysis derives from its submit's, that submit's analysis.
 */
export const withJob = (db: Db) =>
  db
    .select({
      ...getTableColumns(messages),
      job_raw: jobs.raw,
      shape_text: shapes.text,
      reason_text: reasons.text,
      coinbase_text: coinbases.raw,
      sess_id: sessionIds.id,
      request_analysis: requests.analysis,
      request_reason_text: requestReasons.text,
    })
    .from(messages)
    .leftJoin(jobs, eq(jobs.hash, messages.job))
    .leftJoin(shapes, sql`${shapes.n} = ${messages.form} / ${sql.raw(String(FORM_SHAPE_UNIT))}`)
    .leftJoin(reasons, eq(reasons.n, messages.reason_n))
    .leftJoin(coinbases, eq(coinbases.hash, messages.coinbase_job))
    .leftJoin(requests, and(eq(requests.seq, messages.reply_seq), sql`(${messages.form} & ${sql.raw(String(FORM_ANALYSIS_OF_REQUEST))}) != 0`))
    .leftJoin(requestReasons, eq(requestReasons.n, requests.reason_n))
    .leftJoin(sessionIds, eq(sessionIds.n, messages.sess));

/** Without `q`: the filters on the table, in seq order; rows of both forms merged by seq. */
function selectRows(db: Db, f: Omit<MessageFilter, "q">, limit: number, page: Page): MessageRecord[] {
  const oldest = "oldestAbove" in page;
  const run = (form: Form) =>
    withJob(db)
      .where(and(...conditions(f, page, form)))
      .orderBy(oldest ? asc(messages.seq) : desc(messages.seq))
      .limit(limit)
      .all()
      .map(rowToMessage);
  const compact = run("compact");
  if (legacyMaxSeq(db) === 0) return compact;
  return mergeBySeq(compact, run("whole"), limit, oldest ? "oldest" : "newest");
}

function select(db: Db, f: MessageFilter, limit: number, page: Page): MessageRecord[] {
  if (f.q === undefined) return selectRows(db, f, limit, page);
  const q = f.q;
  const legacy = legacyMaxSeq(db);
  const keys = termKeys(db, q);
  // Common text (or a short needle over old rows the trigram index cannot serve): hits are dense, a scan finds them.
  if (keys === "broad" || (legacy > 0 && [...q].length < 3)) return scanInJs(db, f, limit, page);
  const out: MessageRecord[] = [];
  const oldest = "oldestAbove" in page;
  let cursor = page;
  const k = Math.max(limit * 4, 256);
  for (let i = 0; i < 100_000 && out.length < limit; i++) {
    const seqs = candidates(db, keys, q, cursor, k, legacy);
    if (seqs.length === 0) break;
    const rows = withJob(db)
      .where(inArray(messages.seq, seqs))
      .all()
      .map(rowToMessage)
      .filter((m) => matchesFilter(m, f))
      .sort((a, b) => (oldest ? a.seq - b.seq : b.seq - a.seq));
    for (const m of rows) if (out.length < limit) out.push(m);
    if (seqs.length < k) break;
    const last = seqs[seqs.length - 1]!;
    cursor = oldest ? { oldestAbove: last } : { newestBelow: last };
  }
  return out;
}

/** Newest first, `seq < before` when given. */
export const queryMessages = (db: Db, f: MessageFilter, limit: number, before?: number): MessageRecord[] =>
  select(db, f, limit, { newestBelow: before });

/** Oldest first, `seq > after`: export, and what a live view missed. */
export const messagesAfter = (db: Db, f: MessageFilter, after: number, limit: number): MessageRecord[] =>
  select(db, f, limit, { oldestAbove: after });

/** `q` checked here with the store's own matcher, over pages of rows the other filters select. */
function scanInJs(db: Db, f: MessageFilter, limit: number, page: Page): MessageRecord[] {
  const { q: _q, ...rest } = f;
  const out: MessageRecord[] = [];
  let cursor = page;
  for (let i = 0; i < 1_000_000; i++) {
    const rows = selectRows(db, rest, 2_000, cursor);
    for (const m of rows) if (matchesFilter(m, f) && out.length < limit) out.push(m);
    if (out.length >= limit || rows.length < 2_000) return out;
    const last = rows[rows.length - 1]!.seq;
    cursor = "oldestAbove" in cursor ? { oldestAbove: last } : { newestBelow: last };
  }
  return out;
}

export function getMessage(db: Db, id: string): MessageRecord | undefined {
  // The store's ids are the decimal seq; look up by the primary key and confirm.
  if (!/^[1-9][0-9]{0,15}$/.test(id)) return undefined;
  const row = withJob(db).where(eq(messages.seq, Number(id))).get();
  const m = row ? rowToMessage(row) : undefined;
  return m && m.id === id ? m : undefined;
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
  const n = (form: Form) =>
    db.select({ n: count() }).from(messages).where(and(...conditions({ session_id: id }, { newestBelow: undefined }, form))).get()?.n ?? 0;
  return n("compact") + (legacyMaxSeq(db) > 0 ? n("whole") : 0);
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
