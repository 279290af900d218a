import type { MessageRecord } from "./records";
import { isRecord } from "../stratum/json";

/**
 * What `q` searches (the same in memory and on disk, see src/db/search.ts): the texts users look for in a message —
 * worker names, user agents, job ids, error texts, coinbase tags, any other short string parameter — as substrings,
 * case-insensitively; and hex strings of 8+ characters (nonces, extranonces, prevhash, coinbase parts, merkle branches)
 * exactly. An unparsable line is searchable by its text. Passwords (mining.authorize's second parameter) never are.
 */
export type SearchFields = { texts: string[]; hex: string[] };

export const HEX_TOKEN = /^[0-9a-fA-F]{8,}$/;
/** Longer strings are not worth a vocabulary entry (and would make the vocabulary as big as the lines). */
const MAX_TEXT = 256;


/** Printable ASCII runs of 4+ characters in a hex string: the tags pools put in coinbase scripts ("/slush/"). */
function asciiRuns(hex: string): string[] {
  const out: string[] = [];
  let run = "";
  for (let i = 0; i + 1 < hex.length; i += 2) {
    const c = parseInt(hex.slice(i, i + 2), 16);
    if (c >= 0x20 && c < 0x7f) run += String.fromCharCode(c);
    else {
      if (run.length >= 4) out.push(run);
      run = "";
    }
  }
  if (run.length >= 4) out.push(run);
  return out;
}

export function searchFields(m: Pick<MessageRecord, "kind" | "method" | "json" | "raw" | "raw_hex" | "parse_error">): SearchFields {
  const texts = new Set<string>();
  const hex = new Set<string>();
  const add = (v: unknown) => {
    if (typeof v === "number") v = String(v);
    if (typeof v !== "string" || v === "") return;
    if (HEX_TOKEN.test(v)) hex.add(v.toLowerCase());
    else if (v.length <= MAX_TEXT) texts.add(v.toLowerCase());
  };
  const addShallow = (v: unknown, skip?: number) => {
    if (Array.isArray(v))
      v.forEach((x, i) => {
        if (i === skip) return;
        if (Array.isArray(x)) x.forEach((y) => (typeof y === "string" ? add(y) : undefined));
        else if (isRecord(x)) Object.values(x).forEach((y) => (typeof y === "string" ? add(y) : undefined));
        else if (typeof x === "string") add(x);
      });
    else if (isRecord(v)) Object.values(v).forEach((y) => (typeof y === "string" ? add(y) : undefined));
    else if (typeof v === "string") add(v);
  };
  const json = m.json;
  if (m.kind === "invalid" || !isRecord(json)) {
    const text = m.raw ?? m.raw_hex ?? "";
    if (text !== "") texts.add(text.slice(0, MAX_TEXT).toLowerCase());
  } else {
    const method = m.method ?? "";
    addShallow(json.params, method === "mining.authorize" ? 1 : undefined);
    if (method === "mining.notify" && Array.isArray(json.params))
      for (const part of [json.params[2], json.params[3]])
        if (typeof part === "string") for (const tag of asciiRuns(part)) texts.add(tag.toLowerCase());
    if (m.kind === "response") {
      addShallow(json.result);
      if (Array.isArray(json.error)) add(json.error[1]);
      else if (isRecord(json.error)) add(json.error.message);
      else add(json.error);
    }
  }
  if (m.parse_error !== null) texts.add(m.parse_error.slice(0, MAX_TEXT).toLowerCase());
  return { texts: [...texts], hex: [...hex] };
}

/**
 * A message's fields, worked out once: a search of memory visits every message held (tens of thousands) on the thread
 * that also relays, and a notify's tag scan is the costly part. Records do not change what is searched once stored.
 */
const fieldsOf = new WeakMap<object, SearchFields>();

/** Does `q` find this message (see above). */
export function matchesSearch(m: Parameters<typeof searchFields>[0], q: string): boolean {
  let f = fieldsOf.get(m);
  if (!f) fieldsOf.set(m, (f = searchFields(m)));
  const needle = q.toLowerCase();
  if (HEX_TOKEN.test(q) && f.hex.includes(needle)) return true;
  return f.texts.some((t) => t.includes(needle));
}
