import type { MessageFilter } from "../capture/query";
import type { MessageRecord, SessionRecord } from "../capture/records";
import type { Db } from "./open";
import { PendingReplies } from "./pending-replies";
import * as reader from "./reader";
import type { ReadReply, ReadRequest } from "./read-worker";

/**
 * History reads on the database, asynchronous so they can run off the relay's thread: a search that has to scan
 * (a short text, a rare match) may take a second on a big history, and the relay's event loop must not wait for it.
 */

type Cursor = Pick<SessionRecord, "opened_at" | "id">;

/** One read, as data (it crosses to the reader thread). */
export type ReadCall =
  | { op: "queryMessages"; filter: MessageFilter; limit: number; before: number | null }
  | { op: "messagesAfter"; filter: MessageFilter; after: number; limit: number }
  | { op: "getMessage"; id: string }
  | { op: "listSessions"; state: "live" | "closed" | "all"; limit: number; cursor: Cursor | null; instance?: string }
  | { op: "getSession"; id: string }
  | { op: "sessionMessageCount"; id: string };

export function runRead(db: Db, c: ReadCall): unknown {
  switch (c.op) {
    case "queryMessages":
      return reader.queryMessages(db, c.filter, c.limit, c.before ?? undefined);
    case "messagesAfter":
      return reader.messagesAfter(db, c.filter, c.after, c.limit);
    case "getMessage":
      return reader.getMessage(db, c.id);
    case "listSessions":
      return reader.listSessions(db, c.state, c.limit, c.cursor ?? undefined);
    case "getSession":
      return reader.getSession(db, c.id);
    case "sessionMessageCount":
      return reader.sessionMessageCount(db, c.id);
  }
}

/** Typed front for the reads; `run` executes one wherever the database is read. */
export abstract class DiskReads {
  protected abstract run(c: ReadCall): Promise<unknown>;
  abstract close(): Promise<void>;

  queryMessages(filter: MessageFilter, limit: number, before?: number): Promise<MessageRecord[]> {
    return this.run({ op: "queryMessages", filter, limit, before: before ?? null }) as Promise<MessageRecord[]>;
  }
  messagesAfter(filter: MessageFilter, after: number, limit: number): Promise<MessageRecord[]> {
    return this.run({ op: "messagesAfter", filter, after, limit }) as Promise<MessageRecord[]>;
  }
  getMessage(id: string): Promise<MessageRecord | undefined> {
    return this.run({ op: "getMessage", id }) as Promise<MessageRecord | undefined>;
  }
  /** `instance`: only that instance's sessions (PostgreSQL; SQLite ignores it, Storage decides there). */
  listSessions(state: "live" | "closed" | "all", limit: number, cursor?: Cursor, instance?: string): Promise<SessionRecord[]> {
    const c = cursor ? { opened_at: cursor.opened_at, id: cursor.id } : null;
    return this.run({ op: "listSessions", state, limit, cursor: c, ...(instance === undefined ? {} : { instance }) }) as Promise<SessionRecord[]>;
  }
  getSession(id: string): Promise<SessionRecord | undefined> {
    return this.run({ op: "getSession", id }) as Promise<SessionRecord | undefined>;
  }
  sessionMessageCount(id: string): Promise<number> {
    return this.run({ op: "sessionMessageCount", id }) as Promise<number>;
  }
}

/** On this thread: only for `sqlite::memory:`, which another thread cannot open. */
export class InlineReads extends DiskReads {
  constructor(private readonly db: Db) {
    super();
  }
  protected async run(c: ReadCall): Promise<unknown> {
    return runRead(this.db, c);
  }
  async close(): Promise<void> {}
}

/** On a reader thread with its own (WAL) connection; calls are answered in order. */
export class WorkerReads extends DiskReads {
  private readonly worker: Worker;
  private readonly replies = new PendingReplies<unknown>();

  constructor(url: string) {
    super();
    this.worker = new Worker(new URL("./read-worker.ts", import.meta.url).href);
    this.worker.onmessage = (e: MessageEvent<ReadReply>) => {
      const r = e.data;
      // JSON text: cheaper for this thread to take than a structured clone of the records.
      this.replies.settle(r.id, r.error, r.error === null ? (JSON.parse(r.json) as { value: unknown }).value : undefined);
    };
    this.worker.onerror = (e) => this.replies.failAll(new Error(`database reader thread failed: ${e.message}`));
    this.post({ type: "open", url });
  }

  private post(req: ReadRequest): void {
    this.worker.postMessage(req);
  }

  protected run(call: ReadCall): Promise<unknown> {
    const [id, done] = this.replies.open();
    this.post({ type: "read", id, call });
    return done;
  }

  async close(): Promise<void> {
    this.replies.failAll(new Error("database reader closed"));
    this.worker.terminate();
  }
}
