import type { CapturePipeline } from "./capture/ingest";
import type { CaptureStore } from "./capture/store";

/**
 * The process-wide memory ceiling (MAX_MEMORY_MB). RSS is sampled a few times a second; past SHED_AT of the ceiling
 * capture is shed first: no new bytes are captured (the relay goes on forwarding every byte) and the in-memory capture
 * is cut to half, so history, streams and the database get nothing new until RSS is back below RESUME_AT of it.
 * Shedding starts below the ceiling because what capture already holds (queues, garbage not yet collected) is freed
 * only over the next seconds: at 60 KiB lines capture allocates ~200 MB/s. The relay is never slowed or stopped.
 */
export type MemoryGuardStats = {
  max_bytes: number;
  rss_bytes: number;
  shedding: boolean;
  /** How often shedding started. */
  shed_episodes: number;
  /** Last time shedding started, ISO 8601 UTC, or null. */
  last_shed_at: string | null;
};

export const SHED_AT = 0.6;
export const RESUME_AT = 0.45;
const SAMPLE_MS = 250;

export class MemoryGuard {
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly s: MemoryGuardStats;

  constructor(
    private readonly maxBytes: number,
    private readonly capture: CapturePipeline,
    private readonly store: CaptureStore,
    private readonly log: (line: string) => void = (l) => console.error(l),
    private readonly rss: () => number = () => process.memoryUsage.rss(),
  ) {
    this.s = { max_bytes: maxBytes, rss_bytes: 0, shedding: false, shed_episodes: 0, last_shed_at: null };
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
    const rss = this.rss();
    this.s.rss_bytes = rss;
    if (!this.s.shedding && rss > this.maxBytes * SHED_AT) {
      this.s.shedding = true;
      this.s.shed_episodes++;
      this.s.last_shed_at = new Date().toISOString();
      this.capture.setShedding(true);
      this.store.shrinkTo(this.store.bytes / 2);
      this.log(
        `memory: RSS ${mib(rss)} MiB is past ${SHED_AT * 100} % of MAX_MEMORY_MB (${mib(this.maxBytes)}): capture is shed (relaying goes on) until it is below ${mib(this.maxBytes * RESUME_AT)} MiB`,
      );
    } else if (this.s.shedding && rss < this.maxBytes * RESUME_AT) {
      this.s.shedding = false;
      this.capture.setShedding(false);
      this.log(`memory: RSS ${mib(rss)} MiB, capture resumed`);
    }
  }

  stats(): MemoryGuardStats {
    return { ...this.s };
  }
}

const mib = (b: number) => Math.round(b / (1024 * 1024));
