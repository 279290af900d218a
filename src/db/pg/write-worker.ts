/// <reference lib="webworker" />
import { decodeBatch, joinBatches } from "../wire";
import type { WorkerReply, WorkerRequest } from "../write-worker";
import { connectPg, type PgDb } from "./open";
import { PgSink } from "./sink";

/**
 * PostgreSQL's writer thread (the same protocol as ../write-worker.ts, driven by ../sink.ts WorkerSink): turning
 * 2,000 farm records into rows and drizzle INSERT text measured ~92 ms of CPU per batch (12 ms rows, 80 ms SQL
 * building; load 7.5), which must not run on the relay's thread.
 * Batches are written one after another, in the order they arrive.
 */
declare const self: DedicatedWorkerGlobalScope;

let db: PgDb | null = null;
let sink: PgSink | null = null;
let chain: Promise<void> = Promise.resolve();
let statsTimer: ReturnType<typeof setInterval> | null = null;

const reply = (r: WorkerReply) => self.postMessage(r);
const text = (err: unknown) => (err instanceof Error ? err.message : String(err));

self.onmessage = (e: MessageEvent<WorkerRequest>) => {
  const req = e.data;
  if (req.type === "open") {
    // The main thread connected first and applied the migrations; this is the writer's own pool.
    db = connectPg(req.url, 2);
    sink = new PgSink(db, req.instance ?? "hashscope", req.retention, req.retentionIntervalMs ?? undefined);
    statsTimer = setInterval(() => sink && reply({ type: "retention", stats: sink.retentionStats() }), 1000);
  } else if (req.type === "batch") {
    chain = chain.then(async () => {
      try {
        if (!sink) throw new Error("database not open");
        await sink.writeWire(joinBatches(req.parts.map(decodeBatch)));
        reply({ type: "done", id: req.id, error: null });
      } catch (err) {
        reply({ type: "done", id: req.id, error: text(err) });
      }
    });
  } else {
    chain = chain.then(async () => {
      if (statsTimer) clearInterval(statsTimer);
      await sink?.close();
      await db?.$client.close({ timeout: 5 }).catch(() => {});
      db = sink = null;
      reply({ type: "closed" });
    });
  }
};
