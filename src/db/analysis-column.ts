import type { MessageRecord } from "../capture/records";
import { isPacked, packSubmit, unpackSubmit } from "./analysis-pack";

/**
 * A message's analysis (analysis/schema.ts) as stored in the `analysis` column, in one of three forms:
 * - a submit's analysis packed as bytes (analysis-pack.ts; a BLOB in the column), when it packs back exactly;
 * - when its keys are exactly those listed here in this order, a JSON array `[type, value, value, ...]` without the key
 *   names (a notify's; submits were stored so before the packed form, and still are when they do not pack);
 * - otherwise JSON text of the object.
 * Stored on disk: these lists never change; a new key makes a new analysis object fall back to JSON text.
 */
const KEYS: Record<string, readonly string[]> = {
  submit: [
    "type", "verdict", "reason", "hash", "difficulty", "target_difficulty", "network_difficulty", "job_id",
    "job_message_id", "merkle_root", "pool_result", "pool_error", "agrees",
  ],
  notify: [
    "type", "job_id", "coinbase", "coinbase_error", "prevhash", "network_difficulty", "new_block", "clean_jobs",
    "pays_worker", "difficulty", "extranonce1", "extranonce2_size", "version_mask",
  ],
};

type Analysis = NonNullable<MessageRecord["analysis"]>;
/** What the column holds: JSON text, or a packed submit analysis. */
export type AnalysisCell = string | Uint8Array;

/** The analysis's values in KEYS order when its keys are exactly those (none undefined), else null. */
export function analysisValues(a: Analysis): unknown[] | null {
  const keys = KEYS[a.type];
  const values = a as unknown as Record<string, unknown>;
  const own = Object.keys(a);
  // Exactly these keys in this order, none undefined (JSON text would drop it): otherwise the object as it is.
  if (keys === undefined || own.length !== keys.length || own.some((k, i) => k !== keys[i] || values[k] === undefined)) return null;
  return keys.map((k) => values[k]);
}

/** The analysis whose values `analysisValues` gave. */
export function analysisOfValues(v: unknown[]): Analysis {
  const keys = KEYS[String(v[0])] ?? [];
  const out: Record<string, unknown> = {};
  keys.forEach((k, i) => (out[k] = v[i]));
  return out as Analysis;
}

/** The cell for `a`; `reasonInColumn`: the row keeps a submit's reason (reason_n), so packed bytes leave it out. */
export function analysisToColumn(a: Analysis | null, reasonInColumn = false): AnalysisCell | null {
  if (a === null) return null;
  if (a.type === "submit") {
    const packed = packSubmit(a, reasonInColumn);
    if (packed !== null) return packed;
  }
  const values = analysisValues(a);
  return JSON.stringify(values ?? a);
}

/** The analysis a cell holds; `reason` is the row's reason_n text, for packed bytes that left theirs out. */
export function analysisOfColumn(cell: AnalysisCell | null, reason: string | null = null): Analysis | null {
  if (cell === null) return null;
  if (typeof cell !== "string") {
    if (!isPacked(cell)) throw new Error("analysis: a BLOB that is not a packed analysis");
    return unpackSubmit(cell, reason);
  }
  const v = JSON.parse(cell) as unknown;
  return Array.isArray(v) ? analysisOfValues(v) : (v as Analysis);
}
