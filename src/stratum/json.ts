/**
 * Reading parsed JSON of unknown shape without casts: the accessors every folder used to spell out by hand
 * (a cast of `m.json` to reach its params, a cast to a string-keyed record to read a key). Own properties only, so a
 * hostile `__proto__` or `constructor` key reads as what the sender sent, never as something inherited.
 */

/** Any JSON value (what a Stratum line carries). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

/** A plain JSON object (not null, not an array). */
export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** `o[key]` when `o` is a JSON object that has `key` itself; undefined otherwise. */
export const field = (o: unknown, key: string): unknown =>
  isRecord(o) && Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;

/** `o[key]` when it is a string, else null. */
export const stringField = (o: unknown, key: string): string | null => {
  const v = field(o, key);
  return typeof v === "string" ? v : null;
};

/** The `params` of a parsed JSON-RPC line (undefined when it has none). */
export const paramsOf = (json: unknown): unknown => field(json, "params");
