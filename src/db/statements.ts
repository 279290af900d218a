import type { Database, Statement } from "bun:sqlite";
import { getTableColumns, sql, type Placeholder, type SQL } from "drizzle-orm";
import type { MessageRecord, SessionRecord } from "../capture/records";
import { searchFields } from "../capture/search";
import type { Db } from "./open";
import { prepareApart } from "./apart";
import { Memo } from "./memo";
import { jsonOfRaw, messageToRow, type MessageRow } from "./rows";
import { sessionToRow, type TelemetryRow } from "./session-rows";
import { agentTelemetry, meta, SEQ_HIGH_WATER, sessions } from "./schema";
import { toWireBatch, toWireMessage, type WireBatch, type WireMessage } from "./wire";
import { columnOfSeq, MAX_TERMS_PER_MESSAGE, PARTITION_BITS, partitionOf, seqColumn, tableForSeq, termOf, type Partition, type PostingKey } from "./terms";

/**
 * Prepared statements for the write paths (writer, import). Messages go through bun:sqlite statements directly (the
 * hot path: ~4 statements per message at tens of thousands of messages a second); sessions, telemetry and meta through
 * drizzle's prepared inserts, whose column mappers handle their JSON.
 */

type Placeholders<K extends string> = { [P in K]: Placeholder<P> };

function placeholders<T extends object>(table: T): Placeholders<Extract<keyof T, string>> {
  const out: Record<string, Placeholder> = {};
  for (const key of Object.keys(table)) out[key] = sql.placeholder(key);
  return out as Placeholders<Extract<keyof T, string>>;
}

function excludedAll<T extends object>(table: T): Record<string, SQL> {
  const out: Record<string, SQL> = {};
  for (const key of Object.keys(table)) out[key] = sql.raw(`excluded."${key}"`);
  return out;
}

const MESSAGE_COLUMNS = [
  "seq", "id", "session_id", "direction", "ts", "size_bytes", "raw", "raw_hex", "kind", "method", "rpc_id", "json",
  "decoded", "parse_error", "reply_to", "latency_ms", "truncated", "is_error", "share_difficulty", "share_meets_target",
  "share_block_candidate", "form", "ts_ms", "job", "share_hash", "share_target", "share_network", "share_json", "analysis",
  "sess", "mcode", "reply_seq", "latency_us", "verdict", "agrees", "reason_n", "coinbase_job",
] as const satisfies readonly (keyof MessageRow)[];

type SqlValue = string | number | null | Uint8Array;
const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));

/** Columns drizzle stores as JSON text (mode "json"); booleans are stored 0/1. */
const JSON_COLUMNS: ReadonlySet<string> = new Set(["rpc_id", "json", "decoded"]);

/** A row's values in MESSAGE_COLUMNS order, as drizzle's column modes would store them (JSON text, 0/1). */
function rowValues(r: MessageRow): SqlValue[] {
  return MESSAGE_COLUMNS.map((k): SqlValue => {
    const v = r[k];
    if (JSON_COLUMNS.has(k)) return json(v);
    if (typeof v === "boolean") return v ? 1 : 0;
    return v as SqlValue;
  });
}

/**
 * Columns a compact row of the capture almost always leaves NULL (rows.ts): such rows go through an INSERT without
 * them (a third fewer values to bind per row, the statement's main cost after SQLite's own work).
 */
const RARE_COLUMNS: ReadonlySet<string> = new Set([
  "raw_hex", "method", "rpc_id", "json", "decoded", "parse_error", "reply_to", "latency_ms", "share_hash", "share_target",
  "share_network", "share_json",
]);
const NARROW_COLUMNS = MESSAGE_COLUMNS.filter((k) => !RARE_COLUMNS.has(k));
const RARE_INDEXES = MESSAGE_COLUMNS.flatMap((k, i) => (RARE_COLUMNS.has(k) ? [i] : []));
const NARROW_INDEXES = MESSAGE_COLUMNS.flatMap((k, i) => (RARE_COLUMNS.has(k) ? [] : [i]));

/** The values of NARROW_COLUMNS when the row's rare columns are all NULL, else null. */
function narrowValues(v: SqlValue[]): SqlValue[] | null {
  for (const i of RARE_INDEXES) if (v[i] !== null) return null;
  return NARROW_INDEXES.map((i) => v[i]!);
}

/** Rows per multi-row INSERT (x 35 columns, well under SQLite's 32,766 parameters). */
const ROWS_PER_INSERT = 32;
const POSTINGS_PER_INSERT = 256;


export function prepareWrites(db: Db, opts: { maxSharedTexts?: number } = {}) {
  const c: Database = db.$client;
  const sesCols = getTableColumns(sessions);
  const insertMessage = c.prepare<unknown, SqlValue[]>(
    `INSERT INTO messages (${MESSAGE_COLUMNS.join(", ")}) VALUES (${MESSAGE_COLUMNS.map(() => "?").join(", ")}) ON CONFLICT DO NOTHING`,
  );
  const insertTerm = c.prepare<{ id: number }, [string]>("INSERT INTO terms (text) VALUES (?) ON CONFLICT (text) DO NOTHING RETURNING id");
  const findTerm = c.prepare<{ id: number }, [string]>("SELECT id FROM terms WHERE text = ?");
  const indexTerm = c.prepare<void, [number, string]>("INSERT INTO terms_fts (rowid, text) VALUES (?, ?)");
  const insertSessionId = c.prepare<{ n: number }, [string]>("INSERT INTO session_ids (id) VALUES (?) ON CONFLICT (id) DO NOTHING RETURNING n");
  const findSessionId = c.prepare<{ n: number }, [string]>("SELECT n FROM session_ids WHERE id = ?");
  const sessionNumbers = new Memo<string, number>(100_000);
  const apart = prepareApart(c, opts);
  const postings = new Map<string, Statement<void, number[]>>();
  const tables = new Map<number, Partition>();
  const multiInsert = (cols: readonly string[], rows: number) =>
    c.prepare<unknown, SqlValue[]>(
      `INSERT INTO messages (${cols.join(", ")}) VALUES ${Array(rows).fill(`(${cols.map(() => "?").join(", ")})`).join(", ")} ON CONFLICT DO NOTHING`,
    );
  const insertMessages = multiInsert(MESSAGE_COLUMNS, ROWS_PER_INSERT);
  const insertNarrow = multiInsert(NARROW_COLUMNS, ROWS_PER_INSERT);
  const insertNarrowOne = multiInsert(NARROW_COLUMNS, 1);
  const jobKeys = new Memo<number, PostingKey[]>(4_096);
  const vocabulary = new Memo<string, number>(100_000);

  const upsertSession = db
    .insert(sessions)
    .values(placeholders(sesCols))
    .onConflictDoUpdate({ target: sessions.id, set: excludedAll(sesCols) })
    .prepare();
  const insertSessionIfNew = db.insert(sessions).values(placeholders(sesCols)).onConflictDoNothing().prepare();
  const setMeta = db
    .insert(meta)
    .values({ key: sql.placeholder("key"), value: sql.placeholder("value") })
    .onConflictDoUpdate({ target: meta.key, set: { value: sql`excluded.value` } })
    .prepare();
  const insertTelemetry = db.insert(agentTelemetry).values(placeholders(getTableColumns(agentTelemetry))).onConflictDoNothing().prepare();
  const changes = () => c.query<{ n: number }, []>("SELECT changes() AS n").get()?.n ?? 0;

  function sessionNumber(id: string): number {
    const known = sessionNumbers.get(id);
    if (known !== undefined) return known;
    const n = (insertSessionId.get(id) ?? findSessionId.get(id)!).n;
    sessionNumbers.set(id, n);
    return n;
  }

  function termId(text: string): number {
    const known = vocabulary.get(text);
    if (known !== undefined) return known;
    const inserted = insertTerm.get(text);
    let id: number;
    if (inserted) {
      id = inserted.id;
      indexTerm.run(id, text);
    } else id = findTerm.get(text)!.id;
    vocabulary.set(text, id);
    return id;
  }

  /** What one message is found by (see terms.ts): its exact hex strings and vocabulary ids. */
  function keysOf(m: WireMessage, json: unknown): PostingKey[] {
    const f = searchFields({ kind: m.kind, method: m.method, json, raw: m.raw, raw_hex: m.raw_hex, parse_error: m.parse_error });
    const keys: PostingKey[] = [];
    for (const h of f.hex) if (keys.length < MAX_TERMS_PER_MESSAGE) keys.push(h);
    for (const t of f.texts) if (keys.length < MAX_TERMS_PER_MESSAGE) keys.push(termId(t));
    return keys;
  }

  /** A job's keys once per job: every miner of a session group gets the same notify line. */
  function keysOfJob(m: WireMessage, job: number | null, json: () => unknown): PostingKey[] {
    if (job === null || m.whole !== null || m.parse_error !== null) return keysOf(m, json());
    let keys = jobKeys.get(job);
    if (keys === undefined) jobKeys.set(job, (keys = keysOf(m, json())));
    return keys;
  }

  /** A message's row and search keys; its line's JSON is parsed at most once, for both. */
  function prepare(m: WireMessage): { row: MessageRow; keys: PostingKey[] } {
    let parsed: { v: unknown } | undefined;
    const json = () => (parsed ??= { v: m.whole !== null ? m.whole.json : m.kind === "invalid" ? null : jsonOfRaw(m.raw, m.truncated) }).v;
    const refs = apart.refsOf(m, sessionNumber(m.session_id), json);
    return { row: messageToRow(m, refs), keys: keysOfJob(m, refs.job ?? null, json) };
  }

  /** The postings table of partition `p` (terms.ts tableForSeq), looked up once per partition. */
  function tableOf(p: number): Partition {
    let t = tables.get(p);
    if (t === undefined) tables.set(p, (t = tableForSeq(c, p * 2 ** PARTITION_BITS)));
    return t;
  }

  function postingsInsert(t: Partition, rows: number): Statement<void, number[]> {
    const key = `${t.table} ${rows}`;
    let st = postings.get(key);
    if (!st) {
      st = c.prepare<void, number[]>(`INSERT OR IGNORE INTO ${t.table} (term, ${seqColumn(t)}) VALUES ${Array(rows).fill("(?, ?)").join(", ")}`);
      postings.set(key, st);
    }
    return st;
  }

  /** Write the postings `[key, seq]` of partition `p` as its table keeps them, sorted (b-tree order), many rows a statement. */
  function writePostings(p: number, keyed: [PostingKey, number][]): void {
    const t = tableOf(p);
    const pairs = keyed.map(([k, seq]): [number, number] => [termOf(t, k), columnOfSeq(t, seq)]);
    pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let i = 0;
    for (; i + POSTINGS_PER_INSERT <= pairs.length; i += POSTINGS_PER_INSERT)
      postingsInsert(t, POSTINGS_PER_INSERT).run(...pairs.slice(i, i + POSTINGS_PER_INSERT).flat());
    for (; i < pairs.length; i++) postingsInsert(t, 1).run(pairs[i]![0], pairs[i]![1]);
  }

  return {
    /**
     * The writer's path: many rows per statement, postings sorted. Seqs are new here (the store hands each out once);
     * a row already present is skipped and its postings (already there too) are ignored as duplicates.
     */
    insertMessages: (msgs: WireMessage[]): void => {
      const prepared = msgs.map(prepare);
      const narrow: SqlValue[][] = [];
      const full: SqlValue[][] = [];
      prepared.forEach(({ row }) => {
        const v = rowValues(row);
        const n = narrowValues(v);
        if (n) narrow.push(n);
        else full.push(v);
      });
      for (const [values, many, one] of [[narrow, insertNarrow, insertNarrowOne], [full, insertMessages, insertMessage]] as const) {
        let i = 0;
        for (; i + ROWS_PER_INSERT <= values.length; i += ROWS_PER_INSERT) many.run(...values.slice(i, i + ROWS_PER_INSERT).flat());
        for (; i < values.length; i++) one.run(...values[i]!);
      }
      const byPartition = new Map<number, [PostingKey, number][]>();
      msgs.forEach((m, j) => {
        const p = partitionOf(m.seq);
        let list = byPartition.get(p);
        if (!list) byPartition.set(p, (list = []));
        for (const k of prepared[j]!.keys) list.push([k, m.seq]);
      });
      for (const [p, pairs] of byPartition) writePostings(p, pairs);
    },
    /** Returns true when the row was new (then its job and search terms are written too). */
    insertMessage: (record: MessageRecord): boolean => {
      const m = toWireMessage(record);
      const { row, keys } = prepare(m);
      if (insertMessage.run(...rowValues(row)).changes === 0) return false;
      writePostings(partitionOf(m.seq), keys.map((k) => [k, m.seq]));
      return true;
    },
    /** After a rolled-back transaction: what the caches learnt in it may not be in the database. */
    forget: (): void => {
      apart.forget();
      jobKeys.clear();
      tables.clear();
      vocabulary.clear();
      sessionNumbers.clear();
    },
    /** After a batch: each `jobs` entry referenced records its newest seq (retention keeps those still referenced). */
    flushJobs: (): void => apart.flush(),
    upsertSession: (s: SessionRecord): void => void upsertSession.run(sessionToRow(s)),
    insertSessionIfNew: (s: SessionRecord): boolean => {
      insertSessionIfNew.run(sessionToRow(s));
      return changes() > 0;
    },
    setMeta: (key: string, value: string): void => void setMeta.run({ key, value }),
    insertTelemetry: (t: TelemetryRow): void => void insertTelemetry.run(t),
  };
}

export type Writes = ReturnType<typeof prepareWrites>;

/** What one transaction writes. */
export type Batch = { msgs: MessageRecord[]; sess: SessionRecord[]; telemetry: TelemetryRow[]; seqHighWater: number };

/** One committed batch of records (this thread: `sqlite::memory:`, tests, benches); see writeWireBatch. */
export const writeBatch = (db: Db, w: Writes, b: Batch): void => writeWireBatch(db, w, toWireBatch(b));

/** One committed batch: sessions first, then messages and telemetry, then the seq high-water mark. */
export function writeWireBatch(db: Db, w: Writes, b: WireBatch): void {
  const { msgs, sess, telemetry, seqHighWater } = b;
  try {
    db.$client.transaction(() => {
      for (const s of sess) w.upsertSession(s);
      w.insertMessages(msgs);
      w.flushJobs();
      for (const t of telemetry) w.insertTelemetry(t);
      if (seqHighWater > 0) w.setMeta(SEQ_HIGH_WATER, String(seqHighWater));
    })();
  } catch (err) {
    w.forget();
    throw err;
  }
}
