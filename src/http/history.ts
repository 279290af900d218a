import type { MessageFilter } from "../capture/query";
import type { MessageRecord, SessionRecord } from "../capture/records";
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
  sessions(state: "live" | "closed" | "all"): SessionRecord[];
  session(id: string): SessionRecord | undefined;
};

export function history(svc: Pick<Services, "store" | "db">): History {
  const { store, db } = svc;
  if (db) return db;
  return {
    messages: (filter, limit, before) => store.query(filter, limit, before),
    since: (filter, after, limit) => store.since(filter, after, limit),
    message: (id) => store.getMessage(id),
    sessions: (state) => store.listSessions(state),
    session: (id) => store.getSession(id),
  };
}
