import type { CapturePipeline } from "./capture/ingest";
import type { CaptureStore } from "./capture/store";

/**
 * The process-wide memory ceiling (MAX_MEMORY_MB). RSS and the JS heap in use are sampled a few times a second; past
 * SHED_AT of the ceiling (RSS) capture is shed first: no new bytes are captured (the relay goes on forwarding every
 * byte) and the in-memory capture is cut to half, so history, streams and the database get nothing new meanwhile.
 * Shedding starts below the ceiling because what capture already holds (queues, garbage not yet collected) is freed
 * only over the next seconds: at 60 KiB lines capture allocates ~200 MB/s. The relay is never slowed or stopped.
 *
 * Capture resumes when RSS is below RESUME_AT of the ceiling, or when the JS heap in use (where everything capture
 * holds lives: memory's messages, the write queue, backlogs) is below RESUME_AT of it and shedding has lasted
 * MIN_SHED_MS: RSS rarely falls once the heap grew (the allocator keeps its pages), so waiting for RSS kept a
 * 10,000-miner farm shed for good (RSS 620 MiB against 1024). RSS that stayed up is then the new floor: shedding
 * starts again only when RSS grows MARGIN of the ceiling past it, and always past HARD_AT of it; the first mark holds
 * again once RSS is MARGIN below it.
 */
export type MemoryGuardStats = {
  max_bytes: number;
  rss_bytes: number;
  /** JS heap in use (process.memoryUsage().heapUsed) at the last sample. */
  heap_bytes: number;
  /** RSS past which shedding starts now (SHED_AT of the ceiling, or higher after a resume on the heap). */
  shed_at_bytes: number;
  shedding: boolean;
  /** How often shedding started. */
  shed_episodes: number;
  /** Last time shedding started, ISO 8601 UTC, or null. */
  last_shed_at: string | null;
};

export const SHED_AT = 0.6;
export const RESUME_AT = 0.45;
export const MARGIN = 0.1;
export const HARD_AT = 0.9;
export const MIN_SHED_MS = 5_000;
const SAMPLE_MS = 250;

export type MemorySample = { rss: number; heap: number };
const sampleProcess = (): MemorySample => {
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
};

export class MemoryGuard {
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly s: MemoryGuardStats;
  private shedSince = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly capture: CapturePipeline,
    private readonly store: CaptureStore,
    private readonly log: (line: string) => void = (l) => console.error(l),
    private readonly sample: () => MemorySample = sampleProcess,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.s = {
      max_bytes: maxBytes, rss_bytes: 0, heap_bytes: 0, shed_at_bytes: maxBytes * SHED_AT, shedding: false, shed_episodes: 0, last_shed_at: null,
    };
  }

  start(): this {
    this.timer ??= setInterval(() => this.check(), SAMPLE_MS);
    this.timer.unref?.();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One sample: start or end shedding. */
  check(): void {
    const { rss, heap } = this.sample();
    const s = this.s;
    s.rss_bytes = rss;
    s.heap_bytes = heap;
    if (!s.shedding) {
      // RSS came down after all (well below the first mark, or it would flap around it).
      if (rss < this.maxBytes * (SHED_AT - MARGIN)) s.shed_at_bytes = this.maxBytes * SHED_AT;
      if (rss <= s.shed_at_bytes) return;
      s.shedding = true;
      s.shed_episodes++;
      s.last_shed_at = new Date().toISOString();
      this.shedSince = this.now();
      this.capture.setShedding(true);
      this.store.shrinkTo(this.store.bytes / 2);
      this.log(
        `memory: RSS ${mib(rss)} MiB is past ${mib(s.shed_at_bytes)} MiB (MAX_MEMORY_MB ${mib(this.maxBytes)}): capture is shed (relaying goes on) until RSS is below ${mib(this.maxBytes * RESUME_AT)} MiB or the JS heap (${mib(heap)} MiB) is`,
      );
      return;
    }
    const rssLow = rss < this.maxBytes * RESUME_AT;
    const heapLow = heap < this.maxBytes * RESUME_AT && this.now() - this.shedSince >= MIN_SHED_MS;
    if (!rssLow && !heapLow) return;
    s.shedding = false;
    s.shed_at_bytes = rssLow ? this.maxBytes * SHED_AT : Math.min(this.maxBytes * HARD_AT, Math.max(this.maxBytes * SHED_AT, rss + this.maxBytes * MARGIN));
    this.capture.setShedding(false);
    this.log(`memory: RSS ${mib(rss)} MiB, JS heap ${mib(heap)} MiB: capture resumed (shed again past RSS ${mib(s.shed_at_bytes)} MiB)`);
  }

  stats(): MemoryGuardStats {
    return { ...this.s };
  }
}

const mib = (b: number) => Math.round(b / (1024 * 1024));
