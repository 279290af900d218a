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
        const body = metricsText(svc, stats(svc));
        return new Response(body, { headers: { "content-type": "text/plain; version=0.0.4" } });
      },
      { detail: { summary: "Prometheus metrics", tags: ["meta"] } },
    );
