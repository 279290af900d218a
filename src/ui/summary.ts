import { field, isRecord } from "../stratum/json";
import type { MessageRecord } from "../capture/records";
import { callFields, resultFields, type Decoded } from "../stratum/methods";
import { STRATUM_ERROR_NAMES } from "../stratum/outcome";
import { clip, compactJson, difficulty } from "./format";

/** One-line plain-text summary and status of a message for the stream table (escaped by the template). */

const str = (v: unknown): string => (v === null || v === undefined ? "" : typeof v === "string" ? v : compactJson(v));
const num = (v: unknown): number | null => (typeof v === "number" ? v : null);

function paramsText(m: MessageRecord): string {
  const o = m.json;
  if (isRecord(o)) {
    if ("params" in o) return compactJson(o.params);
    if ("result" in o) return compactJson(o.result);
  }
  return m.raw ?? m.raw_hex ?? "";
}

function requestSummary(m: MessageRecord, method: string, d: Decoded): string | null {
  switch (method) {
    case "mining.submit": {
      const v = callFields(d, method);
      const a = m.analysis?.type === "submit" ? m.analysis : null;
      const diff = a?.difficulty != null ? ` · diff ${difficulty(a.difficulty)}` : "";
      return `${str(v("worker"))} · job ${str(v("job_id"))} · nonce ${str(v("nonce"))}${v("version_bits") ? ` · ver ${str(v("version_bits"))}` : ""}${diff}`;
    }
    case "mining.notify": {
      const v = callFields(d, method);
      const branches = v("merkle_branch");
      return `job ${str(v("job_id"))}${v("clean_jobs") ? " · clean" : ""} · ntime ${str(v("ntime"))} · ${Array.isArray(branches) ? branches.length : 0} branches`;
    }
    case "mining.set_difficulty":
    case "mining.suggest_difficulty":
      return `difficulty ${difficulty(num(callFields(d, method)("difficulty")))}`;
    case "mining.subscribe": {
      const agent = callFields(d, method)("user_agent");
      return agent ? `agent ${str(agent)}` : "no user agent";
    }
    case "mining.authorize":
      return `worker ${str(callFields(d, method)("worker"))}`;
    case "mining.configure": {
      const exts = callFields(d, method)("extensions");
      return Array.isArray(exts) ? exts.map(str).join(", ") : null;
    }
    case "mining.set_extranonce": {
      const v = callFields(d, method);
      return `extranonce1 ${str(v("extranonce1"))} · size ${str(v("extranonce2_size"))}`;
    }
    case "mining.set_version_mask":
      return `mask ${str(callFields(d, method)("version_mask"))}`;
    case "client.show_message":
      return `“${str(callFields(d, method)("message"))}”`;
    case "client.reconnect": {
      const v = callFields(d, method);
      return `to ${str(v("host")) || "same host"}:${str(v("port")) || "same port"}`;
    }
    default:
      return null;
  }
}

function errorText(d: Decoded): string {
  const e = d.error;
  if (!e || typeof e !== "object") return "rejected";
  const c = field(e, "code");
  const code = typeof c === "number" ? c : null;
  const name = code !== null ? STRATUM_ERROR_NAMES[code] : undefined;
  const msg = str(field(e, "message"));
  return `${code !== null ? `${code} ` : ""}${msg || name || "error"}`;
}

function responseSummary(m: MessageRecord, d: Decoded): string | null {
  if (d.ok === false) return errorText(d);
  switch (m.method) {
    case "mining.submit":
      return "share accepted";
    case "mining.subscribe": {
      const r = resultFields(d, m.method);
      return `extranonce1 ${str(r("extranonce1"))} · size ${str(r("extranonce2_size"))}`;
    }
    case "mining.authorize":
      return "authorized";
    case "mining.configure": {
      const r = resultFields(d, m.method);
      return r("version_rolling") ? `version rolling ${str(r("version_rolling_mask"))}` : "configured";
    }
    case "client.get_version":
      return str(resultFields(d, m.method)("version"));
    default:
      return null;
  }
}

export function summary(m: MessageRecord): string {
  if (m.kind === "invalid") return clip(m.parse_error ?? "not JSON-RPC");
  const d = m.decoded;
  const text =
    d === null ? null : m.kind === "response" ? responseSummary(m, d) : m.method ? requestSummary(m, m.method, d) : null;
  return clip(text ?? paramsText(m));
}

export type Status = { label: string; cls: "ok" | "bad" | "warn" | "" };

export function status(m: MessageRecord): Status {
  if (m.kind === "invalid") return { label: "invalid", cls: "warn" };
  if (m.parse_error !== null) return { label: "odd shape", cls: "warn" };
  if (m.kind !== "response" || m.decoded === null) return { label: "", cls: "" };
  if (m.decoded.ok === true) return { label: m.method === "mining.submit" ? "accepted" : "ok", cls: "ok" };
  return { label: m.method === "mining.submit" ? "rejected" : "error", cls: "bad" };
}

/** What the method column shows: responses carry their request's method when paired. */
export const methodLabel = (m: MessageRecord): string =>
  m.method
    ? m.kind === "response"
      ? `↳ ${m.method}`
      : m.method
    : m.kind === "response"
      ? m.rpc_id === null
        ? "↳ (answer to no request: id null)"
        : "↳ (unpaired)"
      : m.kind;
