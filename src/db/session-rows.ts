import type { SessionRecord } from "../capture/records";
import { autoReplayOff } from "../sessions/record";
import type { agentTelemetry, sessions } from "./schema";

/** Session and telemetry record ⇄ row mapping: each row mirrors its record (messages: rows.ts). */

export type SessionRow = typeof sessions.$inferSelect;
/** One verified agent telemetry report as received (docs/nostr.md#telemetry-content). */
export type TelemetryRow = typeof agentTelemetry.$inferSelect;

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
  auto_replay: { ...s.auto_replay },
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
  auto_replay: r.auto_replay ?? autoReplayOff(),
  counters: r.counters,
  last_seen: r.last_seen,
});
