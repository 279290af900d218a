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

/** The session record and its parts live with their owner (src/sessions/record.ts); re-exported for capture's readers. */
export {
  CloseReason,
  emptyCounters,
  emptyFacts,
  SessionCounters,
  SessionFacts,
  SessionRecord,
  SessionState,
  Upstream,
} from "../sessions/record";
