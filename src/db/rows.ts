import { isErrorMessage } from "../capture/query";
import type { MessageRecord, SessionRecord } from "../capture/records";
import type { agentTelemetry, messages, sessions } from "./schema";

/** Record ⇄ row mapping. The columns mirror the record fields, so these are nearly identity maps. */

export type MessageRow = typeof messages.$inferSelect;
export type SessionRow = typeof sessions.$inferSelect;
/** One verified agent telemetry report as received (SPEC §5 content). */
export type TelemetryRow = typeof agentTelemetry.$inferSelect;

export const messageToRow = (m: MessageRecord): MessageRow => ({
  seq: m.seq,
  id: m.id,
  session_id: m.session_id,
  direction: m.direction,
  ts: m.ts,
  size_bytes: m.size_bytes,
  raw: m.raw,
  raw_hex: m.raw_hex,
  kind: m.kind,
  method: m.method,
  rpc_id: m.rpc_id,
  // undefined would bind as NULL and come back null; keep what the record says.
  json: m.json === undefined ? null : m.json,
  decoded: m.decoded,
  parse_error: m.parse_error,
  reply_to: m.reply_to,
  latency_ms: m.latency_ms,
  truncated: m.truncated,
  is_error: isErrorMessage(m),
  ...shareColumns(m.kind === "request" ? m.analysis : null),
  analysis: m.analysis,
  verdict: m.analysis?.type === "submit" ? m.analysis.verdict : null,
  agrees: m.analysis?.type === "submit" && m.analysis.agrees !== null ? (m.analysis.agrees ? 1 : 0) : null,
});

/** The share columns from a submit's analysis when its share was hashed; all null otherwise. */
function shareColumns(a: MessageRecord["analysis"]): Pick<MessageRow, "share_difficulty" | "share_meets_target" | "share_block_candidate"> {
  if (a?.type !== "submit" || a.difficulty === null) return { share_difficulty: null, share_meets_target: null, share_block_candidate: null };
  return {
    share_difficulty: Number.isFinite(a.difficulty) ? a.difficulty : null,
    share_meets_target: a.verdict === "low_difficulty" ? 0 : 1,
    share_block_candidate: a.verdict === "block_candidate" ? 1 : 0,
  };
}

export const rowToMessage = (r: MessageRow): MessageRecord => ({
  id: r.id,
  seq: r.seq,
  session_id: r.session_id,
  direction: r.direction,
  ts: r.ts,
  size_bytes: r.size_bytes,
  raw: r.raw,
  raw_hex: r.raw_hex,
  kind: r.kind,
  method: r.method,
  rpc_id: r.rpc_id ?? null,
  json: r.json ?? null,
  decoded: r.decoded ?? null,
  parse_error: r.parse_error,
  reply_to: r.reply_to,
  latency_ms: r.latency_ms,
  truncated: r.truncated,
  analysis: r.analysis ?? null,
});

export const sessionToRow = (s: SessionRecord): SessionRow => ({
  id: s.id,
  miner_addr: s.miner_addr,
  upstream: { ...s.upstream },
  upstream_addr: s.upstream_addr,
  state: s.state,
  opened_at: s.opened_at,
  closed_at: s.closed_at,
  close_reason: s.close_reason,
  close_detail: s.close_detail,
  user_agent: s.user_agent,
  workers: [...s.workers],
  extranonce1: s.extranonce1,
  extranonce2_size: s.extranonce2_size,
  difficulty: s.difficulty,
  version_mask: s.version_mask,
  broadcast: { ...s.broadcast },
  counters: { ...s.counters },
  last_seen: s.last_seen,
});

export const rowToSession = (r: SessionRow): SessionRecord => ({
  id: r.id,
  miner_addr: r.miner_addr,
  upstream: r.upstream,
  upstream_addr: r.upstream_addr,
  state: r.state,
  opened_at: r.opened_at,
  closed_at: r.closed_at,
  close_reason: r.close_reason,
  close_detail: r.close_detail,
  user_agent: r.user_agent,
  workers: r.workers,
  extranonce1: r.extranonce1,
  extranonce2_size: r.extranonce2_size,
  difficulty: r.difficulty,
  version_mask: r.version_mask,
  broadcast: r.broadcast,
  counters: r.counters,
  last_seen: r.last_seen,
});
