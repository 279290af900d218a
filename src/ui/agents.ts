import type { Services } from "../http/services";
import type { AgentView } from "../mitm/fleet";
import type { PoolDifficulty } from "./views/pools";

/**
 * The fleet page's data: the registry's AgentView as is (no copy of its shape), plus the totals line and a DOM id
 * per agent. Agent ids come from the wire (anyone with a key can publish telemetry), so the id is hashed, never
 * put into markup as an id.
 */

export type FleetTotals = {
  agents: number;
  online: number;
  received: number;
  attempted: number;
  accepted: number;
  rejected: number;
  timeouts: number;
  /** Sum of the agents' 10 s submit rates. */
  per_s_10s: number;
};

export function fleetTotals(list: readonly AgentView[]): FleetTotals {
  const t: FleetTotals = { agents: list.length, online: 0, received: 0, attempted: 0, accepted: 0, rejected: 0, timeouts: 0, per_s_10s: 0 };
  for (const a of list) {
    if (a.online) t.online++;
    t.received += a.stats.share_events_received_total;
    t.attempted += a.stats.submits_attempted_total;
    t.accepted += a.stats.submits_accepted_total;
    t.rejected += a.stats.submits_rejected_total;
    t.timeouts += a.stats.submits_timeout_total;
    t.per_s_10s += a.stats.submits_per_second_10sec;
  }
  return t;
}

/** A safe, stable element id for an agent ("agent-" + hash of its id). */
export const agentDomId = (agentId: string): string => `agent-${Bun.hash(agentId).toString(36)}`;

/** "3 s ago" style age of an ISO time, for a card rendered now (src/ui/public/app.js keeps `data-age` ones current). */
export function age(iso: string, nowMs = Date.now()): string {
  const s = Math.max(0, Math.round((nowMs - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/** The share difficulty each live miner session's pool set (for the pools table beside the agents'). */
export const ownDifficulties = (svc: Services): PoolDifficulty[] =>
  svc.store.listSessions("live").map((s) => ({ pool: `${s.upstream.host}:${s.upstream.port}`, difficulty: s.difficulty }));
