import type { Elysia } from "elysia";
import { CapturePipeline } from "./capture/ingest";
import { CaptureStore } from "./capture/store";
import type { ServerConfig } from "./config";
import { ConfigError } from "./env";
import { createApp } from "./http/app";
import { MAX_BODY_BYTES } from "./http/guard";
import type { Services } from "./http/services";
import { startRelay, type Relay } from "./proxy/relay";
import { startRelayThread } from "./proxy/thread/relay-thread";
import { logUpstreamFailures } from "./proxy/upstream-log";
import { isoNow } from "./time";
import { MemoryGuard } from "./memory-guard";
import { FaultWatch } from "./http/faults";
import { HEARTBEAT_MS, SseGate } from "./http/sse";
import { Storage } from "./db/storage";
import { AutoReplay } from "./mitm/auto-replay";
import { startMitmNostr } from "./mitm/nostr";
import { ReplayService } from "./mitm/replay";
import { uiRoutes, type ApiSpecSource } from "./ui/routes";

export type HashScope = Services & {
  apiPort: number;
  proxyPort: number;
  /** Every route the HTTP server registered, as its router has it (the auth test walks them all). */
  routes(): { method: string; path: string }[];
  stop(): Promise<void>;
};

/**
 * Listen, or fail with the one-line error every bad start gives, naming the variable (`LISTEN_PORT`, `API_PORT`):
 * a port in use or not allowed is a configuration problem, not a crash. `undo` releases what was started before.
 */
async function listening<T>(prefix: "LISTEN" | "API", at: { host: string; port: number }, listen: () => T | Promise<T>, undo: () => Promise<void>): Promise<T> {
  try {
    return await listen();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code !== "EADDRINUSE" && code !== "EACCES" && code !== "EADDRNOTAVAIL") throw err;
    void undo();
    const why = code === "EADDRINUSE" ? "is in use by another program" : code === "EACCES" ? "is not allowed for this user" : "is not an address of this machine";
    throw new ConfigError(`${prefix}_PORT`, `${at.host}:${at.port} ${why} (${code}); choose another ${prefix}_PORT${code === "EADDRNOTAVAIL" ? ` or ${prefix}_HOST` : ""}`);
  }
}

/** Start the proxy and the HTTP server in this process. Ports may be 0 (tests). */
export async function startHashScope(config: ServerConfig, extraRoutes: Elysia[] = []): Promise<HashScope> {
  // Disk history first: sessions the last run left live are closed with `restart`, and seq continues after its last.
  const db = await Storage.connect({
    url: config.databaseUrl,
    instanceId: config.instanceId,
    retention: config.retention,
    writer: { maxQueueBytes: config.dbQueueMaxBytes },
  });
  const store = new CaptureStore(
    {
      maxMessages: config.capture.maxMessages,
      maxPerSession: config.capture.maxPerSession,
      maxSessions: config.capture.maxSessions,
      maxBytes: config.limits.captureMaxBytes,
    },
    db.firstSeq,
  );
  db.attach(store);
  const capture = new CapturePipeline(store, {
    maxLineBytes: config.capture.maxLineBytes,
    maxBacklogBytes: config.limits.backlogBytes,
    maxTotalBacklogBytes: config.limits.backlogTotalBytes,
    redactPasswords: config.redactPasswords,
    network: config.bitcoinNetwork,
  });
  const relayOptions = {
    listen: config.listen,
    upstream: config.upstream,
    connectTimeoutMs: config.upstreamConnectTimeoutMs,
    maxSessions: config.maxSessions,
    handshakeTimeoutMs: config.handshakeTimeoutMs,
    store,
    capture,
  };
  const relay: Relay = await listening(
    "LISTEN",
    config.listen,
    () => (config.relayThread ? startRelayThread({ ...relayOptions, ringBytes: config.limits.relayRingBytes }) : startRelay(relayOptions)),
    () => db.close(),
  );
  const memory = new MemoryGuard(config.limits.maxMemoryBytes, capture, store).start();
  const faults = new FaultWatch(store.events, () => db.stats()).start();
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
    memory,
    faults,
    // Heartbeats at most half the idle timeout apart, so a client that reads is never idle.
    sse: new SseGate(config.limits.sseMaxClients, config.limits.sseClientMaxBytes, Math.min(HEARTBEAT_MS, config.limits.apiIdleTimeoutSec * 500)),
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
  const app = await listening("API", config.api, () =>
    createApp(svc, [uiRoutes(svc, apiSpec), ...extraRoutes.map((routes) => ({ routes }))]).listen({
      hostname: config.api.host,
      port: config.api.port,
      reusePort: false,
      // Also what ends a stream client that stopped reading: nothing reaches it, so its connection goes idle (streams
      // send a heartbeat to clients that read, at most half this apart).
      idleTimeout: config.limits.apiIdleTimeoutSec,
      maxRequestBodySize: MAX_BODY_BYTES, // bodies without a Content-Length are cut here too (413)
    }),
    async () => {
      await relay.stop();
      memory.stop();
      faults.stop();
      stopUpstreamLog();
      autoReplay.stop();
      await nostr?.stop();
      await db.close();
    },
  );
  const apiPort = app.server?.port ?? config.api.port;
  let stopping: Promise<void> | null = null;
  return {
    ...svc,
    apiPort,
    proxyPort: relay.port,
    routes: () => app.routes.map((r) => ({ method: r.method, path: r.path })),
    /** Safe to call more than once: later calls wait for the first. */
    stop() {
      stopping ??= (async () => {
        await db.beginShutdown(); // sessions live now are saved live: the next start closes them with `restart`
        await relay.stop();
        memory.stop();
        faults.stop();
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
