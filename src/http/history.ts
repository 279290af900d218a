import type { MessageFilter } from "../capture/query";
import type { MessageRecord, SessionRecord } from "../capture/records";
import { listedAfter, newerSessionFirst } from "../db/merge";
import { instanceOf } from "../instance-id";
import type { Services } from "./services";

/**
 * A record as the API and pages show it: with a database, `instance` says which HashScope wrote it (several may share
 * one PostgreSQL; memory's and a SQLite file's are this one's). A copy: stored and cached records stay as they are.
 */
export function located<T extends object>(svc: Pick<Services, "db">, record: T): T & { instance?: string } {
  return svc.db ? { ...record, instance: instanceOf(record, svc.db.instanceId) } : record;
}

/**
 * One view of everything captured, for the API and the pages alike: with a database, memory and disk are merged
 * (no gaps, no duplicates across the boundary); without one, it is the in-memory store. Asynchronous, because the
 * database is read off the relay's thread.
 */
export type History = {
  /** `instance` (API filter): only what that HashScope stored; memory-only history is all this instance's. */
  messages(filter: MessageFilter & { instance?: string }, limit: number, before?: number): Promise<MessageRecord[]>;
  /** Oldest first, `seq > after`: what a live view missed (SSE resume), across a restart too. */
  since(filter: MessageFilter, after: number, limit: number): Promise<MessageRecord[]>;
  message(id: string): Promise<MessageRecord | undefined>;
  /** Newest first (opened_at, then id), at most `limit`, after the session `before` when given. */
  sessions(state: "live" | "closed" | "all", limit: number, before?: SessionRecord, instance?: string): Promise<SessionRecord[]>;
  session(id: string): Promise<SessionRecord | undefined>;
};

export function history(svc: Pick<Services, "store" | "db">): History {
  const { store, db } = svc;
  if (db) return db;
  return {
    messages: async (filter, limit, before) => store.query(filter, limit, before),
    since: async (filter, after, limit) => store.since(filter, after, limit),
    message: async (id) => store.getMessage(id),
    sessions: async (state, limit, before) =>
      store
        .listSessions(state)
        .filter((s) => !before || listedAfter(s, before))
        .sort(newerSessionFirst)
        .slice(0, limit),
    session: async (id) => store.getSession(id),
  };
}
