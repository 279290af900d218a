import { z } from "zod";
import type { FramedLine } from "./framing";
import { isRecord } from "./json";

/** What a line is, as JSON-RPC sees it (docs/protocol.md#message-kinds). */
export const MessageKind = z.enum(["request", "response", "notification", "invalid"]);
export type MessageKind = z.infer<typeof MessageKind>;

/** A JSON-RPC id: pools and miners use numbers and strings. */
export const RpcId = z.union([z.number(), z.string()]);
export type RpcId = z.infer<typeof RpcId>;

/** One captured line, classified as JSON-RPC. Never normalised: `raw` and `json` are what was sent. */
export type ParsedLine = {
  raw: string | null;
  raw_hex: string | null;
  kind: MessageKind;
  method: string | null;
  rpc_id: RpcId | null;
  json: unknown;
  params: unknown;
  result: unknown;
  error: unknown;
  parse_error: string | null;
};

const has = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

const toHex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");

/**
 * Strict UTF-8 decode. ignoreBOM keeps a leading BOM in the text so `raw` stays exact.
 * `partialTail` tolerates a multi-byte character cut off at the end (truncated captures).
 */
function decodeUtf8(bytes: Uint8Array, partialTail: boolean): string | null {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes, { stream: partialTail });
  } catch {
    return null;
  }
}

const invalid = (raw: string | null, raw_hex: string | null, parse_error: string, json: unknown = null): ParsedLine => ({
  raw,
  raw_hex,
  kind: "invalid",
  method: null,
  rpc_id: null,
  json,
  params: undefined,
  result: undefined,
  error: undefined,
  parse_error,
});

const describe = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

export function parseLine(line: FramedLine): ParsedLine {
  const raw = decodeUtf8(line.bytes, line.truncated);
  const raw_hex = raw === null ? toHex(line.bytes) : null;
  if (line.truncated) {
    return invalid(
      raw,
      raw_hex,
      `line longer than the capture limit of ${line.bytes.length} bytes; relayed whole, captured truncated`,
    );
  }
  if (raw === null) return invalid(null, raw_hex, "not valid UTF-8");
  if (raw.length === 0) return invalid(raw, null, "empty line");
  if (raw.trim().length === 0) return invalid(raw, null, "whitespace-only line");

  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    return invalid(raw, null, `invalid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isRecord(json)) return invalid(raw, null, `not a JSON object (got ${describe(json)})`, json);
  return classify(raw, json);
}

function classify(raw: string, json: Record<string, unknown>): ParsedLine {
  const id = json.id;
  if (id !== undefined && id !== null && typeof id !== "number" && typeof id !== "string") {
    return invalid(raw, null, `"id" must be a number, a string or null (got ${describe(id)})`, json);
  }
  const rpc_id: RpcId | null = id ?? null;
  const base = {
    raw,
    raw_hex: null,
    rpc_id,
    json,
    params: json.params,
    result: json.result,
    error: json.error,
    parse_error: null,
  };
  if (has(json, "method")) {
    if (typeof json.method !== "string") {
      return invalid(raw, null, `"method" must be a string (got ${describe(json.method)})`, json);
    }
    return { ...base, kind: rpc_id === null ? "notification" : "request", method: json.method };
  }
  if (has(json, "result") || has(json, "error")) {
    // A null id is still a response (JSON-RPC answers a request it could not read that way); it just cannot be paired.
    if (!has(json, "id")) return invalid(raw, null, 'response without an "id"', json);
    return { ...base, kind: "response", method: null };
  }
  return invalid(raw, null, 'JSON object is neither a request (no "method") nor a response (no "result" or "error")', json);
}
