import { ACCEPTABLE, LATENCY_BUCKETS_MS, type LatencySummary, type MinutePoint, type NotifyAnalysis, type SessionFigures, type SubmitAnalysis } from "./schema";

/**
 * Running figures for one session (docs/analysis.md): hashrate from the difficulty of shares HashScope found valid,
 * counts, latency, job cadence. Bounded: 10-second buckets over the last hour, the last 1000 latencies per method.
 * Pure: every call takes the time (monotonic ms for windows, wall ms for labels).
 */

const BUCKET_MS = 10_000;
const BUCKETS = 360; // one hour
const TWO_32 = 2 ** 32;
const MAX_LATENCIES = 1000;
const MAX_METHODS = 32;

class Latencies {
  readonly recent: number[] = [];
  private next = 0;
  count = 0;
  sum = 0;
  readonly buckets = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);

  add(ms: number): void {
    this.count++;
    this.sum += ms;
    if (this.recent.length < MAX_LATENCIES) this.recent.push(ms);
    else this.recent[this.next] = ms;
    this.next = (this.next + 1) % MAX_LATENCIES;
    let i = LATENCY_BUCKETS_MS.findIndex((b) => ms <= b);
    if (i < 0) i = LATENCY_BUCKETS_MS.length;
    for (let j = i; j < this.buckets.length; j++) this.buckets[j]!++;
  }

  summary(): LatencySummary {
    const sorted = [...this.recent].sort((a, b) => a - b);
    const q = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]! : null);
    return { count: this.count, p50_ms: q(0.5), p90_ms: q(0.9), p99_ms: q(0.99), buckets: [...this.buckets], sum_ms: this.sum };
  }
}

export class FiguresTracker {
  /** Per bucket: its index (absolute, monoMs / BUCKET_MS), summed valid difficulty, accepted and rejected answers. */
  private readonly idx = new Float64Array(BUCKETS).fill(-1);
  private readonly diff = new Float64Array(BUCKETS);
  private readonly acc = new Uint32Array(BUCKETS);
  private readonly rej = new Uint32Array(BUCKETS);
  private readonly notifyTimes: number[] = [];
  private readonly latency = new Map<string, Latencies>();
  private best: number | null = null;
  private submits = 0;
  private readonly byVerdict: Record<string, number> = {};
  private accepted = 0;
  private rejected = 0;
  private readonly byReason: Record<string, number> = {};
  private disagreements = 0;
  private notifies = 0;
  private cleanJobs = 0;
  private payoutMismatches = 0;
  private lastNewBlock: { mono: number; wall: number } | null = null;

  constructor(private readonly startMono: number, private readonly startWall: number) {}

  private bucket(mono: number): number {
    const abs = Math.floor(mono / BUCKET_MS);
    const i = abs % BUCKETS;
    if (this.idx[i] !== abs) {
      this.idx[i] = abs;
      this.diff[i] = 0;
      this.acc[i] = 0;
      this.rej[i] = 0;
    }
    return i;
  }

  submit(a: SubmitAnalysis, mono: number): void {
    this.submits++;
    this.byVerdict[a.verdict] = (this.byVerdict[a.verdict] ?? 0) + 1;
    if (ACCEPTABLE.has(a.verdict) && a.difficulty !== null && Number.isFinite(a.difficulty)) {
      // Hashrate counts the work the share proves at the difficulty it had to reach, as pools do.
      this.diff[this.bucket(mono)]! += a.target_difficulty ?? 1;
      if (this.best === null || a.difficulty > this.best) this.best = a.difficulty;
    }
  }

  answer(a: SubmitAnalysis, mono: number): void {
    const i = this.bucket(mono);
    if (a.pool_result === "accepted") {
      this.accepted++;
      this.acc[i]!++;
    } else if (a.pool_result === "rejected") {
      this.rejected++;
      this.rej[i]!++;
      const reason = `${a.pool_error?.code ?? "-"} ${a.pool_error?.message ?? ""}`.trim().slice(0, 80);
      if (reason in this.byReason || Object.keys(this.byReason).length < MAX_METHODS) this.byReason[reason] = (this.byReason[reason] ?? 0) + 1;
    }
    if (a.agrees === false) this.disagreements++;
  }

  notify(n: NotifyAnalysis, mono: number, wall: number): void {
    this.notifies++;
    if (n.clean_jobs) this.cleanJobs++;
    if (n.new_block) this.lastNewBlock = { mono, wall };
    if (n.pays_worker && !n.pays_worker.pays) this.payoutMismatches++;
    this.notifyTimes.push(mono);
    // Only the last 10 minutes count; bounded in count too.
    if (this.notifyTimes.length > 1000) this.notifyTimes.splice(0, this.notifyTimes.length - 500);
  }

  latencyOf(method: string, ms: number): void {
    let l = this.latency.get(method);
    if (!l) {
      if (this.latency.size >= MAX_METHODS) return;
      this.latency.set(method, (l = new Latencies()));
    }
    l.add(ms);
  }

  /** Hashrate over the last `windowMs` (or the session's age when younger). */
  hashrate(mono: number, windowMs: number): number {
    const now = Math.floor(mono / BUCKET_MS);
    const first = Math.floor((mono - windowMs) / BUCKET_MS) + 1;
    let sum = 0;
    for (let abs = first; abs <= now; abs++) {
      const i = abs % BUCKETS;
      if (this.idx[i] === abs) sum += this.diff[i]!;
    }
    const covered = Math.min(mono - first * BUCKET_MS, mono - this.startMono);
    return covered > 0 ? (sum * TWO_32) / (covered / 1000) : 0;
  }

  private series(mono: number, wall: number): MinutePoint[] {
    const out: MinutePoint[] = [];
    const perMin = 60_000 / BUCKET_MS;
    // Each point is the minute (six buckets) ending with the bucket in progress, so the newest shares show at once;
    // a window younger than a minute (the newest, the session's first) divides by the time it covers.
    const nowAbs = Math.floor(mono / BUCKET_MS);
    for (let m = 59; m >= 0; m--) {
      let d = 0;
      let acc = 0;
      let rej = 0;
      for (let k = 0; k < perMin; k++) {
        const abs = nowAbs - m * perMin - (perMin - 1 - k);
        const i = ((abs % BUCKETS) + BUCKETS) % BUCKETS;
        if (this.idx[i] !== abs) continue;
        d += this.diff[i]!;
        acc += this.acc[i]!;
        rej += this.rej[i]!;
      }
      const startMono = (nowAbs - m * perMin - (perMin - 1)) * BUCKET_MS;
      const covered = Math.min(60_000, mono - startMono, mono - this.startMono, (m + 1) * 60_000);
      out.push({ t: new Date(wall - (mono - startMono)).toISOString(), hashrate_hs: covered > 0 ? (d * TWO_32) / (covered / 1000) : 0, accepted: acc, rejected: rej });
    }
    return out;
  }

  snapshot(mono: number, wall: number): SessionFigures {
    const lastTen = this.notifyTimes.filter((t) => t > mono - 600_000).length;
    const spanMin = Math.min(10, Math.max((mono - this.startMono) / 60_000, 1 / 60));
    return {
      hashrate_hs: { m1: this.hashrate(mono, 60_000), m15: this.hashrate(mono, 900_000), h1: this.hashrate(mono, 3_600_000) },
      best_share_difficulty: this.best,
      submits: this.submits,
      by_verdict: { ...this.byVerdict },
      by_pool_result: { accepted: this.accepted, rejected: this.rejected },
      rejected_by_reason: { ...this.byReason },
      disagreements: this.disagreements,
      latency_by_method: Object.fromEntries([...this.latency].map(([k, l]) => [k, l.summary()])),
      notifies: this.notifies,
      notifies_per_min: lastTen / spanMin,
      clean_jobs: this.cleanJobs,
      last_new_block_at: this.lastNewBlock ? new Date(this.lastNewBlock.wall).toISOString() : null,
      seconds_since_new_block: this.lastNewBlock ? (mono - this.lastNewBlock.mono) / 1000 : null,
      payout_mismatches: this.payoutMismatches,
      series: this.series(mono, wall),
    };
  }

  get startedAt(): number {
    return this.startWall;
  }
}
