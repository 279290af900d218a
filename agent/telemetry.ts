/** Builds the telemetry content (docs/nostr.md#telemetry-content) from the agent's state (pure), and publishes it on a timer. */
import { finalizeEvent } from "nostr-tools/pure";
import { SCHEMA, TelemetryContent, telemetryTags, type ConnState, type NostrEvent } from "../src/nostr/events.ts";
import type { JobFacts } from "./pool-client.ts";
import type { JobReport } from "../src/nostr/job-report.ts";
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
  recentJobs?: readonly JobReport[];
  timings?: TelemetryContent["timings"];
  checks?: TelemetryContent["checks"];
  difficulty?: number | null;
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
    recent_jobs: (i.recentJobs ?? []).map((j) => ({ ...j })),
    timings: i.timings ?? null,
    checks: i.checks ?? null,
    difficulty: i.difficulty ?? null,
  };
}

export type TelemetrySink = { publish(event: NostrEvent): void };

/**
 * Telemetry is addressable per agent: a relay keeps one event per (author, kind, d) and, for equal created_at,
 * the one with the lower id, so a second report within the same second may be discarded and never delivered
 * (the last report on SIGTERM usually is). Each report therefore gets a created_at above the previous one;
 * reports that would run more than a second ahead of the clock are skipped (at most one report per second).
 */
export function nextCreatedAt(previous: number | null, nowSec: number, final: boolean): number | null {
  const t = previous === null ? nowSec : Math.max(nowSec, previous + 1);
  return final || t <= nowSec + 1 ? t : null;
}

/** Like buildTelemetryEvent, with a chosen created_at. */
export function signTelemetry(content: TelemetryContent, sk: Uint8Array, kind: number, createdAt: number): NostrEvent {
  const c = TelemetryContent.parse(content);
  return finalizeEvent({ kind, created_at: createdAt, tags: telemetryTags(c.run_id, c.agent_id), content: JSON.stringify(c) }, sk);
}

/** Publishes every `intervalMs` (first one right away so the fleet sees the agent at once). */
export class TelemetryTimer {
  sent = 0;
  /** Reports not sent because the previous one was less than a second ago (intervals below 1 s). */
  skipped = 0;
  private lastCreatedAt: number | null = null;
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
    this.timer = setInterval(() => this.publishNow(false), this.intervalMs);
  }

  publishNow(final = false): TelemetryContent | null {
    const createdAt = nextCreatedAt(this.lastCreatedAt, Math.floor(Date.now() / 1000), final);
    if (createdAt === null) {
      this.skipped++;
      return null;
    }
    try {
      const content = this.current();
      this.sink.publish(signTelemetry(content, this.sk, this.kind, createdAt));
      this.lastCreatedAt = createdAt;
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
