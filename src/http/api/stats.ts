import { Elysia } from "elysia";
import type { Services } from "../services";
import { writerView } from "../faults";

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
    // The writer's queue and failures under one set of names, whatever the storage layer calls them.
    writer: writerView(svc.db?.stats()),
    capture: {
      backlog_bytes: svc.capture.backlogBytes,
      max_backlog_bytes: svc.config.limits.backlogTotalBytes,
      dropped_bytes: dropped,
      shed_bytes: svc.capture.shedBytes,
      store_bytes: svc.store.bytes,
      max_store_bytes: svc.store.limits.maxBytes ?? null,
      evicted_for_bytes: svc.store.evictedForBytes,
    },
    memory: svc.memory?.stats() ?? null,
    streams: {
      clients: svc.sse?.clients ?? 0,
      max_clients: svc.sse?.maxClients ?? null,
      refused: svc.sse?.refused ?? 0,
      client_max_bytes: svc.sse?.clientMaxBytes ?? null,
      overflowed: svc.store.events.overflows,
    },
    uptime_s: Math.round((performance.now() - svc.startedMono) / 1000),
    started_at: svc.startedAt,
  };
}

/**
 * `ok`, or `degraded` with the reasons (capture, storage or the pool in trouble: the relay still relays), both 200;
 * 503 only when the relay itself is down.
 */
function health(svc: Services, set: { status?: number | string }) {
  const base = { started_at: svc.startedAt, live_sessions: svc.relay.liveSessions() };
  if (!svc.relay.listening()) {
    set.status = 503;
    return { status: "down", reasons: ["relay is not listening"], ...base };
  }
  const reasons = svc.faults?.reasons(svc.capture.isShedding) ?? (svc.capture.isShedding ? ["capture shedding"] : []);
  return { status: reasons.length ? "degraded" : "ok", reasons, ...base };
}

export const statsRoutes = (svc: Services) =>
  new Elysia()
    .get("/health", ({ set }) => health(svc, set), {
      detail: { summary: "Liveness: ok, degraded (with reasons) or down (503, only when the relay is)", tags: ["meta"] },
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
          ["hashscope_capture_shed_bytes_total", "counter", s.capture.shed_bytes],
          ["hashscope_capture_backlog_bytes", "gauge", s.capture.backlog_bytes],
          ["hashscope_capture_store_bytes", "gauge", s.capture.store_bytes],
          ["hashscope_capture_evicted_for_bytes_total", "counter", s.capture.evicted_for_bytes],
          ["hashscope_memory_rss_bytes", "gauge", s.memory?.rss_bytes ?? 0],
          ["hashscope_memory_shedding", "gauge", s.memory?.shedding ? 1 : 0],
          ["hashscope_memory_shed_episodes_total", "counter", s.memory?.shed_episodes ?? 0],
          ["hashscope_stream_clients", "gauge", s.streams.clients],
          ["hashscope_stream_refused_total", "counter", s.streams.refused],
          ["hashscope_stream_overflowed_total", "counter", s.streams.overflowed],
          ["hashscope_db_queued", "gauge", s.writer?.queued ?? 0],
          ["hashscope_db_queued_bytes", "gauge", s.writer?.queued_bytes ?? 0],
          ["hashscope_db_dropped_total", "counter", s.writer?.dropped ?? 0],
          ["hashscope_db_write_failures_total", "counter", s.writer?.write_failures ?? 0],
        ] as const;
        const body = lines.map(([name, type, v]) => `# TYPE ${name} ${type}\n${name} ${v}`).join("\n") + "\n";
        return new Response(body, { headers: { "content-type": "text/plain; version=0.0.4" } });
      },
      { detail: { summary: "Prometheus metrics", tags: ["meta"] } },
    );
