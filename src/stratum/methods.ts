import { describeIssues } from "./decode/common";
import { REQUEST_SCHEMAS } from "./decode/requests";
import { RESULT_SCHEMAS } from "./decode/results";
import { normaliseError, rpcOutcome, submitOutcome } from "./outcome";

/** Typed views of Stratum v1 messages per method (SPEC §6). Never throws: a wrong shape is reported as `error`. */

export type Decoded = Record<string, unknown>;
export type DecodeResult = { decoded: Decoded | null; error: string | null };

export const KNOWN_METHODS: readonly string[] = Object.freeze(Object.keys(REQUEST_SCHEMAS));

type RequestMethod = keyof typeof REQUEST_SCHEMAS;
type ResultMethod = keyof typeof RESULT_SCHEMAS;

const isRequestMethod = (m: string): m is RequestMethod => Object.prototype.hasOwnProperty.call(REQUEST_SCHEMAS, m);
const isResultMethod = (m: string): m is ResultMethod => Object.prototype.hasOwnProperty.call(RESULT_SCHEMAS, m);

/** Decode the params of a request or notification. Unknown methods: nothing to say (decoded null, error null). */
export function decodeRequest(method: string, params: unknown): DecodeResult {
  if (!isRequestMethod(method)) return { decoded: null, error: null };
  const { schema, names } = REQUEST_SCHEMAS[method];
  // Omitted (or null) params mean none; the schema then reports any required ones as missing.
  const parsed = schema.safeParse(params === undefined || params === null ? [] : params);
  if (!parsed.success) return { decoded: null, error: `${method}: ${describeIssues(parsed.error, "params", names)}` };
  return { decoded: parsed.data, error: null };
}

/**
 * Decode a response; `method` is that of the request it answers (null when unpaired).
 * `decoded` always carries `ok`, and `error` {code, message, data} when not ok; a successful result
 * of a known method adds its typed fields.
 */
export function decodeResponse(method: string | null, result: unknown, error: unknown): DecodeResult {
  const outcome = method === "mining.submit" ? submitOutcome(result, error) : rpcOutcome(result, error);
  const status: Decoded = { ok: outcome.ok };
  if (!outcome.ok) {
    const e = normaliseError(error);
    status.error = e ?? { code: outcome.code, message: outcome.message ?? "rejected", data: null };
  }
  if (!outcome.ok || method === null || !isResultMethod(method)) return { decoded: status, error: null };
  const parsed = RESULT_SCHEMAS[method].safeParse(result);
  if (!parsed.success) return { decoded: status, error: `${method}: ${describeIssues(parsed.error, "result")}` };
  return { decoded: { ...parsed.data, ...status }, error: null };
}
