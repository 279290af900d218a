import type { Direction, MessageKind, MessageRecord, RpcId } from "../capture/records";
import { isRecord } from "../stratum/json";
import { decodeRequest, decodeResponse } from "../stratum/methods";
import { analysisOfColumn, analysisToColumn, type AnalysisCell } from "./analysis-column";
import { answerAnalysis } from "./answers";
import { verdictCode } from "./analysis-pack";
import { fillLine } from "./line-shape";
import { NO_SHARE, shareOfColumns, shareToColumns, type ShareColumns } from "./share-columns";
import type { Verdict } from "../analysis/schema";
import type { messages } from "./schema";
import type { WireMessage } from "./wire";

/** Message record ⇄ row mapping: messages are stored compactly (see FORM_*); sessions and telemetry: session-rows.ts. */

export type MessageRow = typeof messages.$inferSelect;

/** Bits of `form` (NULL: a row stored whole, as before migration 0003): what rowToMessage derives instead of reading. */
export const FORM_COMPACT = 1;
/** json is JSON.parse(raw) (null when the line is not JSON). */
export const FORM_JSON = 2;
/** rpc_id is json.id (a number or string; else null). */
export const FORM_RPC_ID = 4;
/** decoded is what the capture's decoders say about json (plus decoded.share from the share columns). */
export const FORM_DECODED = 8;
/** decoded has a `share` (in share_hash/share_* or share_json). */
export const FORM_SHARE = 16;
/** A pool answer's analysis is its submit's (the row at reply_seq) with this answer applied (answers.ts); not stored. */
export const FORM_ANALYSIS_OF_REQUEST = 32;
/** form / FORM_SHAPE_UNIT (rounded down) is the number of the line's shape in `shared_texts` (0: none; line-shape.ts). */
export const FORM_SHAPE_UNIT = 64;

const DIRECTION_CODE: Record<Direction, string> = { miner_to_pool: "m", pool_to_miner: "p", hashscope_to_pool: "h" };
const KIND_CODE: Record<MessageKind, string> = { request: "q", response: "r", notification: "n", invalid: "i" };
const invert = <K extends string>(o: Record<K, string>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [v, k])) as Record<string, K>;
const DIRECTION_OF = invert(DIRECTION_CODE);
const KIND_OF = invert(KIND_CODE);
/** A verdict in the `verdict` column of compact rows: one letter (its code, analysis-pack.ts), not ~10-20 characters. */
const verdictLetter = (v: Verdict): string => String.fromCharCode(0x61 + verdictCode(v));
/** The values a verdict filter must match: the name (rows written before 0009) or its letter. */
export const verdictValues = (v: Verdict): [string, string] => [v, verdictLetter(v)];
/** The values a direction/kind filter must match: the full name (rows stored whole) or its one-letter code. */
export const directionValues = (d: Direction): [string, string] => [d, DIRECTION_CODE[d]];
export const kindValues = (k: MessageKind): [string, string] => [k, KIND_CODE[k]];

/** Method codes of compact rows. Stored on disk: append only, never renumber. 0 = another method (its text is kept). */
const METHOD_CODES = [
  "mining.subscribe", "mining.authorize", "mining.configure", "mining.notify", "mining.submit", "mining.set_difficulty",
  "mining.set_extranonce", "mining.extranonce.subscribe", "mining.set_version_mask", "mining.suggest_difficulty",
  "client.reconnect", "client.show_message", "client.get_version",
] as const;
const METHOD_CODE = new Map<string, number>(METHOD_CODES.map((m, i) => [m, i + 1]));
/** The code a method filter looks for in compact rows (0: any other method, then compared by text). */
export const methodCode = (method: string): number => METHOD_CODE.get(method) ?? 0;
const methodOfRow = (mcode: number | null, method: string | null): string | null =>
  mcode !== null && mcode > 0 ? (METHOD_CODES[mcode - 1] ?? method) : method;

/** json as the capture parses a line (stratum/parse.ts): only for lines captured whole. */
export function jsonOfRaw(raw: string | null, truncated: boolean): unknown {
  if (raw === null || truncated) return null;
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}

/** rpc_id as the capture takes it from a line's JSON (json.id when a number or string). */
export const rpcIdOf = (kind: MessageKind, json: unknown): RpcId | null =>
  kind !== "invalid" && isRecord(json) && (typeof json.id === "number" || typeof json.id === "string") ? json.id : null;

/** decoded as the capture makes it (capture/ingest.ts), without the share analysis. */
export function decodedOf(kind: MessageKind, method: string | null, rpcId: RpcId | null, json: unknown): Record<string, unknown> | null {
  if (!isRecord(json)) return null;
  if ((kind === "request" || kind === "notification") && method !== null) return decodeRequest(method, json.params).decoded;
  if (kind === "response" && rpcId !== null) return decodeResponse(method, json.result, json.error).decoded;
  return null;
}

/**
 * The share filter columns from a miner submit's analysis (analysis/verdict.ts) when its share was hashed, and its verdict
 * and agreement for the history filters; all null otherwise. Older records carried decoded.share instead (above).
 */
function analysisColumns(m: Pick<MessageRecord, "analysis" | "kind">): Pick<MessageRow, "share_difficulty" | "share_meets_target" | "share_block_candidate" | "verdict" | "agrees"> {
  const a = m.analysis;
  if (a?.type !== "submit") return { share_difficulty: null, share_meets_target: null, share_block_candidate: null, verdict: null, agrees: null };
  const hashed = m.kind === "request" && a.difficulty !== null;
  return {
    // Not kept: no filter reads it, and the analysis has the difficulty (rows before 0009 have it).
    share_difficulty: null,
    share_meets_target: hashed ? (a.verdict === "low_difficulty" ? 0 : 1) : null,
    share_block_candidate: hashed ? (a.verdict === "block_candidate" ? 1 : 0) : null,
    verdict: verdictLetter(a.verdict),
    // 0/1, null until the pool's answer was compared.
    agrees: a.agrees === null ? null : a.agrees ? 1 : 0,
  };
}

/** Which of json, rpc_id and decoded a row derives (FORM_* bits), and the share columns of an older record's decoded.share. */
type Derivation = { form: number; share: ShareColumns; hasShare: boolean };

/** A record whose json, rpc_id and decoded derive from its line (capture/derived.ts): nothing to check. */
const DERIVED: Derivation = { form: FORM_COMPACT | FORM_JSON | FORM_RPC_ID | FORM_DECODED, share: NO_SHARE, hasShare: false };

/**
 * Every derived field checked against the record as it is written (string compares and one decode), so a row gives
 * back exactly its record, whatever produced it (an import, a test); what does not derive is stored as it is.
 */
function checkDerivation(m: WireMessage, json: unknown, decoded: Record<string, unknown> | null): Derivation {
  const raw = m.raw;
  let form = FORM_COMPACT;
  const jsonText = json === undefined ? undefined : JSON.stringify(json);
  const derivedJson =
    raw !== null && !m.truncated && (jsonText === raw || (jsonText !== undefined && JSON.stringify(jsonOfRaw(raw, false)) === jsonText))
      ? true
      : raw !== null && json === null && jsonOfRaw(raw, m.truncated) === null;
  if (derivedJson) form |= FORM_JSON;
  // Derived or not, the record's own json is what the row stands for (derived means equal to the line's parse).
  const j = json === undefined ? null : json;
  if (rpcIdOf(m.kind, j) === m.rpc_id) form |= FORM_RPC_ID;
  let share: ShareColumns = NO_SHARE;
  const hasShare = isRecord(decoded) && Object.prototype.hasOwnProperty.call(decoded, "share");
  if (hasShare) {
    form |= FORM_SHARE;
    share = shareToColumns(decoded!.share);
  }
  if (derivedJson) {
    const d = decodedOf(m.kind, m.method, m.rpc_id, j);
    const full = hasShare ? { ...(d ?? {}), share: shareOfColumns(share) } : d;
    if (JSON.stringify(full) === JSON.stringify(decoded)) form |= FORM_DECODED;
  }
  return { form, share, hasShare };
}

/** reply_to as a number when it is one (a seq: the reply_seq column), else null. */
export const replySeqOf = (m: Pick<WireMessage, "reply_to">): number | null =>
  m.reply_to !== null && /^[1-9][0-9]{0,15}$/.test(m.reply_to) && Number.isSafeInteger(Number(m.reply_to)) ? Number(m.reply_to) : null;

/** A line stored as its values and the number of its shape (line-shape.ts). */
export type ShapedLine = { n: number; values: string };

/** What the writer stored apart from a message's row, for the row to refer to (statements.ts). */
export type RowRefs = {
  /** The notify line's key in `jobs`. */
  job?: number | null;
  /** The session's number in session_ids. */
  sess?: number | null;
  /** The line's shape and values. */
  shape?: ShapedLine | null;
  /** The submit analysis's reason's number in shared_texts. */
  reasonN?: number | null;
  /** The notify analysis's coinbase's key in `jobs`. */
  coinbaseJob?: number | null;
  /** The analysis is its submit's with this answer applied (answers.ts): not stored. */
  analysisOfRequest?: boolean;
};

/** A message (as the writer gets it, wire.ts) as a compact row, referring to what the caller stored apart. */
export function messageToRow(m: WireMessage, refs: RowRefs = {}): MessageRow {
  const job = refs.job ?? null;
  const shape = job === null ? (refs.shape ?? null) : null;
  const reasonN = refs.reasonN ?? null;
  const coinbaseJob = refs.coinbaseJob ?? null;
  const raw = m.raw;
  const json = m.whole === null ? null : m.whole.json === undefined ? null : m.whole.json;
  const { form, share, hasShare } = m.whole === null ? DERIVED : checkDerivation(m, m.whole.json, m.whole.decoded);
  const analysis = analysisColumns(m);
  const ms = Date.parse(m.ts);
  const tsExact = Number.isFinite(ms) && new Date(ms).toISOString() === m.ts;
  const mcode = m.method === null ? null : methodCode(m.method);
  const replySeq = replySeqOf(m);
  // The derived analysis is read through reply_seq, so only a row that has one may leave it out.
  const ofRequest = refs.analysisOfRequest === true && replySeq !== null;
  const us = m.latency_ms === null ? null : Math.round(m.latency_ms * 1000);
  const latencyUs = us !== null && Number.isSafeInteger(us) && us / 1000 === m.latency_ms ? us : null;
  return {
    seq: m.seq,
    id: m.id === String(m.seq) ? "" : m.id,
    session_id: refs.sess != null ? "" : m.session_id,
    sess: refs.sess ?? null,
    direction: DIRECTION_CODE[m.direction],
    ts: tsExact ? "" : m.ts,
    ts_ms: tsExact ? ms : null,
    // 0 (stored in no bytes) when it is the line's UTF-8 length plus its LF, as nearly always; no line has 0 bytes.
    size_bytes: raw !== null && m.size_bytes === Buffer.byteLength(raw) + 1 ? 0 : m.size_bytes,
    raw: job !== null ? null : shape !== null ? shape.values : raw,
    raw_hex: m.raw_hex,
    kind: KIND_CODE[m.kind],
    method: mcode !== null && mcode > 0 ? null : m.method,
    mcode,
    rpc_id: form & FORM_RPC_ID ? null : m.rpc_id,
    json: form & FORM_JSON ? null : json,
    decoded: form & FORM_DECODED ? null : (m.whole?.decoded ?? null),
    parse_error: m.parse_error,
    reply_to: replySeq !== null ? null : m.reply_to,
    reply_seq: replySeq,
    latency_ms: latencyUs !== null ? null : m.latency_ms,
    latency_us: latencyUs,
    truncated: m.truncated,
    is_error: m.is_error,
    ...share,
    // A record that still carries decoded.share (an older export) keeps that share's filter columns.
    ...(hasShare ? { verdict: analysis.verdict, agrees: analysis.agrees } : analysis),
    form: form + (ofRequest ? FORM_ANALYSIS_OF_REQUEST : 0) + (shape !== null ? shape.n * FORM_SHAPE_UNIT : 0),
    job,
    analysis: ofRequest ? null : analysisToColumn(m.analysis, { reason: reasonN !== null, coinbase: coinbaseJob !== null }),
    reason_n: ofRequest ? null : reasonN,
    coinbase_job: coinbaseJob,
  };
}

/** A row as read, with its job's line, its line's shape and its session's id when it has them. */
export type StoredRow = MessageRow & {
  job_raw?: string | null;
  shape_text?: string | null;
  reason_text?: string | null;
  coinbase_text?: string | null;
  sess_id?: string | null;
  /** The submit's analysis cell and reason, for an answer whose analysis derives from it (FORM_ANALYSIS_OF_REQUEST). */
  request_analysis?: AnalysisCell | null;
  request_reason_text?: string | null;
};

function analysisOfRow(r: StoredRow, json: unknown): MessageRecord["analysis"] {
  if (((r.form ?? 0) & FORM_ANALYSIS_OF_REQUEST) === 0) return analysisOfColumn(r.analysis, { reason: r.reason_text, coinbase: r.coinbase_text });
  const request = analysisOfColumn(r.request_analysis ?? null, { reason: r.request_reason_text });
  if (request?.type !== "submit") throw new Error(`message ${r.seq}: the submit its analysis derives from is missing`);
  return answerAnalysis(request, json);
}

function rawOfRow(r: StoredRow, form: number): string | null {
  if (r.job !== null) return r.job_raw ?? null;
  if (form < FORM_SHAPE_UNIT) return r.raw;
  if (r.shape_text == null || r.raw === null) throw new Error(`message ${r.seq}: its line shape is missing`);
  return fillLine(r.shape_text, r.raw);
}

export function rowToMessage(r: StoredRow): MessageRecord {
  if (r.form === null) return legacyRowToMessage(r);
  const form = r.form;
  const raw = rawOfRow(r, form);
  const kind = KIND_OF[r.kind] ?? (r.kind as MessageKind);
  const method = methodOfRow(r.mcode, r.method);
  const json = form & FORM_JSON ? jsonOfRaw(raw, r.truncated) : r.json;
  const rpc_id = form & FORM_RPC_ID ? rpcIdOf(kind, json) : (r.rpc_id ?? null);
  let decoded = r.decoded ?? null;
  if (form & FORM_DECODED) {
    const d = decodedOf(kind, method, rpc_id, json);
    decoded = form & FORM_SHARE ? { ...(d ?? {}), share: shareOfColumns(r) } : d;
  }
  return {
    id: r.id === "" ? String(r.seq) : r.id,
    seq: r.seq,
    session_id: r.sess !== null ? (r.sess_id ?? "") : r.session_id,
    direction: DIRECTION_OF[r.direction] ?? (r.direction as Direction),
    ts: r.ts === "" && r.ts_ms !== null ? new Date(r.ts_ms).toISOString() : r.ts,
    size_bytes: r.size_bytes === 0 && raw !== null ? Buffer.byteLength(raw) + 1 : r.size_bytes,
    raw,
    raw_hex: r.raw_hex,
    kind,
    method,
    rpc_id,
    json: json ?? null,
    decoded,
    parse_error: r.parse_error,
    reply_to: r.reply_seq !== null ? String(r.reply_seq) : r.reply_to,
    latency_ms: r.latency_us !== null ? r.latency_us / 1000 : r.latency_ms,
    truncated: r.truncated,
    analysis: analysisOfRow(r, json),
  };
}

/** Rows written before migration 0003: every field stored as it is. */
const legacyRowToMessage = (r: MessageRow): MessageRecord => ({
  id: r.id,
  seq: r.seq,
  session_id: r.session_id,
  direction: DIRECTION_OF[r.direction] ?? (r.direction as Direction),
  ts: r.ts,
  size_bytes: r.size_bytes,
  raw: r.raw,
  raw_hex: r.raw_hex,
  kind: KIND_OF[r.kind] ?? (r.kind as MessageKind),
  method: r.method,
  rpc_id: r.rpc_id ?? null,
  json: r.json ?? null,
  decoded: r.decoded ?? null,
  parse_error: r.parse_error,
  reply_to: r.reply_to,
  latency_ms: r.latency_ms,
  truncated: r.truncated,
  analysis: null,
});
