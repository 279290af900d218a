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

/** The first value of a notify's array whose coinbase is kept apart (in `jobs`, the row's `coinbase_job`). */
const NOTIFY_COINBASE_APART = "notify/coinbase";

/** What the row keeps apart from the cell: a submit's reason (reason_n), a notify's coinbase (coinbase_job). */
export type KeptApart = { reason?: boolean; coinbase?: boolean };
/** The texts of what was kept apart, as the reader joins them. */
export type ApartTexts = { reason?: string | null; coinbase?: string | null };

/** The cell for `a`, leaving out what the row keeps apart. */
export function analysisToColumn(a: Analysis | null, apart: KeptApart = {}): AnalysisCell | null {
  if (a === null) return null;
  if (a.type === "submit") {
    const packed = packSubmit(a, apart.reason === true && a.reason !== null);
    if (packed !== null) return packed;
  }
  const values = analysisValues(a);
  if (values !== null && a.type === "notify" && apart.coinbase === true && a.coinbase !== null) {
    values[0] = NOTIFY_COINBASE_APART;
    values[KEYS.notify!.indexOf("coinbase")] = null;
  }
  return JSON.stringify(values ?? a);
}

/** The analysis a cell holds, with the texts of what its row kept apart. */
export function analysisOfColumn(cell: AnalysisCell | null, apart: ApartTexts = {}): Analysis | null {
  if (cell === null) return null;
  if (typeof cell !== "string") {
    if (!isPacked(cell)) throw new Error("analysis: a BLOB that is not a packed analysis");
    return unpackSubmit(cell, apart.reason ?? null);
  }
  const v = JSON.parse(cell) as unknown;
  if (!Array.isArray(v)) return v as Analysis;
  if (v[0] !== NOTIFY_COINBASE_APART) return analysisOfValues(v);
  if (apart.coinbase == null) throw new Error("analysis: its coinbase is missing");
  const a = analysisOfValues(["notify", ...v.slice(1)]);
  return { ...a, coinbase: JSON.parse(apart.coinbase) } as Analysis;
}
