import type { MessageRecord } from "../../capture/records";

/**
 * A message's analysis in a compact PostgreSQL record (rows.ts): an analysis whose keys are exactly one of these lists,
 * in this order, is stored as its type's index and its values (a submit's key names are ~40 % of its text, and a farm
 * stores two per share: the submit's and the answer's); any other is stored as it is. The lists are stored
 * format: a new key in the analysis schema goes at the end of a new list, never into one of these.
 */
const KEYS: ReadonlyArray<readonly string[]> = [
  ["type", "verdict", "reason", "hash", "difficulty", "target_difficulty", "network_difficulty", "job_id", "job_message_id", "merkle_root", "pool_result", "pool_error", "agrees"],
  ["type", "job_id", "coinbase", "coinbase_error", "prevhash", "network_difficulty", "new_block", "clean_jobs", "pays_worker", "difficulty", "extranonce1", "extranonce2_size", "version_mask"],
];

type Analysis = MessageRecord["analysis"];
/** An analysis as stored: null, the object, or [list index, ...values]. */
export type StoredAnalysis = Analysis | [number, ...unknown[]];

const sameKeys = (a: string[], b: readonly string[]) => a.length === b.length && a.every((k, i) => k === b[i]);

export function analysisToStored(a: Analysis): StoredAnalysis {
  if (a === null || typeof a !== "object") return a;
  const keys = Object.keys(a);
  const i = KEYS.findIndex((list) => sameKeys(keys, list));
  if (i < 0) return a;
  const values = Object.values(a) as unknown[];
  // undefined would not survive JSON text; such an analysis keeps its own form.
  return values.includes(undefined) ? a : [i, ...values];
}

export function analysisOfStored(s: StoredAnalysis): Analysis {
  if (!Array.isArray(s)) return s;
  const keys = KEYS[s[0]]!;
  return Object.fromEntries(keys.map((k, j) => [k, s[j + 1]])) as Analysis;
}
