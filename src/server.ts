import type { Elysia } from "elysia";
import { CapturePipeline } from "./capture/ingest";
import { CaptureStore } from "./capture/store";
import type { ServerConfig } from "./config";
import { createApp } from "./http/app";
import type { Services } from "./http/services";
import { startRelay } from "./proxy/relay";
import { logUpstreamFailures } from "./proxy/upstream-log";
import { isoNow } from "./time";
import { Storage } from "./db/storage";
import { AutoReplay } from "./mitm/auto-replay";
import { startMitmNostr } from "./mitm/nostr";
import { ReplayService } from "./mitm/replay";
import { uiRoutes, type ApiSpecSource } from "./ui/routes";

export type HashScope = Services & { apiPort: number; proxyPort: number; stop(): Promise<void> };

/** Capture bytes waiting per session before capture drops (the relay never waits for capture). */
const CAPTURE_BACKLOG_BYTES = 4 * 1024 * 1024;

/** Start the proxy and the HTTP server in this process. Ports may be 0 (tests). */
export async function startHashScope(config: ServerConfig, extraRoutes: Elysia[] = []): Promise<HashScope> {
  // Disk history first: sessions the last run left live are closed with `restart`, and seq continues after its last.
  const db = Storage.open({
    url: config.databaseUrl,
    retention: config.retention,
    writer: { maxQueueBytes: config.dbQueueMaxBytes },
  });
  const store = new CaptureStore(
    {
      maxMessages: config.capture.maxMessages,
      maxPerSession: config.capture.maxPerSession,
      maxSessions: config.capture.maxSessions,
    },
    db.firstSeq,
  );
  db.attach(store);
  const capture = new CapturePipeline(store, {
    maxLineBytes: config.capture.maxLineBytes,
    maxBacklogBytes: CAPTURE_BACKLOG_BYTES,
  });
  const relay = startRelay({
    listen: config.listen,
    upstream: config.upstream,
    connectTimeoutMs: config.upstreamConnectTimeoutMs,
    store,
    capture,
  });
  const stopUpstreamLog = logUpstreamFailures(store.events, (line) => console.error(line));
  const replay = new ReplayService(store, capture, relay);
  const autoReplay = new AutoReplay(store, replay);
  autoReplay.start();
  // Share publishing and the telemetry subscription run from the store's event hub, off the relay path.
  const nostr = config.nostr.enabled ? startMitmNostr(config, store, capture) : undefined;
  if (nostr) db.attachFleet(nostr.fleet);
  const svc: Services = {
    config,
    store,
    capture,
    relay,
    startedAt: isoNow(),
    startedMono: performance.now(),
    db,
    replay,
    autoReplay,
    ...(nostr ? { nostr, fleet: nostr.fleet } : {}),
  };
  // The web UI is part of every HashScope (`bun run start` serves it next to the API).
  // The API page renders the app's own OpenAPI description, asked for in-process with the caller's credentials.
  const apiSpec: ApiSpecSource = async (r) => (await app.handle(new Request(new URL("/api/docs", r.url), { headers: r.headers }))).json();
  const app = createApp(svc, [uiRoutes(svc, apiSpec), ...extraRoutes]).listen({
    hostname: config.api.host,
    port: config.api.port,
    reusePort: false,
    idleTimeout: 60,
  });
  const apiPort = app.server?.port ?? config.api.port;
  let stopping: Promise<void> | null = null;
  return {
    ...svc,
    apiPort,
    proxyPort: relay.port,
    /** Safe to call more than once: later calls wait for the first. */
    stop() {
      stopping ??= (async () => {
        await db.beginShutdown(); // sessions live now are saved live: the next start closes them with `restart`
        await relay.stop();
        stopUpstreamLog();
        autoReplay.stop();
        capture.drainAll(); // so the last submits still become share events
        await nostr?.stop();
        await app.stop(true);
        await db.close(); // writes what is queued; sessions still live stay open on disk until the next start
      })();
      return stopping;
    },
  };
}
