/**
 * A Server-Sent Events response we fully control (exact `id:`/`event:` framing and comment heartbeats).
 * It is pull-based: the next batch is only taken from the source when the client has read the previous one, so a
 * slow browser costs a bounded queue in the hub, never an unbounded stream buffer. When the source ends (overflow),
 * the stream closes and the client reconnects with Last-Event-ID.
 */
export const HEARTBEAT_MS = 15_000;

export type SseSource = AsyncIterator<string>;

export function sseResponse(source: SseSource, signal: AbortSignal, heartbeatMs = HEARTBEAT_MS): Response {
  const encoder = new TextEncoder();
  let pending: Promise<IteratorResult<string>> | null = null;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      pending ??= source.next();
      let timer: Timer | undefined;
      const beat = new Promise<"beat">((r) => (timer = setTimeout(() => r("beat"), heartbeatMs)));
      const winner = await Promise.race([pending, beat]);
      clearTimeout(timer);
      if (winner === "beat") {
        controller.enqueue(encoder.encode(": heartbeat\n\n"));
        return;
      }
      pending = null;
      if (winner.done || signal.aborted) controller.close();
      else controller.enqueue(encoder.encode(winner.value));
    },
    async cancel() {
      await source.return?.(undefined);
    },
  });
  return new Response(stream, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      "x-accel-buffering": "no",
    },
  });
}

/** One SSE event. `data` must not contain raw newlines (JSON.stringify output never does). */
export const sseEvent = (event: string, data: string, id?: number | string): string =>
  `${id !== undefined ? `id: ${id}\n` : ""}event: ${event}\ndata: ${data}\n\n`;

/** The resume point a reconnecting client sends: the Last-Event-ID header, or `last_event_id` in the query. */
export function lastEventId(headerValue: string | undefined | null, queryValue: string | undefined): number | null {
  const text = headerValue ?? queryValue;
  if (text === undefined || text === null || text === "") return null;
  const n = Number(text);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}
