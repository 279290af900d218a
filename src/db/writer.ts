import { matchesFilter, type MessageFilter } from "../capture/query";
import type { MessageRecord, SessionRecord } from "../capture/records";
import type { CaptureStore, StoreEvent } from "../capture/store";
import type { Db } from "./open";
import { prepareWrites, writeBatch, type Writes } from "./statements";

export type WriterOptions = {
  /** Messages waiting to be written; beyond this new ones are dropped (and counted), never waited for. */
  maxQueue: number;
  /** Rows per transaction; between batches the event loop runs, so the relay keeps moving. */
  batchSize: number;
  /** How long a message may wait before a flush starts. */
  flushMs: number;
  /** Live sessions are re-saved this often: their counters change in place without an event. */
  sessionSyncMs: number;
};

export const DEFAULT_WRITER_OPTIONS: WriterOptions = {
  maxQueue: 100_000,
  batchSize: 256,
  flushMs: 100,
  sessionSyncMs: 2_000,
};

export type WriterStats = {
  queued: number;
  written: number;
  dropped: number;
  batches: number;
  failed_batches: number;
  last_error: string | null;
};

/**
 * Persists what the in-memory store captures. It listens to the store's hub (the relay path only pays an array push),
 * and writes batches in transactions from a timer. Sessions change in place, so the latest state of each changed
 * session is upserted with the next batch.
 */
export class CaptureWriter {
  private readonly queue: MessageRecord[] = [];
  private readonly dirty = new Map<string, SessionRecord>();
  private readonly writes: Writes;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private sync: ReturnType<typeof setInterval> | null = null;
  private off: (() => void) | null = null;
  private readonly counts = { written: 0, dropped: 0, batches: 0, failed_batches: 0 };
  private lastError: string | null = null;
  private sessionsFrozen = false;

  constructor(
    private readonly db: Db,
    private readonly store: CaptureStore,
    private readonly opts: WriterOptions = DEFAULT_WRITER_OPTIONS,
  ) {
    this.writes = prepareWrites(db);
  }

  start(): this {
    this.off ??= this.store.events.on((e) => this.onEvent(e));
    this.sync ??= setInterval(() => this.markLiveDirty(), this.opts.sessionSyncMs);
    return this;
  }

  private onEvent(e: StoreEvent): void {
    if (e.type === "session") {
      if (!this.sessionsFrozen) this.dirty.set(e.session.id, e.session);
    }
    else if (this.queue.length >= this.opts.maxQueue) this.counts.dropped++;
    else this.queue.push(e.message);
    this.schedule(this.queue.length >= this.opts.batchSize ? 0 : this.opts.flushMs);
  }

  private schedule(ms: number): void {
    if (this.timer !== null) {
      if (ms > 0) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flushOnce();
      if (this.queue.length > 0 || this.dirty.size > 0) this.schedule(0);
    }, ms);
  }

  private markLiveDirty(): void {
    for (const s of this.store.listSessions("live")) this.dirty.set(s.id, s);
    if (this.dirty.size > 0) this.schedule(this.opts.flushMs);
  }

  /** Write one batch (at most batchSize messages plus every changed session). */
  private flushOnce(): void {
    const msgs = this.queue.splice(0, this.opts.batchSize);
    const sess = [...this.dirty.values()];
    this.dirty.clear();
    if (msgs.length === 0 && sess.length === 0) return;
    try {
      writeBatch(this.db, this.writes, msgs, sess, this.store.lastSeq);
      this.counts.written += msgs.length;
      this.counts.batches++;
    } catch (err) {
      // A failed batch is lost (counted); keeping it would let the queue grow without bound on a broken disk.
      this.counts.failed_batches++;
      this.counts.dropped += msgs.length;
      this.lastError = err instanceof Error ? err.message : String(err);
      if (this.counts.failed_batches === 1) console.error("capture writer: batch failed:", this.lastError);
    }
  }

  /** Write everything queued now (synchronously); with `withLive`, also the current state of every live session. */
  flush(withLive = false): void {
    if (withLive && !this.sessionsFrozen) for (const s of this.store.listSessions("live")) this.dirty.set(s.id, s);
    for (let i = 0; (this.queue.length > 0 || this.dirty.size > 0) && i < 1_000_000; i++) this.flushOnce();
  }

  /**
   * Shutdown: save every session as it is now and ignore later session changes (the closes the shutdown itself causes),
   * so the next start sees them live and closes them with reason `restart`. Messages are still written.
   */
  freezeSessions(): void {
    this.flush(true);
    this.sessionsFrozen = true;
    if (this.sync !== null) clearInterval(this.sync);
    this.sync = null;
  }

  /** Stop listening and write what is queued. */
  stop(): void {
    this.off?.();
    this.off = null;
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.sync !== null) clearInterval(this.sync);
    this.timer = this.sync = null;
    this.flush(true);
  }

  /**
   * Queued (not yet written) messages matching `filter`, newest first, `seq < before`. Memory may already have evicted
   * them, so history reads include the queue: memory ∪ queue ∪ disk is everything not dropped.
   */
  pending(filter: MessageFilter, limit: number, before?: number): MessageRecord[] {
    const out: MessageRecord[] = [];
    for (let i = this.queue.length - 1; i >= 0 && out.length < limit; i--) {
      const m = this.queue[i]!;
      if ((before === undefined || m.seq < before) && matchesFilter(m, filter)) out.push(m);
    }
    return out;
  }

  pendingMessage(id: string): MessageRecord | undefined {
    return this.queue.find((m) => m.id === id);
  }

  stats(): WriterStats {
    return { queued: this.queue.length, ...this.counts, last_error: this.lastError };
  }
}
