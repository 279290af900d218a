/// <reference lib="webworker" />
import { runRead, type ReadCall } from "./disk-reads";
import { openDatabase, type Db } from "./open";

/** The database reader thread: one read at a time, each answered with its result as JSON text (see disk-reads.ts). */

export type ReadRequest = { type: "open"; url: string } | { type: "read"; id: number; call: ReadCall };
export type ReadReply = { id: number; json: string; error: null } | { id: number; json: ""; error: string };

declare const self: DedicatedWorkerGlobalScope;

let db: Db | null = null;

self.onmessage = (e: MessageEvent<ReadRequest>) => {
  const req = e.data;
  if (req.type === "open") {
    // The main thread opened the file first (migrations done); this is another connection to it.
    db = openDatabase(req.url);
    return;
  }
  try {
    if (!db) throw new Error("database not open");
    const reply: ReadReply = { id: req.id, json: JSON.stringify({ value: runRead(db, req.call) }), error: null };
    self.postMessage(reply);
  } catch (err) {
    const reply: ReadReply = { id: req.id, json: "", error: err instanceof Error ? err.message : String(err) };
    self.postMessage(reply);
  }
};
