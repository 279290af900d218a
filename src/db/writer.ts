import { matchesFilter, type MessageFilter } from "../capture/query";
import type { MessageRecord } from "../capture/records";
import type { SessionView } from "../sessions/record";
import type { CaptureStore, StoreEvent } from "../capture/store";
import type { TelemetryRow } from "./session-rows";
import { SessionSaves } from "./session-saves";
import type { BatchSink } from "./sink";

export type WriterOptions = {
  /** Messages waiting to be written; beyond this new ones are dropped (and counted), never waited for. */
  maxQueue: number;
  /** The same bound in bytes (estimated, see queuedBytesOf): the one that matters for memory. DB_QUEUE_MAX_BYTES. */
  maxQueueBytes: number;
  /** Rows per transaction (committed on the writer thread; see sink.ts). */
  batchSize: number;
  /** How long a message (or a session change) may wait before a flush starts. */
  flushMs: number;
  /** A live session whose counters alone moved is saved at most this often (session-saves.ts). */
  countersSaveMs: number;
};

export const DEFAULT_WRITER_OPTIONS: WriterOptions = {
  maxQueue: 1_000_000,
  maxQueueBytes: 64 * 1024 * 1024,
  // Sinks on a thread of their own encode a batch in pieces (sink.ts); one transaction for up to 8,000 messages
  // writes ~10 % faster than for 2,000 (bench/db.ts).
  batchSize: 8_000,
  flushMs: 100,
  countersSaveMs: 30_000,
};

export type WriterStats = {
  queued: number;
  /** Estimated bytes held by the queue (and the batch being committed). */
  queued_bytes: number;
  max_queued_bytes: number;
  written: number;
  dropped: number;
  batches: number;
  failed_batches: number;
  last_error: string | null;
};

/**
 * What a queued record costs in memory, estimated: the raw line, its parsed JSON (about as big again) and the record's
 * other fields and decoded object. An estimate, but proportional to what the queue really holds.
 */
export const queuedBytesOf = (m: MessageRecord): number => 2 * m.size_bytes + 400;

/**
 * Persists what the in-memory store captures. It listens to the store's hub (the relay path only pays an array push),
 * and hands batches to the sink, one in flight at a time. Every change to a session is an event (src/sessions/; counter
 * changes already coalesced there to one per session per turn), so a changed session is upserted once with the next
 * batch, however often it changed meanwhile (a live session's counters alone at most once per countersSaveMs:
 * session-saves.ts); nothing re-saves sessions that did not change.
 */
export class CaptureWriter {
  private readonly queue: MessageRecord[] = [];
  /** Sessions changed since the last batch was taken: each is written once, as it is when the batch goes. */
  private readonly saves: SessionSaves;
  /** Agent telemetry reports waiting to be written (bounded like the message queue). */
  private telemetry: TelemetryRow[] = [];
  /** The batch the sink is committing: still readable (pending) until it is on disk. */
  private inflight: MessageRecord[] | null = null;
  private inflightDone: Promise<void> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** When `timer` fires (monotonic ms). */
  private timerAt = 0;
  private off: (() => void) | null = null;
  private readonly counts = { written: 0, dropped: 0, batches: 0, failed_batches: 0 };
  private queuedBytes = 0;
  private inflightBytes = 0;
  private lastError: string | null = null;
  private sessionsFrozen = false;

  constructor(
    private readonly sink: BatchSink,
    private readonly store: CaptureStore,
    private readonly opts: WriterOptions = DEFAULT_WRITER_OPTIONS,
  ) {
    this.saves = new SessionSaves(opts.countersSaveMs);
  }

  start(): this {
    this.off ??= this.store.events.on((e) => this.onEvent(e));
    return this;
  }

  private onEvent(e: StoreEvent): void {
    if (e.type === "session") {
      if (!this.sessionsFrozen) this.saves.changed(e.session, e.change, performance.now());
    }
    else {
      const bytes = queuedBytesOf(e.message);
      if (this.queue.length >= this.opts.maxQueue || this.queuedBytes + this.inflightBytes + bytes > this.opts.maxQueueBytes)
        this.counts.dropped++;
      else {
        this.queue.push(e.message);
        this.queuedBytes += bytes;
      }
    }
    this.schedule(this.queue.length >= this.opts.batchSize ? 0 : this.opts.flushMs);
  }

  private hasWork(): boolean {
    return this.queue.length > 0 || this.saves.size > 0 || this.telemetry.length > 0;
  }

  /** Queue one verified agent telemetry report for the next batch. */
  addTelemetry(row: TelemetryRow): void {
    if (this.telemetry.length >= this.opts.maxQueue) this.counts.dropped++;
    else this.telemetry.push(row);
    this.schedule(this.opts.flushMs);
  }

  /** A flush in `ms`, unless one is due sooner already. */
  private schedule(ms: number): void {
    const at = performance.now() + ms;
    if (this.timer !== null) {
      if (ms > 0 && at >= this.timerAt) return;
      clearTimeout(this.timer);
    }
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flushOnce();
    }, ms);
  }

  /**
   * Send one batch (at most batchSize messages plus every changed session) unless one is in flight; when it is
   * committed, the next one follows at once if anything is waiting.
   */
  private flushOnce(): Promise<void> {
    if (this.inflightDone) return this.inflightDone;
    const msgs = this.queue.splice(0, this.opts.batchSize);
    const telemetry = this.telemetry;
    this.telemetry = [];
    // Both sinks copy the rows as they take them (postMessage clones), so in-place changes later do not leak in.
    const now = performance.now();
    const sess = this.saves.take(now);
    if (msgs.length === 0 && sess.length === 0 && telemetry.length === 0) {
      this.scheduleDeferred(now);
      return Promise.resolve();
    }
    let bytes = 0;
    for (const m of msgs) bytes += queuedBytesOf(m);
    this.queuedBytes -= bytes;
    this.inflightBytes = bytes;
    this.inflight = msgs;
    this.inflightDone = this.sink
      .write({ msgs, sess, telemetry, seqHighWater: this.store.lastSeq })
      .then(
        () => {
          this.counts.written += msgs.length;
          this.counts.batches++;
        },
        (err: unknown) => {
          // A failed batch is lost (counted); keeping it would let the queue grow without bound on a broken disk.
          this.counts.failed_batches++;
          this.counts.dropped += msgs.length;
          this.lastError = err instanceof Error ? err.message : String(err);
          if (this.counts.failed_batches === 1) console.error("capture writer: batch failed:", this.lastError);
        },
      )
      .finally(() => {
        this.inflight = null;
        this.inflightBytes = 0;
        this.inflightDone = null;
        if (this.hasWork()) this.schedule(this.queue.length >= this.opts.batchSize ? 0 : this.opts.flushMs);
        else this.scheduleDeferred(performance.now());
      });
    return this.inflightDone;
  }

  /** A flush when a deferred counters save falls due (nothing else would start one if no other change comes). */
  private scheduleDeferred(nowMs: number): void {
    const due = this.sessionsFrozen ? null : this.saves.nextDueMs(nowMs);
    if (due !== null) this.schedule(due);
  }

  /**
   * Write everything queued now, with the counter changes not yet sent (they go out on the next turn otherwise); with
   * `withLive`, also every live session as it is (export and shutdown: sessions opened before the writer listened too).
   */
  async flush(withLive = false): Promise<void> {
    this.store.sessions.flushCounters();
    if (withLive && !this.sessionsFrozen) for (const s of this.store.listSessions("live")) this.saves.add(s);
    for (let i = 0; (this.inflightDone || this.hasWork()) && i < 1_000_000; i++)
      await this.flushOnce();
  }

  /**
   * Shutdown: save every session as it is now and ignore later session changes (the closes the shutdown itself causes),
   * so the next start sees them live and closes them with reason `restart`. Messages are still written.
   */
  async freezeSessions(): Promise<void> {
    const done = this.flush(true);
    this.sessionsFrozen = true;
    await done;
  }

  /** Stop listening and write what is queued. */
  async stop(): Promise<void> {
    this.off?.();
    this.off = null;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.flush(true);
  }

  /**
   * Queued (not yet written) messages matching `filter`, newest first, `seq < before`. Memory may already have evicted
   * them, so history reads include the queue: memory ∪ queue ∪ disk is everything not dropped.
   */
  pending(filter: MessageFilter, limit: number, before?: number): MessageRecord[] {
    const out: MessageRecord[] = [];
    for (const list of [this.queue, this.inflight ?? []])
      for (let i = list.length - 1; i >= 0 && out.length < limit; i--) {
        const m = list[i]!;
        if ((before === undefined || m.seq < before) && matchesFilter(m, filter)) out.push(m);
      }
    return out;
  }

  /** Oldest first, `seq > after`. */
  pendingSince(filter: MessageFilter, after: number, limit: number): MessageRecord[] {
    const out: MessageRecord[] = [];
    for (const list of [this.inflight ?? [], this.queue])
      for (let i = 0; i < list.length && out.length < limit; i++) {
        const m = list[i]!;
        if (m.seq > after && matchesFilter(m, filter)) out.push(m);
      }
    return out;
  }

  pendingMessage(id: string): MessageRecord | undefined {
    return this.queue.find((m) => m.id === id) ?? this.inflight?.find((m) => m.id === id);
  }

  stats(): WriterStats {
    return {
      queued: this.queue.length + (this.inflight?.length ?? 0),
      queued_bytes: this.queuedBytes + this.inflightBytes,
      max_queued_bytes: this.opts.maxQueueBytes,
      ...this.counts,
      last_error: this.lastError,
    };
  }
}
