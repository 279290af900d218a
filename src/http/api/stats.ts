import { Elysia } from "elysia";
import type { Services } from "../services";
import { totalAnalysis } from "./analysis";
import { metricsText } from "./metrics";

export function stats(svc: Services) {
  const sessions = svc.store.listSessions("all");
  let live = 0;
  const r = svc.store.retired;
  const bytes = { up: r.bytes_up, down: r.bytes_down };
  const shares = { submits: r.submits, accepted: r.accepted, rejected: r.rejected };
  let parseErrors = r.parse_errors;
  let dropped = r.capture_dropped_bytes;
  for (const s of sessions) {
    if (s.state === "live" || s.state === "connecting") live++;
    bytes.up += s.counters.bytes_up;
    bytes.down += s.counters.bytes_down;
    shares.submits += s.counters.submits;
    shares.accepted += s.counters.accepted;
    shares.rejected += s.counters.rejected;
    parseErrors += s.counters.parse_errors;
    dropped += s.counters.capture_dropped_bytes;
  }
  return {
    sessions: { live, total: svc.store.sessionsOpened, in_memory: sessions.length },
    messages: {
      total: svc.store.totalMessages,
      in_memory: svc.store.messageCount,
      last_seq: svc.store.lastSeq,
      parse_errors: parseErrors,
    },
    bytes,
    shares,
    agents: svc.fleet?.counts() ?? { online: 0, total: 0 },
    nostr: svc.nostr ? { shares: svc.nostr.shares.counters(), pool: svc.nostr.pool.counters() } : null,
    // Database writer and retention: queued, written, dropped (queue overflow or failed batches).
    storage: svc.db?.stats() ?? null,
    capture: { backlog_bytes: svc.capture.backlogBytes, dropped_bytes: dropped },
    analysis: totalAnalysis(svc),
    uptime_s: Math.round((performance.now() - svc.startedMono) / 1000),
    started_at: svc.startedAt,
  };
}

export const statsRoutes = (svc: Services) =>
  new Elysia()
    .get("/health", () => ({ status: "ok", started_at: svc.startedAt, live_sessions: svc.relay.liveSessions() }), {
      detail: { summary: "Liveness", tags: ["meta"] },
    })
    .get("/api/stats", () => stats(svc), { detail: { summary: "Totals", tags: ["meta"] } })
    .get(
      "/metrics",
      () => {
        const body = metricsText(svc, stats(svc)) + fleetMetrics(svc);
        return new Response(body, { headers: { "content-type": "text/plain; version=0.0.4" } });
      },
      { detail: { summary: "Prometheus metrics", tags: ["meta"] } },
    );

const label = (v: string): string => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/**
 * The fleet (docs/nostr.md): per source, blocks it saw first among those kept and its delay on the newest block; per
 * agent, latency quantiles and the behaviour checks' verdicts (alert on `verdict="accepted"`: the pool took what it must refuse).
 */
function fleetMetrics(svc: Services): string {
  const board = svc.nostr?.blocks;
  if (!board) return "";
  const blocks = board.list(200);
  const first = new Map<string, number>();
  for (const b of blocks) if (b.first) first.set(b.first.source, (first.get(b.first.source) ?? 0) + 1);
  const out = ["# TYPE hashscope_fleet_blocks_total counter", `hashscope_fleet_blocks_total ${board.counters.blocks}`];
  out.push("# TYPE hashscope_fleet_blocks_first gauge");
  for (const [src, n] of first) out.push(`hashscope_fleet_blocks_first{source="${label(src)}"} ${n}`);
  out.push("# TYPE hashscope_fleet_last_block_delay_ms gauge");
  for (const s of blocks[0]?.sightings ?? []) {
    out.push(`hashscope_fleet_last_block_delay_ms{source="${label(s.source)}",region="${label(s.region ?? "")}",pool="${label(s.pool)}"} ${s.delay_ms}`);
  }
  const agents = svc.fleet?.list() ?? [];
  out.push("# TYPE hashscope_fleet_latency_ms gauge");
  for (const a of agents) {
    const base = `agent="${label(a.agent_id)}",region="${label(a.region ?? "")}"`;
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
        if (v !== null && v !== undefined) out.push(`hashscope_fleet_latency_ms{${base},step="${step}",quantile="${q}"} ${v}`);
      }
  }
  out.push("# TYPE hashscope_fleet_checks_total counter");
  for (const a of agents)
    for (const check of ["replay", "duplicate", "stale"] as const)
      for (const verdict of ["refused", "accepted", "inconclusive"] as const) {
        const n = a.checks?.[check][verdict];
        if (n) out.push(`hashscope_fleet_checks_total{agent="${label(a.agent_id)}",check="${check}",verdict="${verdict}"} ${n}`);
      }
  return out.join("\n") + "\n";
}
