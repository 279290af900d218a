import type { MessageFilter } from "../capture/query";
import type { MessageRecord, SessionRecord } from "../capture/records";
import { listedAfter, newerSessionFirst } from "../db/merge";
import type { Services } from "./services";

/**
 * One view of everything captured, for the API and the pages alike: with a database, memory and disk are merged
 * (no gaps, no duplicates across the boundary); without one, it is the in-memory store.
 */
export type History = {
  messages(filter: MessageFilter, limit: number, before?: number): MessageRecord[];
  /** Oldest first, `seq > after`: what a live view missed (SSE resume), across a restart too. */
  since(filter: MessageFilter, after: number, limit: number): MessageRecord[];
  message(id: string): MessageRecord | undefined;
  /** Newest first (opened_at, then id), at most `limit`, after the session `before` when given. */
  sessions(state: "live" | "closed" | "all", limit: number, before?: SessionRecord): SessionRecord[];
  session(id: string): SessionRecord | undefined;
};

export function history(svc: Pick<Services, "store" | "db">): History {
  const { store, db } = svc;
  if (db) return db;
  return {
    messages: (filter, limit, before) => store.query(filter, limit, before),
    since: (filter, after, limit) => store.since(filter, after, limit),
    message: (id) => store.getMessage(id),
    sessions: (state, limit, before) =>
      store
        .listSessions(state)
        .filter((s) => !before || listedAfter(s, before))
        .sort(newerSessionFirst)
        .slice(0, limit),
    session: (id) => store.getSession(id),
  };
}
