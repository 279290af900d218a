import type { z } from "zod";
import { describeIssues } from "./decode/common";
import { REQUEST_SCHEMAS } from "./decode/requests";
import { RESULT_SCHEMAS } from "./decode/results";
import { normaliseError, rpcOutcome, submitOutcome, type RpcErrorInfo } from "./outcome";

/**
 * Typed views of Stratum v1 messages per method (docs/protocol.md#methods). Never throws: a wrong shape is reported as
 * `error`. Every type here is derived from the zod schemas in decode/; `DecodedMessage` is the one union of decoded
 * messages, keyed by method, that capture, analysis, agent and simulators narrow with `switch (m.method)`.
 */

export type RequestMethod = keyof typeof REQUEST_SCHEMAS;
export type ResultMethod = keyof typeof RESULT_SCHEMAS;

/** Decoded params of a request or notification of method M. */
export type RequestOf<M extends RequestMethod> = z.output<(typeof REQUEST_SCHEMAS)[M]["schema"]>;
/** Decoded result of a successful answer to a request of method M. */
export type ResultOf<M extends ResultMethod> = z.output<(typeof RESULT_SCHEMAS)[M]>;

/** What every decoded response carries: `ok`, and the error when not ok. */
export type ResponseStatus = { ok: true } | { ok: false; error: RpcErrorInfo };

/** A request or notification whose params decoded. */
export type DecodedCall = { [M in RequestMethod]: { kind: "call"; method: M; decoded: RequestOf<M> } }[RequestMethod];
/** A successful answer of a known method, with its typed result fields. */
export type DecodedAnswer = {
  [M in ResultMethod]: { kind: "answer"; method: M; decoded: ResultOf<M> & { ok: true } };
}[ResultMethod];
/** Any other response (an error, unpaired, or a method without typed result): its status only. */
export type DecodedStatus = { kind: "status"; method: string | null; decoded: ResponseStatus };
export type DecodedMessage = DecodedCall | DecodedAnswer | DecodedStatus;

/** The decoded object as a message record stores (and reads back from disk) it: the union's `decoded` side, as JSON. */
export type Decoded = Record<string, unknown>;
export type DecodeResult = { decoded: Decoded | null; error: string | null };

/**
 * A stored decoded object (a record's `decoded`: JSON, from memory or disk) read by the keys of method M's decoded type,
 * so readers name the schema's own fields and a renamed one fails to compile. Values stay unknown; the reader narrows.
 */
export const callFields =
  <M extends RequestMethod>(d: Decoded, _method: M) =>
  (key: Extract<keyof RequestOf<M>, string>): unknown =>
    d[key];

/** The same for a successful answer's result fields. */
export const resultFields =
  <M extends ResultMethod>(d: Decoded, _method: M) =>
  (key: Extract<keyof ResultOf<M>, string>): unknown =>
    d[key];

export const KNOWN_METHODS: readonly string[] = Object.freeze(Object.keys(REQUEST_SCHEMAS));

const isRequestMethod = (m: string): m is RequestMethod => Object.prototype.hasOwnProperty.call(REQUEST_SCHEMAS, m);
const isResultMethod = (m: string): m is ResultMethod => Object.prototype.hasOwnProperty.call(RESULT_SCHEMAS, m);

/**
 * Decode the params of a request or notification into its variant of the union. Unknown methods: nothing to say
 * (message null, error null).
 */
export function decodeCall(method: string, params: unknown): { message: DecodedCall | null; error: string | null } {
  if (!isRequestMethod(method)) return { message: null, error: null };
  const { schema, names } = REQUEST_SCHEMAS[method];
  // Omitted (or null) params mean none; the schema then reports any required ones as missing.
  const parsed = schema.safeParse(params === undefined || params === null ? [] : params);
  if (!parsed.success) return { message: null, error: `${method}: ${describeIssues(parsed.error, "params", names)}` };
  // zod's safeParse on a schema picked by a generic key yields the union of outputs; the key and output still match.
  return { message: { kind: "call", method, decoded: parsed.data } as DecodedCall, error: null };
}

/**
 * Decode a response; `method` is that of the request it answers (null when unpaired). Always a message: `decoded`
 * carries `ok`, and `error` {code, message, data} when not ok; a successful result of a known method adds its fields.
 */
export function decodeAnswer(
  method: string | null,
  result: unknown,
  error: unknown,
): { message: DecodedAnswer | DecodedStatus; error: string | null } {
  const outcome = method === "mining.submit" ? submitOutcome(result, error) : rpcOutcome(result, error);
  const status: ResponseStatus = outcome.ok
    ? { ok: true }
    : { ok: false, error: normaliseError(error) ?? { code: outcome.code, message: outcome.message ?? "rejected", data: null } };
  const plain: DecodedStatus = { kind: "status", method, decoded: status };
  if (!status.ok || method === null || !isResultMethod(method)) return { message: plain, error: null };
  const parsed = RESULT_SCHEMAS[method].safeParse(result);
  if (!parsed.success) return { message: plain, error: `${method}: ${describeIssues(parsed.error, "result")}` };
  return { message: { kind: "answer", method, decoded: { ...parsed.data, ok: true } } as DecodedAnswer, error: null };
}

/** decodeCall's decoded side, as a message record stores it. */
export function decodeRequest(method: string, params: unknown): DecodeResult {
  const { message, error } = decodeCall(method, params);
  return { decoded: message?.decoded ?? null, error };
}

/** decodeAnswer's decoded side, as a message record stores it. */
export function decodeResponse(method: string | null, result: unknown, error: unknown): DecodeResult {
  const d = decodeAnswer(method, result, error);
  return { decoded: d.message.decoded, error: d.error };
}
