import { paramsOf } from "../stratum/json";
import type { CaptureStore } from "../capture/store";
import { autoReplayOff, type AutoReplaySetting } from "../sessions/record";
import { ReplayError, type ReplayService } from "./replay";

/**
 * Auto-replay (load testing): each miner `mining.submit` captured on a session with auto-replay on (the switch is on
 * the session record, `auto_replay`, set through src/sessions/switches.ts) is re-sent `count` times with HashScope's own ids. It runs from the store's event hub (after capture, so after the miner's
 * line was forwarded), through a bounded queue and a bounded number of concurrent replays.
 */

export type AutoReplayOptions = { concurrency?: number; maxQueue?: number };

type Job = { sessionId: string; params: unknown[] };

export class AutoReplay {
  private readonly queue: Job[] = [];
  private running = 0;
  private readonly concurrency: number;
  private readonly maxQueue: number;
  private off: (() => void) | null = null;
  readonly counters = { queued: 0, sent: 0, accepted: 0, rejected: 0, failed: 0, dropped: 0 };

  constructor(
    private readonly store: CaptureStore,
    private readonly replay: ReplayService,
    opts: AutoReplayOptions = {},
  ) {
    this.concurrency = opts.concurrency ?? 4;
    this.maxQueue = opts.maxQueue ?? 10_000;
  }

  start(): void {
    this.off ??= this.store.events.on((ev) => {
      if (ev.type === "session") return;
      const m = ev.message;
      if (m.direction !== "miner_to_pool" || m.kind !== "request" || m.method !== "mining.submit") return;
      const session = this.store.getSession(m.session_id);
      const s = session?.auto_replay;
      const params = paramsOf(m.json);
      if (!s?.enabled || session?.state !== "live" || !Array.isArray(params)) return;
      for (let i = 0; i < s.count; i++) {
        if (this.queue.length >= this.maxQueue) {
          this.counters.dropped += s.count - i;
          break;
        }
        this.queue.push({ sessionId: m.session_id, params });
        this.counters.queued++;
      }
      this.pump();
    });
  }

  stop(): void {
    this.off?.();
    this.off = null;
    this.counters.dropped += this.queue.length;
    this.queue.length = 0;
  }

  /** A session's switch as it is on its record (off for an unknown session). */
  get(sessionId: string): AutoReplaySetting {
    const s = this.store.getSession(sessionId)?.auto_replay;
    return s ? { enabled: s.enabled, count: s.count } : autoReplayOff();
  }

  get pending(): number {
    return this.queue.length + this.running;
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length) {
      const job = this.queue.shift()!;
      this.running++;
      void this.run(job).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async run(job: Job): Promise<void> {
    // A session that closed meanwhile: its queued repeats are dropped, not sent elsewhere.
    if (this.store.getSession(job.sessionId)?.state !== "live") {
      this.counters.dropped++;
      return;
    }
    try {
      const r = await this.replay.send(job.sessionId, job.params);
      this.counters.sent++;
      if (r.ok) this.counters.accepted++;
      else this.counters.rejected++;
    } catch (err) {
      if (err instanceof ReplayError) this.counters.failed++;
      else throw err;
    }
  }
}
