import type { Services } from "../services";
import type { Family, Sample } from "./metrics";

/**
 * The fleet's families for /metrics (docs/nostr.md): per source, blocks it saw first among those kept and its delay on the
 * newest block; per agent, latency quantiles and the behaviour checks' verdicts (alert on `verdict="accepted"`: the pool
 * took what it must refuse). Empty when Nostr is off.
 */
export function fleetFamilies(svc: Services): Family[] {
  const board = svc.nostr?.blocks;
  if (!board) return [];
  const blocks = board.list(200);
  const first = new Map<string, number>();
  for (const b of blocks) if (b.first) first.set(b.first.source, (first.get(b.first.source) ?? 0) + 1);
  // A source whose delay is unknown has no sample (a null would not be valid exposition text).
  const delays: Sample[] = [];
  for (const s of blocks[0]?.sightings ?? [])
    if (s.delay_ms !== null) delays.push({ labels: { source: s.source, region: s.region ?? "", pool: s.pool }, value: s.delay_ms });
  const agents = svc.fleet?.list() ?? [];
  const latency: Sample[] = [];
  const checks: Sample[] = [];
  for (const a of agents) {
    const who = { agent: a.agent_id, region: a.region ?? "" };
    const series: [string, { p50: number | null; p90: number | null; p99: number | null } | undefined][] = [
      ["submit", a.stats.latency_ms],
      ["connect", a.timings?.connect_ms],
      ["tls_handshake", a.timings?.tls_handshake_ms],
      ["subscribe", a.timings?.subscribe_ms],
      ["authorize", a.timings?.authorize_ms],
    ];
    for (const [step, p] of series)
      for (const q of ["p50", "p90", "p99"] as const) {
        const v = p?.[q];
        if (v !== null && v !== undefined) latency.push({ labels: { ...who, step, quantile: q }, value: v });
      }
    for (const check of ["replay", "duplicate", "stale"] as const)
      for (const verdict of ["refused", "accepted", "inconclusive"] as const) {
        const n = a.checks?.[check][verdict];
        if (n) checks.push({ labels: { agent: a.agent_id, check, verdict }, value: n });
      }
  }
  return [
    { name: "hashscope_fleet_blocks_total", type: "counter", help: "Blocks (new prevhash) seen by HashScope's miners or the agents.", samples: [{ value: board.counters.blocks }] },
    {
      name: "hashscope_fleet_blocks_first",
      type: "gauge",
      help: "Among the blocks kept, how many each source saw first.",
      samples: [...first].map(([source, value]) => ({ labels: { source }, value })),
    },
    { name: "hashscope_fleet_last_block_delay_ms", type: "gauge", help: "Milliseconds after the first source that each source got the newest block's job.", samples: delays },
    { name: "hashscope_fleet_latency_ms", type: "gauge", help: "Agent pool round trips by step and quantile, in milliseconds.", samples: latency },
    { name: "hashscope_fleet_checks_total", type: "counter", help: "Pool behaviour checks by agent, check and verdict (accepted = the pool took what it must refuse).", samples: checks },
  ];
}
