import type { MessageFilter } from "../capture/query";
import type { MessageRecord, SessionRecord } from "../capture/records";
import type { CaptureStore } from "../capture/store";
import type { FleetRegistry } from "../mitm/fleet";
import { isoNow } from "../time";
import { listedAfter, mergeBySeq, mergeSessions } from "./merge";
import { describeOpenError, openDatabase, parseDatabaseUrl, type Db } from "./open";
import { InlineReads, WorkerReads, type DiskReads } from "./disk-reads";
import * as reader from "./reader";
import { ConfigError } from "../env";
import { exportStream } from "./export";
import { isPostgresUrl } from "./pg/open";
import { openPgBackend } from "./pg/backend";
import { lockDatabaseFile, type RunLock } from "./run-lock";
import { markClosed, markOpen } from "./run-mark";
import type { RetentionOptions } from "./retention";
import { InlineSink, WorkerSink, type BatchSink } from "./sink";
import { CaptureWriter, DEFAULT_WRITER_OPTIONS, type WriterOptions, type WriterStats } from "./writer";

export type StorageOptions = {
  url: string;
  retention: RetentionOptions;
  writer?: Partial<WriterOptions>;
  retentionIntervalMs?: number;
  /** This instance's name (INSTANCE_ID): on every PostgreSQL row, and what the `instance` filter compares with. */
  instanceId?: string;
  /** PostgreSQL seqs per block (pg/backend.ts SEQ_BLOCK); smaller only in tests, on a database of their own. */
  seqBlock?: number;
};

/** The history filters, plus `instance` (PostgreSQL rows carry the instance that wrote them; SQLite has only this one). */
export type HistoryFilter = MessageFilter & { instance?: string };


/**
 * After a crash, seq jumps this far past the last one on disk. Seqs handed out after the last committed batch (still
 * queued, or dropped at the queue's bound) were never recorded, and browsers and API clients may have seen them; the
 * high-water mark is committed with every batch (at least every flush interval while sessions are live), so only a
 * writer stalled for 1,000,000 messages could still lead to reuse.
 */
export const CRASH_SEQ_GAP = 1_000_000;

export type StorageStats = {
  /** The write queue in bytes and its bound (DB_QUEUE_MAX_BYTES), what it dropped, and writer failures. */
  queued_bytes: number;
  max_queued_bytes: number;
  dropped: number;
  write_failures: number;
  last_write_error: string | null;
  writer: WriterStats | null;
  retention: { runs: number; deleted_messages: number; deleted_sessions: number; last_run_at: string | null } | null;
  recovered_sessions: number;
  recovered_from_crash: boolean;
  /** Messages not kept because this run's seq block ran out before the next came (PostgreSQL; see attach). */
  seq_exhausted: number;
};

/**
 * The database behind the capture: opened and recovered before the store exists (so `seq` continues), then attached
 * to the store (writer + retention). The read methods merge memory and disk, so callers see one history.
 */
export class Storage {
  private writer: CaptureWriter | null = null;
  private sink: BatchSink | null = null;
  private store: CaptureStore | null = null;
  private offSeqWatch: (() => void) | null = null;

  /** History reads: on a reader thread for a SQLite file, this thread for PostgreSQL (see disk-reads.ts). */
  private readonly reads: DiskReads;

  private constructor(
    private readonly backend: StorageBackend,
    private readonly opts: StorageOptions,
    /** The seq the next message gets: never one handed out before. */
    readonly firstSeq: number,
    /** Sessions that were live when the previous run stopped, now closed with reason `restart`. */
    readonly recoveredSessions: number,
    /** The previous run ended without closing the database (killed or crashed). */
    readonly recoveredFromCrash: boolean,
  ) {
    this.reads = backend.reads;
  }

  /** The SQLite database (tests, tools); PostgreSQL storage has none. */
  get db(): Db {
    if (this.backend.sqlite === null) throw new Error("not a SQLite database");
    return this.backend.sqlite;
  }

  /** Which database kind this is. */
  get kind(): "sqlite" | "postgres" {
    return this.backend.sqlite === null ? "postgres" : "sqlite";
  }

  /** Open SQLite or PostgreSQL by the URL's scheme (PostgreSQL connects, so this is async). */
  static async connect(opts: StorageOptions): Promise<Storage> {
    if (!isPostgresUrl(opts.url)) return Storage.open(opts);
    const pg = await openPgBackend(opts.url, opts.instanceId ?? "hashscope", opts.seqBlock);
    return new Storage(pg.backend, opts, pg.firstSeq, pg.recoveredSessions, pg.recoveredFromCrash);
  }

  /** Throws a ConfigError naming DATABASE_URL when the database cannot be used (bad path, not a database, in use). */
  static open(opts: StorageOptions): Storage {
    let file: string;
    try {
      file = parseDatabaseUrl(opts.url);
    } catch (err) {
      throw new ConfigError("DATABASE_URL", describeOpenError(err));
    }
    const lock = file === ":memory:" ? "memory" : lockDatabaseFile(file);
    if (lock === "held")
      throw new ConfigError("DATABASE_URL", `${file} is in use by another HashScope or an import (${file}.lock is held)`);
    if (lock instanceof Error) throw new ConfigError("DATABASE_URL", `${file}: ${describeOpenError(lock)}`);
    return Storage.openLocked(opts, file, lock === "memory" ? null : lock);
  }

  private static openLocked(opts: StorageOptions, file: string, lock: RunLock | null): Storage {
    try {
      const db = openDatabase(opts.url);
      const crashed = markOpen(db);
      const recovered = closeLiveSessions(db);
      const firstSeq = reader.lastSeq(db) + 1 + (crashed ? CRASH_SEQ_GAP : 0);
      return new Storage(sqliteBackend(db, opts.url, lock), opts, firstSeq, recovered, crashed);
    } catch (err) {
      lock?.release();
      throw new ConfigError("DATABASE_URL", `${file}: ${describeOpenError(err)}`);
    }
  }

  attach(store: CaptureStore): void {
    this.store = store;
    this.sink = this.backend.openSink(this.opts.retention, this.opts.retentionIntervalMs);
    this.writer = new CaptureWriter(this.sink, store, { ...DEFAULT_WRITER_OPTIONS, ...this.opts.writer }).start();
    const blocks = this.backend.seqBlocks;
    if (blocks) {
      // A run hands out seqs from its block only; the next block is taken when half of this one is used, so it is
      // there long before the end (a message that finds no seq left is counted, store.seqExhausted).
      store.limitSeqs(this.firstSeq + blocks.size - 1);
      let taking = false;
      this.offSeqWatch = store.events.on((e) => {
        if (e.type !== "message" || taking) return;
        const { left, nextReady } = store.seqsLeft;
        if (nextReady || left > blocks.size / 2) return;
        taking = true;
        blocks
          .next()
          .then((first) => store.extendSeqs(first, first + blocks.size - 1))
          .catch((err: unknown) => console.error("storage: could not take the next seq block:", err instanceof Error ? err.message : String(err)))
          .finally(() => (taking = false));
      });
    }
  }

  /** Keep every verified agent telemetry report (the fleet page shows only the latest per agent). */
  attachFleet(fleet: FleetRegistry): void {
    fleet.reports.on((r) =>
      this.writer?.addTelemetry({
        event_id: r.event_id,
        agent_id: r.content.agent_id,
        run_id: r.content.run_id,
        ts: r.content.ts,
        received_at: r.received_at,
        content: r.content,
      }),
    );
  }

  /** Write what is queued (export and tests want everything on disk). */
  async flush(): Promise<void> {
    await this.writer?.flush(true);
  }

  // Reads: memory and the write queue are taken first (synchronously), then the disk is asked (asynchronously, off
  // this thread for a file). Whatever is committed meanwhile was in the queue when it was taken, so nothing falls between.

  /** This instance's name (INSTANCE_ID). */
  get instanceId(): string {
    return this.opts.instanceId ?? "hashscope";
  }

  /**
   * How to answer an `instance` filter: memory and the queue hold only this instance's messages; SQLite holds only
   * this instance's, so another instance there has nothing; PostgreSQL filters its rows by the column.
   */
  private scope(instance: string | undefined): { local: boolean; disk: boolean } {
    if (instance === undefined) return { local: true, disk: true };
    const own = instance === this.instanceId;
    return { local: own, disk: own || this.kind === "postgres" };
  }

  async messages(filter: HistoryFilter, limit: number, before?: number): Promise<MessageRecord[]> {
    const sc = this.scope(filter.instance);
    const mem = sc.local ? (this.store?.query(filter, limit, before) ?? []) : [];
    const queued = sc.local ? (this.writer?.pending(filter, limit, before) ?? []) : [];
    const disk = sc.disk ? await this.reads.queryMessages(this.diskFilter(filter), limit, before) : [];
    return mergeBySeq(mergeBySeq(mem, queued, limit, "newest"), disk, limit, "newest");
  }

  /** Oldest first, `seq > after`: what a live view missed, even from before a restart. */
  async since(filter: HistoryFilter, after: number, limit: number): Promise<MessageRecord[]> {
    const sc = this.scope(filter.instance);
    const mem = sc.local ? (this.store?.since(filter, after, limit) ?? []) : [];
    const queued = sc.local ? (this.writer?.pendingSince(filter, after, limit) ?? []) : [];
    const disk = sc.disk ? await this.reads.messagesAfter(this.diskFilter(filter), after, limit) : [];
    return mergeBySeq(mergeBySeq(mem, queued, limit, "oldest"), disk, limit, "oldest");
  }

  /** SQLite rows have no instance column (they are all this instance's): the key is dropped there. */
  private diskFilter(filter: HistoryFilter): HistoryFilter {
    if (this.kind === "postgres" || filter.instance === undefined) return filter;
    const { instance: _i, ...rest } = filter;
    return rest;
  }

  async message(id: string): Promise<MessageRecord | undefined> {
    return this.store?.getMessage(id) ?? this.writer?.pendingMessage(id) ?? (await this.reads.getMessage(id));
  }

  /** Newest first, at most `limit`, after the session `before` when given; only `instance`'s when given. */
  async sessions(state: "live" | "closed" | "all", limit: number, before?: SessionRecord, instance?: string): Promise<SessionRecord[]> {
    const sc = this.scope(instance);
    const memIds = new Set(this.store?.listSessions("all").map((s) => s.id));
    const mem = sc.local ? (this.store?.listSessions(state) ?? []).filter((s) => !before || listedAfter(s, before)) : [];
    const pgInstance = this.kind === "postgres" ? instance : undefined;
    const disk = sc.disk ? await this.reads.listSessions(state, limit + memIds.size, before, pgInstance) : [];
    // The disk copy of a session still in memory may be stale (e.g. "live"); only memory's state counts for those.
    return mergeSessions(mem, disk.filter((s) => !memIds.has(s.id))).slice(0, limit);
  }

  async session(id: string): Promise<SessionRecord | undefined> {
    return this.store?.getSession(id) ?? (await this.reads.getSession(id));
  }

  storedMessageCount(sessionId: string): Promise<number> {
    return this.reads.sessionMessageCount(sessionId);
  }

  stats(): StorageStats {
    const r = this.sink?.retentionStats();
    const w = this.writer?.stats() ?? null;
    return {
      queued_bytes: w?.queued_bytes ?? 0,
      max_queued_bytes: w?.max_queued_bytes ?? { ...DEFAULT_WRITER_OPTIONS, ...this.opts.writer }.maxQueueBytes,
      dropped: w?.dropped ?? 0,
      write_failures: w?.failed_batches ?? 0,
      last_write_error: w?.last_error ?? null,
      writer: w,
      retention: r ? { ...r } : null,
      recovered_sessions: this.recoveredSessions,
      recovered_from_crash: this.recoveredFromCrash,
      seq_exhausted: this.store?.seqExhausted ?? 0,
    };
  }

  /** Call first when shutting down: see CaptureWriter.freezeSessions. */
  async beginShutdown(): Promise<void> {
    await this.writer?.freezeSessions();
  }

  /** Stop background work, write what is queued, close the file. Live sessions stay open on disk (next start: `restart`). */
  async close(): Promise<void> {
    this.offSeqWatch?.();
    await this.writer?.stop();
    await this.sink?.close();
    await this.reads.close();
    await this.backend.close(this.store?.lastSeq ?? null);
  }

  /** JSON Lines export of one session or all (export.ts format). */
  exportStream(sessionId?: string): ReadableStream<Uint8Array> {
    return this.backend.exportStream(sessionId);
  }
}

/** What differs between SQLite and PostgreSQL behind Storage. */
export interface StorageBackend {
  readonly reads: DiskReads;
  openSink(retention: RetentionOptions, intervalMs?: number): BatchSink;
  exportStream(sessionId?: string): ReadableStream<Uint8Array>;
  /** Record a clean close and release the database. */
  close(lastSeq: number | null): Promise<void>;
  /** The SQLite database; null on PostgreSQL. */
  readonly sqlite: Db | null;
  /** PostgreSQL: seq blocks of `size`, the next one taken with `next` (its first seq). */
  readonly seqBlocks?: { size: number; next(): Promise<number> };
}

/** `sqlite::memory:` exists only on this thread's connection, so it is read and written here; a file from workers. */
function sqliteBackend(db: Db, url: string, lock: RunLock | null): StorageBackend {
  const memory = parseDatabaseUrl(url) === ":memory:";
  return {
    sqlite: db,
    reads: memory ? new InlineReads(db) : new WorkerReads(url),
    openSink: (retention, intervalMs) =>
      memory ? new InlineSink(db, retention, intervalMs) : new WorkerSink(url, retention, intervalMs),
    exportStream: (sessionId) => exportStream(db, sessionId),
    async close(lastSeq) {
      markClosed(db, lastSeq);
      db.$client.close();
      lock?.release();
    },
  };
}

/** Mark sessions the previous run left open as closed by the restart. Their last sign of life is their end. */
export function closeLiveSessions(db: Db, now = isoNow()): number {
  return db.$client.run(
    `UPDATE sessions SET state = 'closed', closed_at = coalesce(last_seen, ?), close_reason = 'restart',
       close_detail = 'HashScope stopped while the session was live' WHERE closed_at IS NULL`,
    [now],
  ).changes;
}
