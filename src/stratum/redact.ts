import { isRecord } from "./json";
import type { ParsedLine } from "./parse";

/**
 * Masking the worker password of `mining.authorize` in what HashScope keeps and shows (REDACT_PASSWORDS). Pure: it
 * works on the parsed line, never on the relayed bytes, which go to the pool exactly as the miner sent them.
 *
 * In `raw` only the password's own string literal is replaced (found by walking the JSON text, so a worker name or
 * any other value equal to the password is left alone); everything else in the line stays as sent.
 */

export const REDACTED = "[redacted]";

export type Redaction = {
  line: ParsedLine;
  /** What was masked: ["password"] for an authorize, ["raw"] for an unparsable line naming mining.authorize. */
  redacted: string[] | null;
};

const isStringIndex = (p: unknown): p is unknown[] => Array.isArray(p) && typeof p[1] === "string";

export function redactLine(p: ParsedLine): Redaction {
  if (p.kind === "invalid") {
    // A line we could not parse may still carry a password; keep nothing of it but the fact.
    const text = p.raw ?? (p.raw_hex ? Buffer.from(p.raw_hex, "hex").toString("latin1") : "");
    if (!text.includes("mining.authorize")) return { line: p, redacted: null };
    return { line: { ...p, raw: `${REDACTED} (unparsable mining.authorize line)`, raw_hex: null, json: null }, redacted: ["raw"] };
  }
  if (p.method !== "mining.authorize" || p.kind !== "request" || !isStringIndex(p.params) || p.raw === null)
    return { line: p, redacted: null };
  const span = passwordSpan(p.raw);
  const params = [...p.params];
  params[1] = REDACTED;
  const json = { ...(isRecord(p.json) ? p.json : {}), params };
  // The span is found whenever JSON.parse accepted the line; the fallback keeps nothing unmasked all the same.
  const raw = span ? p.raw.slice(0, span[0]) + JSON.stringify(REDACTED) + p.raw.slice(span[1]) : JSON.stringify(json);
  return { line: { ...p, raw, json, params }, redacted: ["password"] };
}

/** [start, end) of the string literal at params[1] of the top-level object (the last "params" key, as JSON.parse). */
export function passwordSpan(raw: string): [number, number] | null {
  let depth = 0;
  let key: string | null = null; // the last key read at depth 1
  let inParams = false; // inside the top-level "params" array (depth 2)
  let index = 0; // element index within it
  let found: [number, number] | null = null;
  let afterColon = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '"') {
      const end = stringEnd(raw, i);
      if (end < 0) return null;
      if (depth === 1 && !afterColon) key = JSON.parse(raw.slice(i, end)) as string;
      else if (inParams && depth === 2 && index === 1) found = [i, end];
      afterColon = false;
      i = end - 1;
    } else if (c === ":") {
      afterColon = depth === 1;
    } else if (c === "{" || c === "[") {
      depth++;
      if (depth === 2 && c === "[" && afterColon && key === "params") {
        inParams = true;
        index = 0;
        found = null; // a later "params" wins
      }
      afterColon = false;
    } else if (c === "}" || c === "]") {
      if (depth === 2) inParams = false;
      depth--;
    } else if (c === ",") {
      if (inParams && depth === 2) index++;
      if (depth === 1) afterColon = false;
    } else if (!/\s/.test(c)) {
      if (depth === 1 && afterColon) afterColon = false; // a number or literal value
    }
  }
  return found;
}

/** Index just past the closing quote of the string literal starting at `start`, or -1. */
function stringEnd(raw: string, start: number): number {
  for (let i = start + 1; i < raw.length; i++) {
    if (raw[i] === "\\") i++;
    else if (raw[i] === '"') return i + 1;
  }
  return -1;
}
