import { Elysia } from "elysia";
import type { Services } from "../services";
import { totalAnalysis } from "./analysis";
import { metricsText } from "./metrics";
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
    // Where the relay runs; on its own thread, the ring that hands chunks to capture (full: capture dropped, counted).
    relay: { thread: svc.relay.ring() !== null, up: svc.relay.listening(), failure: svc.relay.failure(), ring: svc.relay.ring() },
    memory: svc.memory?.stats() ?? null,
    streams: {
      clients: svc.sse?.clients ?? 0,
      max_clients: svc.sse?.maxClients ?? null,
      refused: svc.sse?.refused ?? 0,
      client_max_bytes: svc.sse?.clientMaxBytes ?? null,
      overflowed: svc.store.events.overflows,
    },
    analysis: totalAnalysis(svc),
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
    return { status: "down", reasons: [svc.relay.failure() ?? "relay is not listening"], ...base };
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
        const body = metricsText(svc, stats(svc));
        return new Response(body, { headers: { "content-type": "text/plain; version=0.0.4" } });
      },
      { detail: { summary: "Prometheus metrics", tags: ["meta"] } },
    );
