/**
 * Connection timings of the agent's pool connection, per (re)connect: TCP connect, TLS handshake (stratum+ssl),
 * subscribe and authorize round trips, on the monotonic clock. Each keeps its last `window` values for p50/p90/p99.
 * Submit round trips are in AgentStats (latency_ms).
 */
import type { TelemetryContent } from "../src/nostr/events.ts";
import { percentile } from "./stats.ts";

export type TimingsSnapshot = NonNullable<TelemetryContent["timings"]>;
export type TimingName = keyof TimingsSnapshot;

const NAMES: readonly TimingName[] = ["connect_ms", "tls_handshake_ms", "subscribe_ms", "authorize_ms"];
const round = (n: number): number => Math.round(n * 1000) / 1000;

export class ConnTimings {
  private readonly values = new Map<TimingName, number[]>();
  constructor(private readonly window = 100) {}

  add(name: TimingName, ms: number | null): void {
    if (ms === null || !Number.isFinite(ms) || ms < 0) return;
    const list = this.values.get(name) ?? [];
    list.push(ms);
    if (list.length > this.window) list.shift();
    this.values.set(name, list);
  }

  snapshot(): TimingsSnapshot {
    const one = (name: TimingName) => {
      const list = this.values.get(name) ?? [];
      const sorted = [...list].sort((a, b) => a - b);
      const p = (q: number) => {
        const v = percentile(sorted, q);
        return v === null ? null : round(v);
      };
      return { p50: p(50), p90: p(90), p99: p(99), last: list.length ? round(list[list.length - 1]!) : null, n: list.length };
    };
    return Object.fromEntries(NAMES.map((n) => [n, one(n)])) as TimingsSnapshot;
  }
}
