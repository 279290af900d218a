import type { Db } from "./open";
import { PendingReplies } from "./pending-replies";
import { startRetention, type RetentionOptions, type RetentionStats } from "./retention";
import { prepareWrites, writeBatch, type Batch, type Writes } from "./statements";
import { encodeBatch } from "./wire";
import type { WorkerReply, WorkerRequest } from "./write-worker";

/** Messages encoded per event-loop turn on the relay's thread (~3 µs each for the farm mix). */
const PIECE = 2_000;

/** Where committed batches go: a worker thread for a database file, this thread for `sqlite::memory:`. */
export interface BatchSink {
  /** Resolves once the batch is committed; rejects with the database's error. */
  write(batch: Batch): Promise<void>;
  retentionStats(): RetentionStats | null;
  close(): Promise<void>;
}

/**
 * Writes on this thread. Only for `sqlite::memory:`, which another thread cannot open: there each batch briefly holds
 * the event loop. Files always use WorkerSink.
 */
export class InlineSink implements BatchSink {
  private readonly writes: Writes;
  private readonly retention: ReturnType<typeof startRetention>;

  constructor(private readonly db: Db, retention: RetentionOptions, retentionIntervalMs?: number) {
    this.writes = prepareWrites(db);
    this.retention = startRetention(db, retention, retentionIntervalMs);
  }

  async write(batch: Batch): Promise<void> {
    writeBatch(this.db, this.writes, batch);
  }

  retentionStats(): RetentionStats {
    return { ...this.retention.stats };
  }

  async close(): Promise<void> {
    this.retention.stop();
  }
}

/**
 * Writes (and retention deletes, which go through the full-text triggers) run on a worker thread with its own
 * connection, so a slow disk or a big batch never holds the relay's event loop. WAL lets this thread read meanwhile.
 */
export class WorkerSink implements BatchSink {
  private readonly worker: Worker;
  private readonly replies = new PendingReplies<void>();
  private retention: RetentionStats | null = null;
  private closed: Promise<void> | null = null;
  private onClosed: (() => void) | null = null;

  /**
   * `script`: the thread's code (SQLite's write-worker.ts, or pg/write-worker.ts, which also takes `instance`), and
   * `encode` how a batch becomes the text it is posted as (both: wire.ts).
   */
  constructor(
    url: string,
    retention: RetentionOptions,
    retentionIntervalMs?: number,
    script = new URL("./write-worker.ts", import.meta.url).href,
    instance?: string,
    private readonly encode: (b: Batch) => string = encodeBatch,
  ) {
    this.worker = new Worker(script);
    this.worker.onmessage = (e: MessageEvent<WorkerReply>) => this.onReply(e.data);
    this.worker.onerror = (e) => this.replies.failAll(new Error(`database writer thread failed: ${e.message}`));
    this.post({ type: "open", url, retention, retentionIntervalMs: retentionIntervalMs ?? null, ...(instance === undefined ? {} : { instance }) });
  }

  private post(req: WorkerRequest): void {
    this.worker.postMessage(req);
  }

  private onReply(r: WorkerReply): void {
    if (r.type === "done") this.replies.settle(r.id, r.error, undefined);
    else if (r.type === "retention") this.retention = r.stats;
    else if (r.type === "closed") this.onClosed?.();
  }

  /**
   * The batch is encoded in pieces of at most PIECE messages, one event-loop turn each (this is the relay's thread),
   * and committed as one transaction: the writer is faster per message in big transactions (each touches an index
   * page for many rows instead of a few), and the relay never waits behind more than one piece.
   */
  async write(batch: Batch): Promise<void> {
    if (this.closed) throw new Error("database writer is closed");
    const parts: string[] = [];
    for (let i = 0; i === 0 || i < batch.msgs.length; i += PIECE) {
      if (i > 0) await new Promise<void>((r) => setImmediate(r));
      const msgs = batch.msgs.slice(i, i + PIECE);
      // Sessions, telemetry and the high-water mark travel with the last piece.
      const last = i + PIECE >= batch.msgs.length;
      parts.push(this.encode(last ? { ...batch, msgs } : { msgs, sess: [], telemetry: [], seqHighWater: 0 }));
    }
    if (this.closed) throw new Error("database writer is closed");
    const [id, done] = this.replies.open();
    this.post({ type: "batch", id, parts });
    return done;
  }

  retentionStats(): RetentionStats | null {
    return this.retention;
  }

  /** Batches already posted are written first (the worker handles messages in order). */
  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 10_000); // never hang a shutdown on a stuck disk
      this.onClosed = () => {
        clearTimeout(timer);
        resolve();
      };
      this.post({ type: "close" });
    }).then(() => this.worker.terminate());
    return this.closed;
  }
}
