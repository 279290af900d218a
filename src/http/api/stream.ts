import { Elysia } from "elysia";
import { z } from "zod";
import { MessageQuery, matchesFilter, type MessageFilter } from "../../capture/query";
import type { CaptureStore } from "../../capture/store";
import type { MessageRecord } from "../../capture/records";
import type { Services } from "../services";
import { lastEventId, sseEvent, sseResponse } from "../sse";

const StreamQuery = MessageQuery.omit({ limit: true, before: true }).extend({
  last_event_id: z.string().regex(/^\d+$/).optional(),
});

/** The most a resuming client is sent from the store before live messages. */
const RESUME_MAX = 10_000;

/**
 * Messages matching `filter`: first what the store holds after `after` (resume), then live ones, never twice.
 * Subscribes before reading the backlog so nothing published in between is lost.
 */
export async function* messageFeed(
  store: CaptureStore,
  filter: MessageFilter,
  after: number | null,
  signal: AbortSignal,
): AsyncGenerator<MessageRecord[]> {
  const live = store.events.subscribe(signal);
  let last = after ?? store.lastSeq;
  if (after !== null) {
    const backlog = store.since(filter, after, RESUME_MAX);
    if (backlog.length) {
      last = backlog[backlog.length - 1]!.seq;
      yield backlog;
    }
    last = Math.max(last, store.lastSeq);
  }
  for await (const batch of live) {
    const out: MessageRecord[] = [];
    for (const ev of batch)
      if (ev.type === "message" && ev.message.seq > last && matchesFilter(ev.message, filter)) out.push(ev.message);
    if (out.length) {
      last = out[out.length - 1]!.seq;
      yield out;
    }
  }
}

export const streamRoutes = (svc: Services) =>
  new Elysia().get(
    "/api/stream",
    ({ query, request }) => {
      const { last_event_id, ...filter } = query;
      // Without a resume point, start at what the store holds now (taken here, when the request arrives), so a message
      // captured before the stream's subscription is in place is still sent.
      const after = lastEventId(request.headers.get("last-event-id"), last_event_id) ?? svc.store.lastSeq;
      async function* frames() {
        yield `retry: 1000\n: connected\n\n`;
        for await (const batch of messageFeed(svc.store, filter, after, request.signal))
          yield batch.map((m) => sseEvent("message", JSON.stringify(m), m.seq)).join("");
      }
      return sseResponse(frames(), request.signal);
    },
    {
      query: StreamQuery,
      detail: { summary: "Server-Sent Events of new messages; resumes after Last-Event-ID", tags: ["messages"] },
    },
  );
