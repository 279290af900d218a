import type { MessageRecord } from "../capture/records";
import { field } from "../stratum/json";
import type { Decoded, RequestMethod, RequestOf, ResultMethod, ResultOf } from "../stratum/methods";
import { STRATUM_ERROR_NAMES } from "../stratum/outcome";
import { compactJson, difficulty, ntimeDate } from "./format";

/** The decoded fields of a message in plain words, per method (detail page). Values are plain text. */
export type Field = { label: string; value: string | string[]; mono?: boolean; /** A link of our own (never outside). */ href?: string };

type Spec<K extends string = string> = [key: K, label: string, mono?: boolean];
/** Keys are those of each method's decoded type (the schema's), so a renamed or dropped field fails to compile here. */
type Specs<T> = Spec<Extract<keyof T, string>>[];

const text = (v: unknown): string =>
  v === null || v === undefined ? "—" : typeof v === "string" ? v : typeof v === "boolean" ? (v ? "yes" : "no") : compactJson(v);

const REQUEST_FIELDS: { [M in RequestMethod]?: Specs<RequestOf<M>> } = {
  "mining.submit": [
    ["worker", "Worker"],
    ["job_id", "Job", true],
    ["extranonce2", "Extranonce2", true],
    ["ntime", "nTime", true],
    ["nonce", "Nonce", true],
    ["version_bits", "Version bits", true],
  ],
  "mining.notify": [
    ["job_id", "Job", true],
    ["prevhash_display", "Previous block hash (display order)", true],
    ["prevhash", "Previous block hash (as sent)", true],
    ["coinb1", "Coinbase part 1", true],
    ["coinb2", "Coinbase part 2", true],
    ["merkle_branch", "Merkle branches", true],
    ["version", "Version", true],
    ["nbits", "nBits", true],
    ["ntime", "nTime", true],
    ["clean_jobs", "Clean jobs (drop old work)"],
  ],
  "mining.subscribe": [
    ["user_agent", "User agent"],
    ["session_id", "Resume session id", true],
    ["host", "Host"],
    ["port", "Port"],
  ],
  "mining.authorize": [
    ["worker", "Worker"],
    ["password", "Password"],
  ],
  "mining.configure": [
    ["extensions", "Extensions"],
    ["version_rolling_mask", "Version rolling mask", true],
    ["version_rolling_min_bit_count", "Version rolling min bits"],
    ["minimum_difficulty", "Minimum difficulty"],
    ["subscribe_extranonce", "Subscribe extranonce"],
    ["info", "Info"],
  ],
  "mining.set_difficulty": [["difficulty", "Difficulty"]],
  "mining.suggest_difficulty": [["difficulty", "Suggested difficulty"]],
  "mining.set_extranonce": [
    ["extranonce1", "Extranonce1", true],
    ["extranonce2_size", "Extranonce2 size (bytes)"],
  ],
  "mining.set_version_mask": [["version_mask", "Version mask", true]],
  "client.reconnect": [
    ["host", "Host"],
    ["port", "Port"],
    ["wait_seconds", "Wait (seconds)"],
  ],
  "client.show_message": [["message", "Message"]],
};

const RESULT_FIELDS: { [M in ResultMethod]?: Specs<ResultOf<M>> } = {
  "mining.subscribe": [
    ["extranonce1", "Extranonce1", true],
    ["extranonce2_size", "Extranonce2 size (bytes)"],
    ["subscriptions", "Subscriptions", true],
  ],
  "mining.configure": [
    ["version_rolling", "Version rolling"],
    ["version_rolling_mask", "Version rolling mask", true],
    ["minimum_difficulty", "Minimum difficulty"],
    ["subscribe_extranonce", "Subscribe extranonce"],
    ["info", "Info"],
    ["extension_errors", "Extension errors"],
  ],
  "client.get_version": [["version", "Version"]],
};

function value(key: string, v: unknown): string | string[] {
  if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v.length ? v : "none";
  if (key === "difficulty" && typeof v === "number") return difficulty(v);
  if (key === "ntime" && typeof v === "string") {
    const d = ntimeDate(v);
    return d ? `${v} (${d})` : v;
  }
  return text(v);
}

function fromSpecs(d: Decoded, specs: Spec[]): Field[] {
  return specs.filter(([k]) => k in d).map(([k, label, mono]) => ({ label, value: value(k, d[k]), mono: mono ?? false }));
}

/** Unknown methods: show every decoded key as is. */
const generic = (d: Decoded): Field[] =>
  Object.entries(d).map(([k, v]) => ({ label: k.replace(/_/g, " "), value: value(k, v), mono: false }));

/** Own keys only: a method named "toString" or "__proto__" is traffic, not a key of Object.prototype. */
const specsFor = (table: { [method: string]: Spec[] | undefined }, method: string | null): Spec[] | undefined =>
  method !== null && Object.prototype.hasOwnProperty.call(table, method) ? table[method] : undefined;

export function decodedFields(m: MessageRecord): Field[] {
  const d = m.decoded;
  if (d === null) return [];
  if (m.kind === "response") {
    const out: Field[] = [
      { label: "Outcome", value: d.ok === true ? (m.method === "mining.submit" ? "accepted" : "ok") : "rejected / error" },
    ];
    const e = d.error;
    if (d.ok === false && e && typeof e === "object") {
      const [code, message, data] = [field(e, "code"), field(e, "message"), field(e, "data")];
      const name = typeof code === "number" ? STRATUM_ERROR_NAMES[code] : undefined;
      out.push({ label: "Error code", value: code === null || code === undefined ? "—" : `${text(code)}${name ? ` (${name})` : ""}` });
      out.push({ label: "Error message", value: text(message) });
      if (data !== null && data !== undefined) out.push({ label: "Error data", value: text(data), mono: true });
    }
    const specs = specsFor(RESULT_FIELDS, m.method);
    if (specs) out.push(...fromSpecs(d, specs));
    return out;
  }
  const specs = specsFor(REQUEST_FIELDS, m.method);
  return specs ? fromSpecs(d, specs) : generic(d);
}
