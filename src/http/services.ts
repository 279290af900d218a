import type { CapturePipeline } from "../capture/ingest";
import type { CaptureStore } from "../capture/store";
import type { ServerConfig } from "../config";
import type { Relay } from "../proxy/relay";
import type { MemoryGuard } from "../memory-guard";
import type { FaultWatch } from "./faults";
import type { SseGate } from "./sse";
import type { Storage } from "../db/storage";
import type { AutoReplay } from "../mitm/auto-replay";
import type { FleetRegistry } from "../mitm/fleet";
import type { MitmNostr } from "../mitm/nostr";
import type { ReplayService } from "../mitm/replay";

/** What the HTTP layer talks to. Everything with I/O lives behind these. */
export type Services = {
  config: ServerConfig;
  store: CaptureStore;
  capture: CapturePipeline;
  relay: Relay;
  /** MAX_MEMORY_MB: sheds capture when RSS passes it. Absent in tests that build services by hand. */
  memory?: MemoryGuard;
  /** What makes /health say `degraded`. */
  faults?: FaultWatch;
  /** Stream client limits (SSE_MAX_CLIENTS, SSE_CLIENT_MAX_BYTES); absent: none. */
  sse?: SseGate;
  startedAt: string;
  startedMono: number;
  /** Persistent capture (DATABASE_URL): history reads, export, writer counters. */
  db?: Storage;
  /** Replay of captured submits with HashScope's own ids (src/mitm). */
  replay?: ReplayService;
  autoReplay?: AutoReplay;
  /** Present when NOSTR_ENABLED: share publishing and the telemetry subscription. */
  nostr?: MitmNostr;
  /** The agent fleet (telemetry over Nostr); present when NOSTR_ENABLED. */
  fleet?: FleetRegistry;
};
