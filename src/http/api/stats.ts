import { Elysia } from "elysia";
import type { Services } from "../services";

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
    sessions: { live, total: svc.store.sessionsOpened, in_memory: sessions.length, refused: svc.relay.refusedSessions() },
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
        const s = stats(svc);
        const lines = [
          ["hashscope_sessions_live", "gauge", s.sessions.live],
          ["hashscope_sessions_total", "counter", s.sessions.total],
          ["hashscope_sessions_refused_total", "counter", s.sessions.refused],
          ["hashscope_messages_total", "counter", s.messages.total],
          ["hashscope_messages_in_memory", "gauge", s.messages.in_memory],
          ["hashscope_parse_errors_total", "counter", s.messages.parse_errors],
          ["hashscope_bytes_up_total", "counter", s.bytes.up],
          ["hashscope_bytes_down_total", "counter", s.bytes.down],
          ["hashscope_submits_total", "counter", s.shares.submits],
          ["hashscope_shares_accepted_total", "counter", s.shares.accepted],
          ["hashscope_shares_rejected_total", "counter", s.shares.rejected],
          ["hashscope_capture_dropped_bytes_total", "counter", s.capture.dropped_bytes],
        ] as const;
        const body = lines.map(([name, type, v]) => `# TYPE ${name} ${type}\n${name} ${v}`).join("\n") + "\n";
        return new Response(body, { headers: { "content-type": "text/plain; version=0.0.4" } });
      },
      { detail: { summary: "Prometheus metrics", tags: ["meta"] } },
    );
