import type { MessageRecord } from "../capture/records";

/**
 * A message's analysis (analysis/schema.ts) as stored in the `analysis` column: JSON text of the object, or, when its
 * keys are exactly those listed here in this order, a JSON array `[type, value, value, ...]` without the key names
 * (on the farm mix a submit's analysis went from ~330 to ~180 characters, and a submit and its answer both carry
 * one). Stored on disk: these lists never change; a new key makes a new analysis object fall back to JSON text.
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

export function analysisToText(a: Analysis | null): string | null {
  if (a === null) return null;
  const keys = KEYS[a.type];
  const values = a as unknown as Record<string, unknown>;
  const own = Object.keys(a);
  // Exactly these keys in this order, none undefined (JSON text would drop it): otherwise the object as it is.
  if (keys === undefined || own.length !== keys.length || own.some((k, i) => k !== keys[i] || values[k] === undefined))
    return JSON.stringify(a);
  return JSON.stringify(keys.map((k) => values[k]));
}

export function analysisOfText(text: string | null): Analysis | null {
  if (text === null) return null;
  const v = JSON.parse(text) as unknown;
  if (!Array.isArray(v)) return v as Analysis;
  const keys = KEYS[String(v[0])] ?? [];
  const out: Record<string, unknown> = {};
  keys.forEach((k, i) => (out[k] = v[i]));
  return out as Analysis;
}
