/** Builds the SPEC §5 telemetry content from the agent's state (pure), and publishes it on a timer. */
import { SCHEMA, buildTelemetryEvent, type ConnState, type NostrEvent, type TelemetryContent } from "../src/nostr/events.ts";
import type { JobFacts } from "./pool-client.ts";
import type { StatsSnapshot } from "./stats.ts";

export type TelemetryInput = {
  runId: string;
  agentId: string;
  region: string | null;
  target: { host: string; port: number };
  connState: ConnState;
  stats: StatsSnapshot;
  jobs: JobFacts;
  errors: readonly string[];
  ts?: string;
};

export function telemetryContent(i: TelemetryInput): TelemetryContent {
  return {
    schema: SCHEMA,
    run_id: i.runId,
    agent_id: i.agentId,
    region: i.region,
    ts: i.ts ?? new Date().toISOString(),
    pool_target: { host: i.target.host, port: i.target.port },
    conn_state: i.connState,
    stats: { ...i.stats, latency_ms: { ...i.stats.latency_ms }, reject_reasons: { ...i.stats.reject_reasons } },
    jobs: { ...i.jobs },
    errors: i.errors.slice(-10),
  };
}

export type TelemetrySink = { publish(event: NostrEvent): void };

/** Publishes every `intervalMs` (first one right away so the fleet sees the agent at once). */
export class TelemetryTimer {
  sent = 0;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly sink: TelemetrySink,
    private readonly current: () => TelemetryContent,
    private readonly sk: Uint8Array,
    private readonly kind: number,
    private readonly intervalMs: number,
    private readonly log: (line: string) => void = () => {},
  ) {}

  start(): void {
    this.publishNow();
    this.timer = setInterval(() => this.publishNow(), this.intervalMs);
  }

  publishNow(): TelemetryContent | null {
    try {
      const content = this.current();
      this.sink.publish(buildTelemetryEvent(content, this.sk, this.kind));
      this.sent++;
      return content;
    } catch (err) {
      // A schema mismatch is a bug in this program; report it and keep the agent running.
      this.log(`telemetry: not published: ${String(err).slice(0, 300)}`);
      return null;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
