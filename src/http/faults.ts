import { field, stringField } from "../stratum/json";
import type { Hub } from "../capture/hub";
import type { StoreEvent } from "../capture/store";

/**
 * What /health reports as `degraded`, and why. Each fault is watched here from counters other parts already keep, so
 * those parts stay as they are: database writes failing (storage stats; the names the storage layer exposes may be
 * `write_failures`/`last_write_error` or the writer's older `failed_batches`/`last_error`: both are read), capture
 * shedding under MAX_MEMORY_MB, and the pool unreachable for every recent session.
 */

/** A fault counts as recent for this long after it was last seen. */
export const RECENT_MS = 60_000;
/** Sessions looked at for "pool unreachable": all of the last ones (at least this many, within RECENT_MS) failed. */
const POOL_SESSIONS = 3;

const num = (o: unknown, key: string): number | undefined => {
  const v = field(o, key);
  return typeof v === "number" ? v : undefined;
};
const str = stringField;

/** The database writer's counters, read from whichever names the storage stats carry (top level or `writer`). */
export type WriterView = {
  queued: number | null;
  queued_bytes: number | null;
  max_queued_bytes: number | null;
  dropped: number | null;
  write_failures: number;
  last_write_error: string | null;
};

export function writerView(storageStats: unknown): WriterView | null {
  if (!storageStats || typeof storageStats !== "object") return null;
  const w = field(storageStats, "writer");
  const pick = (k: string) => num(storageStats, k) ?? num(w, k);
  if (w == null && pick("write_failures") === undefined) return null;
  return {
    queued: pick("queued") ?? null,
    queued_bytes: pick("queued_bytes") ?? null,
    max_queued_bytes: pick("max_queued_bytes") ?? null,
    dropped: pick("dropped") ?? null,
    write_failures: pick("write_failures") ?? pick("failed_batches") ?? 0,
    last_write_error: str(storageStats, "last_write_error") ?? str(w, "last_write_error") ?? str(w, "last_error"),
  };
}

export class FaultWatch {
  private failures = 0;
  private failureSeenMs = Number.NEGATIVE_INFINITY;
  private readonly outcomes: { ok: boolean; atMs: number }[] = [];
  private readonly seen = new Set<string>();
  private readonly off: () => void;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    events: Hub<StoreEvent>,
    private readonly storageStats: () => unknown = () => null,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.off = events.on((e) => {
      // Only a session's outcome counts (it went live, or it ended): its other changes (counters, facts) say nothing new.
      if (e.type !== "session" || (e.change.kind !== "live" && e.change.kind !== "closed") || this.seen.has(e.session.id)) return;
      const ok = e.session.state === "live";
      const failed = e.session.close_reason === "upstream_failed";
      if (!ok && !failed) return;
      this.seen.add(e.session.id);
      if (this.seen.size > 1000) this.seen.clear(); // bounded; a session seen twice only repeats its outcome
      this.outcomes.push({ ok, atMs: this.now() });
      if (this.outcomes.length > POOL_SESSIONS) this.outcomes.shift();
    });
  }

  /** Sample the writer's failure count every `everyMs`, so "recent" is known between /health calls. */
  start(everyMs = 1000): this {
    this.timer ??= setInterval(() => this.sampleWriter(this.writer()), everyMs);
    this.timer.unref?.();
    return this;
  }

  writer(): WriterView | null {
    return writerView(this.storageStats());
  }

  private sampleWriter(view: WriterView | null): void {
    if (!view) return;
    if (view.write_failures > this.failures) this.failureSeenMs = this.now();
    this.failures = view.write_failures;
  }

  /** The reasons the service is degraded now; empty when it is ok. */
  reasons(shedding: boolean): string[] {
    const view = this.writer();
    this.sampleWriter(view);
    const out: string[] = [];
    const t = this.now();
    if (t - this.failureSeenMs < RECENT_MS)
      out.push(`database writes failing${view?.last_write_error ? `: ${view.last_write_error}` : ""}`);
    if (shedding) out.push("capture shedding: memory near MAX_MEMORY_MB (relaying goes on)");
    const recent = this.outcomes.filter((o) => t - o.atMs < RECENT_MS);
    if (recent.length >= POOL_SESSIONS && recent.every((o) => !o.ok)) out.push("pool unreachable for all recent sessions");
    return out;
  }

  stop(): void {
    this.off();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
