import type { CapturePipeline } from "../capture/ingest";
import type { CaptureStore } from "../capture/store";
import type { ServerConfig } from "../config";
import type { Relay } from "../proxy/relay";

/** What the HTTP layer talks to. Everything with I/O lives behind these. */
export type Services = {
  config: ServerConfig;
  store: CaptureStore;
  capture: CapturePipeline;
  relay: Relay;
  startedAt: string;
  startedMono: number;
};
