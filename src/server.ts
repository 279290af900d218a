import type { Elysia } from "elysia";
import { CapturePipeline } from "./capture/ingest";
import { CaptureStore } from "./capture/store";
import type { ServerConfig } from "./config";
import { createApp } from "./http/app";
import type { Services } from "./http/services";
import { startRelay } from "./proxy/relay";
import { isoNow } from "./time";

export type HashScope = Services & { apiPort: number; proxyPort: number; stop(): Promise<void> };

/** Capture bytes waiting per session before capture drops (the relay never waits for capture). */
const CAPTURE_BACKLOG_BYTES = 4 * 1024 * 1024;

/** Start the proxy and the HTTP server in this process. Ports may be 0 (tests). */
export async function startHashScope(config: ServerConfig, extraRoutes: Elysia[] = []): Promise<HashScope> {
  const store = new CaptureStore({
    maxMessages: config.capture.maxMessages,
    maxPerSession: config.capture.maxPerSession,
    maxSessions: config.capture.maxSessions,
  });
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
  const svc: Services = { config, store, capture, relay, startedAt: isoNow(), startedMono: performance.now() };
  const app = createApp(svc, extraRoutes).listen({
    hostname: config.api.host,
    port: config.api.port,
    reusePort: false,
    idleTimeout: 60,
  });
  const apiPort = app.server?.port ?? config.api.port;
  return {
    ...svc,
    apiPort,
    proxyPort: relay.port,
    async stop() {
      await relay.stop();
      await app.stop(true);
    },
  };
}
