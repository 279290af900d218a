/**
 * What a JSON-RPC response says happened. Pools report failure in many shapes
 * ([code, message, data], [code, message], a string, {code, message}, a bare code, or result:false);
 * this turns them all into one.
 */
import { isRecord } from "./json";

export type RpcOutcome = { ok: boolean; code: number | null; message: string | null };
export type RpcErrorInfo = { code: number | null; message: string; data: unknown };

/** Stratum v1 error codes (docs/protocol.md#errors) plus the JSON-RPC ones pools also use. */
export const STRATUM_ERROR_NAMES: Record<number, string> = {
  20: "other",
  21: "job not found (stale)",
  22: "duplicate share",
  23: "low difficulty share",
  24: "unauthorized worker",
  25: "not subscribed",
  [-3]: "unknown method",
  [-32700]: "parse error",
  [-32600]: "invalid request",
  [-32601]: "method not found",
  [-32602]: "invalid params",
  [-32603]: "internal error",
};

const absent = (v: unknown): boolean => v === null || v === undefined;

const toCode = (v: unknown): number | null => {
  if (typeof v === "number" && Number.isInteger(v)) return v;
  if (typeof v === "string" && /^-?\d{1,9}$/.test(v.trim())) return Number(v.trim());
  return null;
};

const text = (v: unknown): string | null => {
  if (absent(v)) return null;
  if (typeof v === "string") return v.length > 0 ? v : null;
  return JSON.stringify(v) ?? String(v);
};

const fallbackMessage = (code: number | null): string =>
  code === null ? "unknown error" : (STRATUM_ERROR_NAMES[code] ?? `error ${code}`);

const info = (code: number | null, message: string | null, data: unknown): RpcErrorInfo => ({
  code,
  message: message ?? fallbackMessage(code),
  data: data === undefined ? null : data,
});

/** Normalise any error value; null when there is no error. */
export function normaliseError(error: unknown): RpcErrorInfo | null {
  if (absent(error)) return null;
  if (Array.isArray(error)) return info(toCode(error[0]), text(error[1]), error[2]);
  if (typeof error === "string") return info(toCode(error), toCode(error) === null ? text(error) : null, null);
  if (typeof error === "number") return info(toCode(error), Number.isInteger(error) ? null : String(error), null);
  if (isRecord(error)) {
    const o = error;
    const message = text(o.message);
    return info(toCode(o.code), message ?? (absent(o.code) ? text(error) : null), o.data);
  }
  return info(null, text(error), null);
}

/** ok only when there is no error and the result is neither false nor null. */
export function rpcOutcome(result: unknown, error: unknown): RpcOutcome {
  const e = normaliseError(error);
  if (e !== null) return { ok: false, code: e.code, message: e.message };
  if (result === false) return { ok: false, code: null, message: "result false" };
  if (absent(result)) return { ok: false, code: null, message: result === null ? "result null" : "no result" };
  return { ok: true, code: null, message: null };
}

/** A share counts as accepted only on result === true with no error. */
export function isShareAccepted(result: unknown, error: unknown): boolean {
  return absent(error) && result === true;
}

/** Outcome of a mining.submit answer: like rpcOutcome, but anything other than `true` is a rejection. */
export function submitOutcome(result: unknown, error: unknown): RpcOutcome {
  const o = rpcOutcome(result, error);
  if (!o.ok || isShareAccepted(result, error)) return o;
  return { ok: false, code: null, message: `result ${JSON.stringify(result)} is not true` };
}
