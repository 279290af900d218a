import { Elysia } from "elysia";
import { z } from "zod";
import { MessageQuery, matchesFilter, type MessageFilter } from "../../capture/query";
import type { MessageRecord } from "../../capture/records";
import { InstanceId } from "../../instance-id";
import type { HistoryFilter } from "../../db/storage";
import { history } from "../history";
import type { Services } from "../services";
import { lastEventId, sseEvent, sseResponse } from "../sse";

const StreamQuery = MessageQuery.omit({ limit: true, before: true }).extend({
  last_event_id: z.string().regex(/^\d+$/).optional(),
  /** Only what that HashScope instance captures or stored (see messageFeed). */
  instance: InstanceId.optional(),
});

/**
 * The SSE frame of one message, serialised and encoded once for all clients: records never change once stored, so the
 * bytes are kept beside the record (weakly: they go when the record is evicted) and every other client reuses them.
 */
const frames = new WeakMap<MessageRecord, Uint8Array>();
const encoder = new TextEncoder();
export function messageEventBytes(m: MessageRecord): Uint8Array {
  let f = frames.get(m);
  if (f === undefined) {
    f = encoder.encode(sseEvent("message", JSON.stringify(m), m.seq));
    frames.set(m, f);
  }
  return f;
}

const abortableSleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });

/** One read of the backlog when resuming; the next is only read once the client has taken this one (pull-based). */
const RESUME_PAGE = 1_000;
/** How often another instance's stream looks for what that instance has written since (shared PostgreSQL). */
export const OTHER_INSTANCE_POLL_MS = 2_000;

/**
 * Messages matching `filter`: first what the history holds after `after` (resume: memory, write queue and disk, so
 * also what was captured before a restart), then live ones, never twice. Subscribes before reading the backlog so
 * nothing published in between is lost. Past `maxBacklog` resumed messages it skips ahead to live ones; without a
 * cap a client catches up completely (if live messages pile up meanwhile, the subscription overflows, the stream
 * ends and the client resumes again from its last id: slower, never a gap).
 */
export async function* messageFeed(
  svc: Pick<Services, "store" | "db" | "sse">,
  filter: HistoryFilter,
  after: number | null,
  signal: AbortSignal,
  maxBacklog = Number.POSITIVE_INFINITY,
): AsyncGenerator<MessageRecord[]> {
  const store = svc.store;
  // Bounded in bytes per client: one that falls further behind ends and resumes from its last id (SSE_CLIENT_MAX_BYTES).
  const foreign = filter.instance !== undefined && svc.db !== undefined && filter.instance !== svc.db.instanceId;
  const live = foreign ? null : store.events.subscribe(signal, 100_000, svc.sse?.clientMaxBytes);
  let last = after ?? store.lastSeq;
  if (after !== null) {
    const past = history(svc);
    let sent = 0;
    for (;;) {
      const want = Math.min(RESUME_PAGE, maxBacklog - sent);
      if (want <= 0 || signal.aborted) {
        if (!foreign) last = Math.max(last, store.lastSeq); // the cap: skip to live
        break;
      }
      const captured = store.lastSeq;
      const page = await past.since(filter, last, want);
      sent += page.length;
      if (page.length) last = page[page.length - 1]!.seq;
      // A short page holds every match up to what was captured when it was read (this process's seqs: another
      // instance's run numbers from its own block, below or above ours).
      if (page.length < want && !foreign) last = Math.max(last, captured);
      if (page.length) yield page;
      if (page.length < want) break;
    }
  }
  // Another instance's messages never pass through this process: its stream is what it has written since, read
  // from the shared database every few seconds (its writer's batches, so seconds behind).
  if (live === null) {
    const db = history(svc);
    for (let i = 0; !signal.aborted && i < Number.MAX_SAFE_INTEGER; i++) {
      const page = await db.since(filter, last, RESUME_PAGE);
      if (page.length) {
        last = page[page.length - 1]!.seq;
        yield page;
      }
      if (page.length < RESUME_PAGE) await abortableSleep(OTHER_INSTANCE_POLL_MS, signal);
    }
    return;
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
        for await (const batch of messageFeed(svc, filter, after, request.signal))
          yield Buffer.concat(batch.map(messageEventBytes)); // a copy: the cached bytes are never handed to a socket
      }
      return sseResponse(frames(), request.signal, { gate: svc.sse });
    },
    {
      query: StreamQuery,
      detail: { summary: "Server-Sent Events of new messages; resumes after Last-Event-ID", tags: ["messages"] },
    },
  );
