import type { Direction, MessageKind, MessageRecord, RpcId, SessionRecord } from "../../capture/records";
import { searchFields } from "../../capture/search";
import { autoReplayOff } from "../../sessions/record";
import { decodedOf, jsonOfRaw, rpcIdOf } from "../rows";
import { analysisOfStored, analysisToStored, type StoredAnalysis } from "./analysis";
import type { WireMessage } from "../wire";
import type * as schema from "./schema";

/**
 * Records ↔ PostgreSQL rows. A message row's `record` is compact: a JSON array of what neither the row's columns
 * (seq, session, direction, kind, method, size, the line in `raw`) nor its line give back; json, rpc_id and decoded are left out when
 * they derive from the line (as the capture makes them: JSON.parse(raw), json.id, the decoders), a mining.notify's
 * line is in `jobs` (insert.ts), and the analysis is stored without its key names when it has the usual ones
 * (analysis.ts). What does not derive is kept as it is, so a row gives back exactly its record (as JSON:
 * keys in the record schema's order, as the SQLite backend reads them). Rows written before migration 0001 hold the
 * record whole (a JSON object) and read as they are.
 */

export type PgMessageRow = typeof schema.messages.$inferInsert;
export type PgSessionRow = typeof schema.sessions.$inferInsert;
export type PgJobRow = typeof schema.jobs.$inferInsert;

/** Bits of the compact record's first element: what is derived on read instead of stored. Stored: never renumber. */
const F_JSON = 1;
const F_RPC_ID = 2;
const F_DECODED = 4;

/**
 * The compact record, most often set first; trailing elements that are null (truncated: false) are left off, so a
 * submit is [form, analysis] and most other lines [form].
 */
type Compact = [
  form: number,
  analysis?: StoredAnalysis,
  reply_to?: string | null,
  latency_ms?: number | null,
  /** null: String(seq). */
  id?: string | null,
  /** null: the ISO form of ts_ms. */
  ts?: string | null,
  rpc_id?: RpcId | null,
  json?: unknown,
  decoded?: Record<string, unknown> | null,
  parse_error?: string | null,
  raw_hex?: string | null,
  truncated?: boolean,
];
const TRUNCATED = 11;

/** A message worked out once for the writer: its form, its json (given or derived) and the ts_ms column. */
export type Prepared = { m: WireMessage; form: number; json: unknown; tsMs: number };

/**
 * Which of json, rpc_id and decoded derive. Records the capture marked (`whole` null, ../wire.ts) derive all three;
 * any other record (an import, a test) is checked against its line: compared as JSON text, which is how records are
 * read back anyway.
 */
export function prepare(m: WireMessage): Prepared {
  const ms = Date.parse(m.ts);
  const tsMs = Number.isFinite(ms) ? ms : 0;
  if (m.whole === null) return { m, form: F_JSON | F_RPC_ID | F_DECODED, json: jsonOfRaw(m.raw, m.truncated), tsMs };
  const json = m.whole.json === undefined ? null : m.whole.json;
  const text = JSON.stringify(json);
  let form = 0;
  if ((!m.truncated && text === m.raw) || text === JSON.stringify(jsonOfRaw(m.raw, m.truncated))) form |= F_JSON;
  if (rpcIdOf(m.kind, json) === m.rpc_id) form |= F_RPC_ID;
  const decoded = m.whole.decoded ?? null;
  if (JSON.stringify(decodedOf(m.kind, m.method, m.rpc_id, json)) === JSON.stringify(decoded)) form |= F_DECODED;
  return { m, form, json, tsMs };
}

/**
 * A mining.notify whose searchable texts come from its line alone (json derived, no hex form, no parse error) can keep
 * its line in `jobs`, searched there; anything else keeps its line in its row.
 */
export const canShareLine = (p: Prepared): boolean =>
  p.m.method === "mining.notify" && p.m.kind === "notification" && p.m.raw !== null && !p.m.truncated &&
  p.m.raw_hex === null && p.m.parse_error === null && (p.form & F_JSON) !== 0;

/** What `q` scans: the message's searchable texts and hex (capture/search.ts), one per line. */
function searchText(m: Parameters<typeof searchFields>[0]): string {
  const f = searchFields(m);
  return [...f.texts, ...f.hex].join("\n");
}

export const searchOf = (p: Prepared): string => searchText({ ...p.m, json: p.json });

/** The row of a prepared message; `job` is its line's key in `jobs` when it is stored there. */
export function messageToPgRow(p: Prepared, instance: string, job: number | null): PgMessageRow {
  const { m, form } = p;
  const compact: Compact = [
    form,
    analysisToStored(m.analysis),
    m.reply_to,
    m.latency_ms,
    m.id === String(m.seq) ? null : m.id,
    p.tsMs !== 0 && new Date(p.tsMs).toISOString() === m.ts ? null : m.ts,
    form & F_RPC_ID ? null : m.rpc_id,
    form & F_JSON ? null : p.json,
    form & F_DECODED ? null : (m.whole?.decoded ?? null),
    m.parse_error,
    m.raw_hex,
    m.truncated,
  ];
  let end = compact.length;
  while (end > 1 && (compact[end - 1] === null || (end === TRUNCATED + 1 && compact[end - 1] === false))) end--;
  compact.length = end;
  return {
    seq: m.seq,
    instance,
    session_id: m.session_id,
    direction: m.direction,
    kind: m.kind,
    method: m.method,
    ts_ms: p.tsMs,
    is_error: m.is_error,
    verdict: m.analysis?.type === "submit" ? m.analysis.verdict : null,
    agrees: m.analysis?.type === "submit" ? m.analysis.agrees : null,
    search: job !== null ? "" : searchOf(p),
    size_bytes: m.size_bytes,
    record: JSON.stringify(compact),
    raw: job !== null ? null : m.raw,
    job,
  };
}

/** A message row as read: its columns, and its job's line when it has one. */
export type PgStoredRow = Pick<
  typeof schema.messages.$inferSelect,
  "seq" | "session_id" | "direction" | "kind" | "method" | "ts_ms" | "size_bytes" | "record" | "raw" | "job"
> & { job_raw: string | null };

/** Rows were written from valid records; parse without re-validating (reads are hot), typed by the zod record. */
export function rowToMessage(r: PgStoredRow): MessageRecord {
  if (r.record.startsWith("{")) return JSON.parse(r.record) as MessageRecord;
  const c = JSON.parse(r.record) as Compact;
  const form = c[0];
  const kind = r.kind as MessageKind;
  const raw = r.job !== null ? r.job_raw : r.raw;
  const truncated = c[TRUNCATED] ?? false;
  const json = form & F_JSON ? jsonOfRaw(raw, truncated) : (c[7] ?? null);
  const rpc_id = form & F_RPC_ID ? rpcIdOf(kind, json) : (c[6] ?? null);
  return {
    id: c[4] ?? String(r.seq),
    seq: r.seq,
    session_id: r.session_id,
    direction: r.direction as Direction,
    ts: c[5] ?? new Date(r.ts_ms).toISOString(),
    size_bytes: r.size_bytes,
    raw,
    raw_hex: c[10] ?? null,
    kind,
    method: r.method,
    rpc_id,
    json,
    decoded: form & F_DECODED ? decodedOf(kind, r.method, rpc_id, json) : (c[8] ?? null),
    parse_error: c[9] ?? null,
    reply_to: c[2] ?? null,
    latency_ms: c[3] ?? null,
    truncated,
    analysis: analysisOfStored(c[1] ?? null),
  };
}

export function sessionToPgRow(s: SessionRecord, instance: string): PgSessionRow {
  return { id: s.id, instance, opened_at: s.opened_at, closed_at: s.closed_at, last_seen: s.last_seen, record: JSON.stringify(s) };
}

/** Records saved before the auto-replay switch existed lack it: off. */
export const rowToSession = (record: string): SessionRecord => ({ auto_replay: autoReplayOff(), ...(JSON.parse(record) as Omit<SessionRecord, "auto_replay">) });
