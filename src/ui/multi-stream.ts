import { Elysia } from "elysia";
import { errorBody } from "../http/api/errors";
import type { Handle } from "../http/app";
import { sseResponse } from "../http/sse";

/**
 * One SSE connection for every live view of a browser (browsers allow six HTTP/1.1 connections per host, so a seventh
 * tab with its own stream would never load). src/ui/public/stream-worker.js, a SharedWorker, asks for all its tabs' streams
 * at once: `/ui/stream/multi?u=<stream>&l=<last id>&u=…`. Each is read here through the app itself (same auth, same
 * code as a direct connection) and its events are re-sent as `data: {"s": index, "e": event|null, "d": data, "i": id|null}`.
 * Bounded: a sub-stream is read only while fewer than QUEUE_MAX frames wait for the browser.
 */

export const MAX_STREAMS = 16;
const QUEUE_MAX = 256;
/** Our own stream routes only: no dots or escapes in the path (nothing can climb out of /ui/stream/), never this route. */
const STREAM_PATH = /^\/ui\/stream\/(?!multi(?:[/?]|$))[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)*(\?[^#\s]*)?$/;

/** The stream paths a browser may ask for (our own /ui/stream/* routes, never this one); null when any is not. */
export function parseStreams(query: URLSearchParams): { url: string; last: string }[] | string {
  const urls = query.getAll("u");
  const lasts = query.getAll("l");
  if (urls.length === 0) return "no stream (u=) given";
  if (urls.length > MAX_STREAMS) return `at most ${MAX_STREAMS} streams`;
  for (const u of urls) if (!STREAM_PATH.test(u)) return `not a stream path: ${u.slice(0, 80)}`;
  return urls.map((url, i) => ({ url, last: /^\d{1,16}$/.test(lasts[i] ?? "") ? lasts[i]! : "" }));
}

type Frame = { s: number; e: string | null; d: string; i: string | null };

/** Splits an SSE byte stream into events (blocks ending with a blank line); comments and retry lines are dropped. */
async function* sseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<{ event: string | null; data: string; id: string | null }> {
  const reader = body.getReader();
  const dec = new TextDecoder();
  let buf = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += dec.decode(value, { stream: true });
      let end: number;
      while ((end = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        let event: string | null = null;
        let id: string | null = null;
        const data: string[] = [];
        for (const line of block.split("\n")) {
          if (line.startsWith("data:")) data.push(line.slice(line.startsWith("data: ") ? 6 : 5));
          else if (line.startsWith("event:")) event = line.slice(6).trim();
          else if (line.startsWith("id:")) id = line.slice(3).trim();
        }
        if (data.length) yield { event, data: data.join("\n"), id };
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/** `/ui/stream/multi`: all live views of a browser over one connection; each part is read through the app itself. */
export function multiStreamRoutes(handle: Handle): Elysia {
  const routes: Elysia = new Elysia();
  routes.get("/ui/stream/multi", ({ request, set }) => {
    const streams = parseStreams(new URL(request.url).searchParams);
    if (typeof streams === "string") {
      set.status = 422;
      return errorBody(streams);
    }
    return multiStream(handle, request, streams);
  });
  return routes;
}

function multiStream(handle: Handle, request: Request, streams: { url: string; last: string }[]): Response {
  const origin = new URL(request.url).origin;
  const ctrl = new AbortController();
  request.signal.addEventListener("abort", () => ctrl.abort(), { once: true });
  const queue: string[] = [];
  let wake: (() => void) | null = null;
  let drained: (() => void) | null = null;
  let running = streams.length;
  const push = (f: Frame) => {
    queue.push(`data: ${JSON.stringify(f)}\n\n`);
    wake?.();
  };
  const room = () => (queue.length < QUEUE_MAX ? Promise.resolve() : new Promise<void>((r) => (drained = r)));

  streams.forEach(async ({ url, last }, s) => {
    try {
      const headers = new Headers({ accept: "text/event-stream" });
      for (const h of ["cookie", "authorization"]) {
        const v = request.headers.get(h);
        if (v !== null) headers.set(h, v);
      }
      if (last !== "") headers.set("last-event-id", last);
      const res = await handle(new Request(origin + url, { headers, signal: ctrl.signal }));
      if (!res.ok || !res.body || !(res.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
        await res.body?.cancel();
        push({ s, e: "stream-error", d: String(res.status), i: null });
        return;
      }
      for await (const ev of sseEvents(res.body)) {
        if (ctrl.signal.aborted) break;
        push({ s, e: ev.event, d: ev.data, i: ev.id });
        await room();
      }
    } catch {
      // Aborted (the browser went away) or the sub-stream failed: the worker reconnects.
    } finally {
      running--;
      wake?.();
    }
  });

  async function* frames() {
    yield "retry: 1000\n: connected\n\n";
    try {
      while (!ctrl.signal.aborted) {
        if (queue.length) {
          const out = queue.splice(0).join("");
          drained?.();
          drained = null;
          yield out;
          continue;
        }
        // Every sub-stream ended (e.g. one was cut at its bound): end too; the worker reconnects with the last ids.
        if (running === 0) return;
        await new Promise<void>((r) => (wake = r));
        wake = null;
      }
    } finally {
      ctrl.abort();
    }
  }
  return sseResponse(frames(), ctrl.signal);
}
