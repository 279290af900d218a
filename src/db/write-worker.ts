/// <reference lib="webworker" />
import { openDatabase, type Db } from "./open";
import { startRetention, type RetentionOptions, type RetentionStats } from "./retention";
import { prepareWrites, writeWireBatch, type Writes } from "./statements";
import { decodeBatch, joinBatches } from "./wire";

/** The database writer thread: batches in, one transaction each, an answer per batch (see sink.ts). */

export type WorkerRequest =
  /** `instance`: PostgreSQL's writer (pg/write-worker.ts) stamps it on every row. */
  | { type: "open"; url: string; retention: RetentionOptions; retentionIntervalMs: number | null; instance?: string }
  /** One batch as text in pieces (SQLite: wire.ts encodeBatch; PostgreSQL: JSON of the records), one transaction. */
  | { type: "batch"; id: number; parts: string[] }
  | { type: "close" };

export type WorkerReply =
  | { type: "done"; id: number; error: string | null }
  | { type: "retention"; stats: RetentionStats }
  | { type: "closed" };

declare const self: DedicatedWorkerGlobalScope;

let db: Db | null = null;
let writes: Writes | null = null;
let retention: ReturnType<typeof startRetention> | null = null;
let statsTimer: ReturnType<typeof setInterval> | null = null;

const reply = (r: WorkerReply) => self.postMessage(r);

self.onmessage = (e: MessageEvent<WorkerRequest>) => {
  const req = e.data;
  if (req.type === "open") {
    // The main thread opened the file first (migrations done); this is a second connection to it.
    db = openDatabase(req.url);
    writes = prepareWrites(db);
    retention = startRetention(db, req.retention, req.retentionIntervalMs ?? undefined);
    statsTimer = setInterval(() => retention && reply({ type: "retention", stats: { ...retention.stats } }), 1000);
  } else if (req.type === "batch") {
    try {
      if (!db || !writes) throw new Error("database not open");
      writeWireBatch(db, writes, joinBatches(req.parts.map(decodeBatch)));
      reply({ type: "done", id: req.id, error: null });
    } catch (err) {
      reply({ type: "done", id: req.id, error: err instanceof Error ? err.message : String(err) });
    }
  } else {
    retention?.stop();
    if (statsTimer) clearInterval(statsTimer);
    db?.$client.close();
    db = null;
    reply({ type: "closed" });
  }
};
