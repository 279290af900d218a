/**
 * The agent's submit statistics (docs/nostr.md#telemetry-content, `stats`). Pure bookkeeping over the monotonic clock,
 * bounded memory: a latency window for the percentiles, a timestamp ring for the rates, capped reason keys.
 */
import type { TelemetryContent } from "../src/nostr/events";

export type SubmitResult =
  | { kind: "accepted"; latencyMs: number }
  | { kind: "rejected"; latencyMs: number; code: number | null; message: string }
  | { kind: "timeout"; latencyMs: number }
  | { kind: "not_connected" }
  | { kind: "dropped" };

/** The telemetry `stats` object (docs/nostr.md#telemetry-content plus the ignored/not-connected/dropped counts). */
export type StatsSnapshot = TelemetryContent["stats"];

export type StatsOptions = {
  /** Latencies kept for the percentiles (most recent). */
  latencyWindow?: number;
  /** Attempt timestamps kept for the rates; beyond this many per minute the 1-minute rate saturates. */
  rateCapacity?: number;
  /** Distinct reject reason keys; later new reasons are counted under "other". */
  maxReasons?: number;
  now?: () => number;
};

const MAX_ERRORS = 10;
const round = (n: number, places: number): number => Math.round(n * 10 ** places) / 10 ** places;

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** "<code> <message>" as in the telemetry's `reject_reasons` (docs/nostr.md#telemetry-content); a missing code reads "null". */
export const reasonKey = (code: number | null, message: string): string => `${code === null ? "null" : code} ${message}`.slice(0, 200);

export class AgentStats {
  received = 0;
  attempted = 0;
  accepted = 0;
  rejected = 0;
  timeouts = 0;
  notConnected = 0;
  /** Submits not sent because too many were in flight. */
  dropped = 0;
  /** Share events refused by the checks, per reason (bad_signature, wrong_author, wrong_run, ...). */
  readonly ignored: Record<string, number> = {};
  lastLatencyMs: number | null = null;
  readonly reasons: Record<string, number> = {};
  private readonly latencies: number[];
  private latencyNext = 0;
  private latencyCount = 0;
  private readonly attempts: Float64Array;
  private attemptNext = 0;
  private attemptCount = 0;
  private readonly errorList: string[] = [];
  private readonly o: Required<StatsOptions>;

  constructor(opts: StatsOptions = {}) {
    this.o = {
      latencyWindow: opts.latencyWindow ?? 1000,
      rateCapacity: opts.rateCapacity ?? 60_000,
      maxReasons: opts.maxReasons ?? 50,
      now: opts.now ?? (() => performance.now()),
    };
    this.latencies = new Array<number>(this.o.latencyWindow);
    this.attempts = new Float64Array(this.o.rateCapacity);
  }

  shareEvent(): void {
    this.received++;
  }

  ignoredEvent(reason: string): void {
    this.ignored[reason] = (this.ignored[reason] ?? 0) + 1;
  }

  /** A submit was written (or was about to be) to the pool. Counted once per request, before its outcome. */
  attempt(): void {
    this.attempted++;
    this.attempts[this.attemptNext] = this.o.now();
    this.attemptNext = (this.attemptNext + 1) % this.o.rateCapacity;
    this.attemptCount = Math.min(this.attemptCount + 1, this.o.rateCapacity);
  }

  record(r: SubmitResult): void {
    switch (r.kind) {
      case "accepted":
        this.accepted++;
        this.latency(r.latencyMs);
        return;
      case "rejected": {
        this.rejected++;
        this.latency(r.latencyMs);
        let key = reasonKey(r.code, r.message);
        if (this.reasons[key] === undefined && Object.keys(this.reasons).length >= this.o.maxReasons) key = "other";
        this.reasons[key] = (this.reasons[key] ?? 0) + 1;
        return;
      }
      case "timeout":
        // A timeout is not a latency measurement: it would only say "at least the timeout".
        this.timeouts++;
        this.error(`submit timed out after ${Math.round(r.latencyMs)} ms`);
        return;
      case "not_connected":
        this.notConnected++;
        return;
      case "dropped":
        this.dropped++;
        return;
    }
  }

  error(text: string): void {
    this.errorList.push(`${new Date().toISOString()} ${text}`.slice(0, 300));
    if (this.errorList.length > MAX_ERRORS) this.errorList.shift();
  }

  get errors(): string[] {
    return [...this.errorList];
  }

  /** Attempts in the last `windowMs`, divided by the window (not by the age of the oldest, which spikes). */
  rate(windowMs: number): number {
    const now = this.o.now();
    let n = 0;
    for (let i = 1; i <= this.attemptCount; i++) {
      const t = this.attempts[(this.attemptNext - i + this.o.rateCapacity) % this.o.rateCapacity]!;
      if (now - t > windowMs) break; // newest first, so the rest are older
      n++;
    }
    return round(n / (windowMs / 1000), 3);
  }

  snapshot(): StatsSnapshot {
    const window = this.latencies.slice(0, this.latencyCount).sort((a, b) => a - b);
    const p = (q: number) => {
      const v = percentile(window, q);
      return v === null ? null : round(v, 3);
    };
    return {
      share_events_received_total: this.received,
      submits_attempted_total: this.attempted,
      submits_accepted_total: this.accepted,
      submits_rejected_total: this.rejected,
      submits_timeout_total: this.timeouts,
      last_submit_latency_ms: this.lastLatencyMs === null ? null : round(this.lastLatencyMs, 3),
      latency_ms: { p50: p(50), p90: p(90), p99: p(99) },
      submits_per_second_1min: this.rate(60_000),
      submits_per_second_10sec: this.rate(10_000),
      reject_reasons: { ...this.reasons },
      share_events_ignored: { ...this.ignored },
      submits_not_connected_total: this.notConnected,
      submits_dropped_total: this.dropped,
    };
  }

  private latency(ms: number): void {
    this.lastLatencyMs = ms;
    this.latencies[this.latencyNext] = ms;
    this.latencyNext = (this.latencyNext + 1) % this.o.latencyWindow;
    this.latencyCount = Math.min(this.latencyCount + 1, this.o.latencyWindow);
  }
}
