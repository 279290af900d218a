import { PoolResult, Verdict, type SubmitAnalysis } from "../analysis/schema";
import { hashDifficulty } from "../stratum/header";
import { ByteReader, ByteWriter } from "./bytes";

/**
 * A submit's analysis (analysis/schema.ts SubmitAnalysis) as a few bytes: a submit and its answer both carry one, on
 * ~75 % of a farm's rows, and as JSON (even the key-less array form) it was ~160 characters, the largest part of a row.
 * Hashes are 32 bytes instead of 64 hex digits, numbers 8-byte doubles, the notify's message id a varint, the enums a
 * code. Only an analysis that packs back exactly (`packSubmit` returns null otherwise) is packed: its keys exactly
 * those of the schema in its order, hashes lower-case hex, strings well-formed UTF-16.
 *
 * Layout (stored on disk: never change it; a new layout takes a new first byte):
 *   [0] 0x01 or 0x02  [1] verdict code  [2] presence bits (PRESENT_*)  [3] pool_result (2 bits) | agrees (2 bits) << 2
 *   | POOL_ERROR | JOB_MESSAGE_ID_TEXT | REASON_IN_COLUMN; layout 2 only: [4] DIFFICULTY_OF_HASH | TARGET_FLOAT32
 *   then, each only when present, in this order: reason, hash, difficulty, target_difficulty, network_difficulty,
 *   job_id, job_message_id (varint, or a string when JOB_MESSAGE_ID_TEXT), merkle_root, pool_error (a presence byte,
 *   code as a double, message). Strings are a varint byte length and UTF-8.
 */

const LAYOUT_SUBMIT_1 = 0x01;
/** Layout 1 and a fifth byte of flags (DIFFICULTY_OF_HASH, TARGET_FLOAT32). */
const LAYOUT_SUBMIT_2 = 0x02;

/** Verdict codes. Stored on disk: append only, never renumber. */
const VERDICTS: readonly Verdict[] = [
  "valid", "block_candidate", "low_difficulty", "unknown_job", "stale", "duplicate", "bad_extranonce2_size",
  "bad_version_bits", "bad_ntime", "malformed", "unverifiable",
];
const VERDICT_CODE = new Map<string, number>(VERDICTS.map((v, i) => [v, i]));
/** A verdict's code (also the `verdict` column's letter of compact rows, rows.ts). */
export const verdictCode = (v: Verdict): number => VERDICT_CODE.get(v)!;
const POOL_RESULTS: readonly (PoolResult | null)[] = [null, "accepted", "rejected"];
const AGREES: readonly (boolean | null)[] = [null, true, false];

const PRESENT_REASON = 1;
const PRESENT_HASH = 2;
const PRESENT_DIFFICULTY = 4;
const PRESENT_TARGET = 8;
const PRESENT_NETWORK = 16;
const PRESENT_JOB_ID = 32;
const PRESENT_JOB_MESSAGE_ID = 64;
const PRESENT_MERKLE_ROOT = 128;
/** In byte 3, above pool_result and agrees. */
const POOL_ERROR = 16;
const JOB_MESSAGE_ID_TEXT = 32;
/** The reason is not in the bytes: the row holds it (its number in shared_texts, `reason_n`). */
const REASON_IN_COLUMN = 64;
/** Byte 4 (layout 2): the difficulty is the hash's (stratum/header.ts), so not in the bytes; target as a float32. */
const DIFFICULTY_OF_HASH = 1;
const TARGET_FLOAT32 = 2;
const ERROR_CODE = 1;
const ERROR_MESSAGE = 2;

/** The schema's keys in its order: an analysis with other keys (a newer or older shape) stays JSON text. */
const KEYS = Object.keys({
  type: 0, verdict: 0, reason: 0, hash: 0, difficulty: 0, target_difficulty: 0, network_difficulty: 0, job_id: 0,
  job_message_id: 0, merkle_root: 0, pool_result: 0, pool_error: 0, agrees: 0,
} satisfies Record<keyof SubmitAnalysis, 0>);

const HASH = /^[0-9a-f]{64}$/;
const DECIMAL_ID = /^(0|[1-9][0-9]{0,14})$/;

const exactKeys = (o: object, keys: readonly string[]): boolean => {
  const own = Object.keys(o);
  return own.length === keys.length && own.every((k, i) => k === keys[i]);
};
const textOk = (s: unknown): s is string | null => s === null || (typeof s === "string" && s.isWellFormed());
const numberOk = (n: unknown): n is number | null => n === null || typeof n === "number";
const hashOk = (h: unknown): h is string | null => h === null || (typeof h === "string" && HASH.test(h));

/**
 * The packed bytes, or null when this analysis does not pack back exactly. With `reasonInColumn` its reason (not null)
 * is left out: the row keeps it (many rows share a reason, e.g. "extranonce2 must be 8 bytes, got 4").
 */
export function packSubmit(a: SubmitAnalysis, reasonInColumn = false): Uint8Array | null {
  if (!exactKeys(a, KEYS)) return null;
  const verdict = VERDICT_CODE.get(a.verdict);
  const result = POOL_RESULTS.indexOf(a.pool_result);
  const agrees = AGREES.indexOf(a.agrees);
  if (verdict === undefined || result < 0 || agrees < 0) return null;
  if (!textOk(a.reason) || !textOk(a.job_id) || !textOk(a.job_message_id) || !hashOk(a.hash) || !hashOk(a.merkle_root)) return null;
  if (!numberOk(a.difficulty) || !numberOk(a.target_difficulty) || !numberOk(a.network_difficulty)) return null;
  const e = a.pool_error;
  if (e !== null && (typeof e !== "object" || !exactKeys(e, ["code", "message"]) || !numberOk(e.code) || !textOk(e.message))) return null;

  let present = 0;
  const reasonElsewhere = reasonInColumn && a.reason !== null;
  if (a.reason !== null && !reasonElsewhere) present |= PRESENT_REASON;
  if (a.hash !== null) present |= PRESENT_HASH;
  if (a.difficulty !== null) present |= PRESENT_DIFFICULTY;
  if (a.target_difficulty !== null) present |= PRESENT_TARGET;
  if (a.network_difficulty !== null) present |= PRESENT_NETWORK;
  if (a.job_id !== null) present |= PRESENT_JOB_ID;
  if (a.job_message_id !== null) present |= PRESENT_JOB_MESSAGE_ID;
  if (a.merkle_root !== null) present |= PRESENT_MERKLE_ROOT;
  const idAsText = a.job_message_id !== null && !DECIMAL_ID.test(a.job_message_id);
  // The share's difficulty follows from its hash (as the check computed it): left out when it does exactly.
  const ofHash = a.hash !== null && a.difficulty !== null && Object.is(difficultyOfHash(a.hash), a.difficulty);
  const f32 = a.target_difficulty !== null && Object.is(Math.fround(a.target_difficulty), a.target_difficulty);
  const w = new ByteWriter();
  w.byte(LAYOUT_SUBMIT_2);
  w.byte(verdict);
  w.byte(present);
  w.byte(result | (agrees << 2) | (e !== null ? POOL_ERROR : 0) | (idAsText ? JOB_MESSAGE_ID_TEXT : 0) | (reasonElsewhere ? REASON_IN_COLUMN : 0));
  w.byte((ofHash ? DIFFICULTY_OF_HASH : 0) | (f32 ? TARGET_FLOAT32 : 0));
  if (a.reason !== null && !reasonElsewhere) w.text(a.reason);
  if (a.hash !== null) w.hex(a.hash);
  if (a.difficulty !== null && !ofHash) w.double(a.difficulty);
  if (a.target_difficulty !== null) {
    if (f32) w.float(a.target_difficulty);
    else w.double(a.target_difficulty);
  }
  if (a.network_difficulty !== null) w.double(a.network_difficulty);
  if (a.job_id !== null) w.text(a.job_id);
  if (a.job_message_id !== null) {
    if (idAsText) w.text(a.job_message_id);
    else w.varint(Number(a.job_message_id));
  }
  if (a.merkle_root !== null) w.hex(a.merkle_root);
  if (e !== null) {
    w.byte((e.code !== null ? ERROR_CODE : 0) | (e.message !== null ? ERROR_MESSAGE : 0));
    if (e.code !== null) w.double(e.code);
    if (e.message !== null) w.text(e.message);
  }
  return w.bytes();
}

/** True when these bytes are a packed analysis (JSON text never starts with a control byte). */
export const isPacked = (b: Uint8Array): boolean => b[0] === LAYOUT_SUBMIT_1 || b[0] === LAYOUT_SUBMIT_2;

/** A share's difficulty from its hash (display hex), as the share check computes it (analysis/verdict.ts). */
function difficultyOfHash(hex: string): number {
  const d = hashDifficulty(Buffer.from(hex, "hex").reverse());
  return Number.isFinite(d) ? d : Number.MAX_VALUE;
}

/** The analysis packed in `b`; `reason` is the row's (reason_n's text) for bytes packed without theirs. */
export function unpackSubmit(b: Uint8Array, reason: string | null = null): SubmitAnalysis {
  const r = new ByteReader(b);
  const layout = r.byte();
  if (layout !== LAYOUT_SUBMIT_1 && layout !== LAYOUT_SUBMIT_2) throw new Error("analysis: unknown packed layout");
  const verdict = VERDICTS[r.byte()];
  const present = r.byte();
  const flags = r.byte();
  const more = layout === LAYOUT_SUBMIT_2 ? r.byte() : 0;
  if (verdict === undefined) throw new Error("analysis: unknown verdict code");
  const has = (bit: number) => (present & bit) !== 0;
  if (flags & REASON_IN_COLUMN && reason === null) throw new Error("analysis: its reason is missing");
  const why = has(PRESENT_REASON) ? r.text() : flags & REASON_IN_COLUMN ? reason : null;
  const hash = has(PRESENT_HASH) ? r.hex(32) : null;
  const difficulty = !has(PRESENT_DIFFICULTY) ? null : more & DIFFICULTY_OF_HASH ? difficultyOfHash(hash!) : r.double();
  const target_difficulty = !has(PRESENT_TARGET) ? null : more & TARGET_FLOAT32 ? r.float() : r.double();
  const network_difficulty = has(PRESENT_NETWORK) ? r.double() : null;
  const job_id = has(PRESENT_JOB_ID) ? r.text() : null;
  const job_message_id = !has(PRESENT_JOB_MESSAGE_ID) ? null : flags & JOB_MESSAGE_ID_TEXT ? r.text() : String(r.varint());
  const merkle_root = has(PRESENT_MERKLE_ROOT) ? r.hex(32) : null;
  let pool_error: SubmitAnalysis["pool_error"] = null;
  if (flags & POOL_ERROR) {
    const p = r.byte();
    const code = p & ERROR_CODE ? r.double() : null;
    pool_error = { code, message: p & ERROR_MESSAGE ? r.text() : null };
  }
  return {
    type: "submit",
    verdict,
    reason: why,
    hash,
    difficulty,
    target_difficulty,
    network_difficulty,
    job_id,
    job_message_id,
    merkle_root,
    pool_result: POOL_RESULTS[flags & 3] ?? null,
    pool_error,
    agrees: AGREES[(flags >> 2) & 3] ?? null,
  };
}
