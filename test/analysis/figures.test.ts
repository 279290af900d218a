import { expect, test } from "bun:test";
import { FiguresTracker } from "../../src/analysis/figures";
import type { NotifyAnalysis, SubmitAnalysis } from "../../src/analysis/schema";
import { prng } from "../helpers/net";

const share = (verdict: SubmitAnalysis["verdict"], target: number, difficulty: number): SubmitAnalysis => ({
  type: "submit", verdict, reason: null, hash: "00", difficulty, target_difficulty: target, network_difficulty: 1e12,
  job_id: "j", job_message_id: null, merkle_root: null, pool_result: null, pool_error: null, agrees: null,
});

/**
 * A seeded Poisson stream of valid shares at pool difficulty D from a miner of hashrate H over `windowMs`, ending at
 * `end`, with ~30,000 shares (relative standard error ≈ 0.6%, so 2% is a 3.5σ bound whatever the seed).
 */
function stream(windowMs: number, seed: number) {
  const D = 65536;
  const shares = 30_000;
  const rate = shares / (windowMs / 1000);
  const H = rate * D * 2 ** 32;
  const end = 10_000_000;
  const start = end - windowMs;
  const f = new FiguresTracker(start, Date.now());
  const next = prng(seed);
  let t = start;
  for (let i = 0; i < 3 * shares; i++) {
    t += (-Math.log(1 - next()) / rate) * 1000;
    if (t >= end) break;
    // A share's own difficulty varies (exponential above the target); hashrate counts the job difficulty, as pools do.
    f.submit(share("valid", D, D / (1 - next())), t);
  }
  return { f, H, end };
}

for (const [name, w] of [["1 min", 60_000], ["15 min", 900_000], ["1 h", 3_600_000]] as const)
  test(`hashrate from a seeded share stream over ${name} equals the miner's within 2%`, () => {
    const { f, H, end } = stream(w, w);
    const snap = f.snapshot(end, Date.now());
    const key = w === 60_000 ? "m1" : w === 900_000 ? "m15" : "h1";
    expect(Math.abs(snap.hashrate_hs[key] / H - 1)).toBeLessThan(0.02);
    // Longer windows than the session's age divide by the age, so they read the same.
    expect(Math.abs(snap.hashrate_hs.h1 / H - 1)).toBeLessThan(0.02);
  });

test("invalid shares add no hashrate; the per-minute series and best share follow the stream", () => {
  const { f, H, end } = stream(3_600_000, 1);
  const before = f.hashrate(end, 3_600_000);
  f.submit(share("low_difficulty", 65536, 1), end - 1);
  f.submit(share("duplicate", 65536, 65536), end - 1);
  f.submit(share("stale", 65536, 65536), end - 1);
  expect(f.hashrate(end, 3_600_000)).toBe(before);
  const snap = f.snapshot(end, Date.parse("2026-12-02T01:00:00Z"));
  expect(snap.series.length).toBe(60);
  // The newest point is the minute of buckets ending with the one in progress (here just begun: 50 s covered).
  expect(snap.series[59]!.t).toBe("2026-12-02T00:59:10.000Z");
  // 500 shares per minute: each minute's figure within 20% (≈ 4.5σ).
  for (const p of snap.series.slice(1)) expect(Math.abs(p.hashrate_hs / H - 1)).toBeLessThan(0.2);
  expect(snap.best_share_difficulty!).toBeGreaterThan(65536 * 1000);
});

test("a young session divides by its age, not the window; counts, latency percentiles, job cadence", () => {
  const f = new FiguresTracker(0, Date.parse("2026-12-02T00:00:00Z"));
  f.submit(share("valid", 1, 3), 30_000);
  // 1 share of difficulty 1 in the first 30 s → 2^32/30 H/s in every window.
  expect(f.hashrate(30_000, 3_600_000)).toBeCloseTo(2 ** 32 / 30, 0);
  for (let i = 1; i <= 100; i++) f.latencyOf("mining.submit", i);
  const notify = { type: "notify", new_block: true, clean_jobs: true, pays_worker: { address: "a", pays: false, value_sats: 0, share_of_total: 0 } } as NotifyAnalysis;
  f.notify(notify, 10_000, Date.parse("2026-12-02T00:00:10Z"));
  f.notify({ ...notify, new_block: false, clean_jobs: false, pays_worker: null }, 20_000, Date.parse("2026-12-02T00:00:20Z"));
  f.answer({ ...share("valid", 1, 3), pool_result: "rejected", pool_error: { code: 23, message: "Low difficulty share" }, agrees: false }, 31_000);
  const s = f.snapshot(40_000, Date.parse("2026-12-02T00:00:40Z"));
  expect(s.latency_by_method["mining.submit"]).toMatchObject({ count: 100, p50_ms: 50, p90_ms: 90, p99_ms: 99, sum_ms: 5050 });
  // Histogram buckets are cumulative: ≤1 ms: 1, ≤2: 2, ≤5: 5, ≤10: 10, ≤20: 20, ≤50: 50, ≤100: 100 …
  expect(s.latency_by_method["mining.submit"]!.buckets.slice(0, 8)).toEqual([1, 2, 5, 10, 20, 50, 100, 100]);
  expect(s).toMatchObject({
    submits: 1, by_verdict: { valid: 1 }, by_pool_result: { accepted: 0, rejected: 1 }, rejected_by_reason: { "23 Low difficulty share": 1 },
    disagreements: 1, notifies: 2, clean_jobs: 1, payout_mismatches: 1, last_new_block_at: "2026-12-02T00:00:10.000Z", seconds_since_new_block: 30,
  });
  expect(s.notifies_per_min).toBeCloseTo(2 / (40 / 60), 5);
});
