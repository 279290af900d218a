import { z } from "zod";
import { Analysis } from "../analysis/schema";
import { MessageKind, RpcId } from "../stratum/parse";

/** The records users and scripts rely on (README.md#json-api shows a message). Each shape is declared once here. */

export const Direction = z.enum(["miner_to_pool", "pool_to_miner", "hashscope_to_pool"]);
export type Direction = z.infer<typeof Direction>;

/** The protocol's kinds and ids (stratum/parse.ts), part of every record. */
export { MessageKind, RpcId };

export const MessageRecord = z.object({
  id: z.string(),
  seq: z.number().int().positive(),
  session_id: z.string(),
  direction: Direction,
  ts: z.string(),
  size_bytes: z.number().int().nonnegative(),
  raw: z.string().nullable(),
  raw_hex: z.string().nullable(),
  kind: MessageKind,
  method: z.string().nullable(),
  rpc_id: RpcId.nullable(),
  json: z.unknown(),
  decoded: z.record(z.string(), z.unknown()).nullable(),
  parse_error: z.string().nullable(),
  reply_to: z.string().nullable(),
  latency_ms: z.number().nullable(),
  truncated: z.boolean(),
  /** HashScope's own conclusions (analysis/schema.ts); null when there are none. Older exports lack it. */
  analysis: Analysis.nullable().default(null),
});
export type MessageRecord = z.infer<typeof MessageRecord>;

export const SessionState = z.enum(["connecting", "live", "closed", "failed"]);
export type SessionState = z.infer<typeof SessionState>;

export const CloseReason = z.enum([
  "miner_closed",
  "pool_closed",
  "upstream_failed",
  "handshake_timeout",
  "disconnected_by_api",
  "error",
  "restart",
]);
export type CloseReason = z.infer<typeof CloseReason>;

export const Upstream = z.object({ host: z.string(), port: z.number().int(), tls: z.boolean() });
export type Upstream = z.infer<typeof Upstream>;

export const SessionCounters = z.object({
  messages_up: z.number().int(),
  messages_down: z.number().int(),
  bytes_up: z.number().int(),
  bytes_down: z.number().int(),
  parse_errors: z.number().int(),
  submits: z.number().int(),
  accepted: z.number().int(),
  rejected: z.number().int(),
  /** Bytes relayed but not captured because the capture backlog was full (the relay never waits for capture). */
  capture_dropped_bytes: z.number().int(),
});
export type SessionCounters = z.infer<typeof SessionCounters>;

/** What HashScope learns about a session from its traffic. */
export const SessionFacts = z.object({
  user_agent: z.string().nullable(),
  workers: z.array(z.string()),
  extranonce1: z.string().nullable(),
  extranonce2_size: z.number().int().nullable(),
  difficulty: z.number().nullable(),
  version_mask: z.string().nullable(),
});
export type SessionFacts = z.infer<typeof SessionFacts>;

export const SessionRecord = SessionFacts.extend({
  id: z.string(),
  miner_addr: z.string(),
  upstream: Upstream,
  upstream_addr: z.string().nullable(),
  state: SessionState,
  opened_at: z.string(),
  closed_at: z.string().nullable(),
  close_reason: CloseReason.nullable(),
  close_detail: z.string().nullable(),
  broadcast: z.object({ enabled: z.boolean(), repeat_count: z.number().int() }),
  counters: SessionCounters,
  last_seen: z.string(),
});
export type SessionRecord = z.infer<typeof SessionRecord>;

export const emptyFacts = (): SessionFacts => ({
  user_agent: null,
  workers: [],
  extranonce1: null,
  extranonce2_size: null,
  difficulty: null,
  version_mask: null,
});

export const emptyCounters = (): SessionCounters => ({
  messages_up: 0,
  messages_down: 0,
  bytes_up: 0,
  bytes_down: 0,
  parse_errors: 0,
  submits: 0,
  accepted: 0,
  rejected: 0,
  capture_dropped_bytes: 0,
});
