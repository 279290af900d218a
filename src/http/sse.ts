/**
 * A Server-Sent Events response we fully control (exact `id:`/`event:` framing and comment heartbeats).
 * It is pull-based: the next batch is only taken from the source when the client has read the previous one, so a
 * slow browser costs a bounded queue in the hub, never an unbounded stream buffer. When the source ends (overflow),
 * the stream closes and the client reconnects with Last-Event-ID.
 */
export const HEARTBEAT_MS = 15_000;

/** Frames as text, or as bytes already encoded (shared by every client: see messageEventBytes). */
export type SseSource = AsyncIterator<string | Uint8Array>;

/**
 * Stream clients of one HashScope: at most `maxClients` at once (SSE_MAX_CLIENTS; one more is answered 503 with
 * Retry-After, counted), and `clientMaxBytes` the most one client may have waiting in its subscription
 * (SSE_CLIENT_MAX_BYTES; past it that client's stream ends, counted, and it resumes with Last-Event-ID). A client that
 * stops reading takes nothing more once its queue overflowed, and the server's idle timeout closes its connection.
 */
export class SseGate {
  clients = 0;
  refused = 0;
  constructor(readonly maxClients: number, readonly clientMaxBytes: number, readonly heartbeatMs = HEARTBEAT_MS) {}

  /** Take a place, or null when all are taken. The returned release is safe to call more than once. */
  admit(): (() => void) | null {
    if (this.clients >= this.maxClients) {
      this.refused++;
      return null;
    }
    this.clients++;
    let held = true;
    return () => {
      if (held) this.clients--;
      held = false;
    };
  }
}

export type SseOptions = { gate?: SseGate; heartbeatMs?: number };

export function sseResponse(source: SseSource, signal: AbortSignal, opts: SseOptions = {}): Response {
  const heartbeatMs = opts.heartbeatMs ?? opts.gate?.heartbeatMs ?? HEARTBEAT_MS;
  const release = opts.gate ? opts.gate.admit() : () => {};
  if (!release) {
    void source.return?.(undefined);
    return new Response(JSON.stringify({ error: `too many stream clients (SSE_MAX_CLIENTS ${opts.gate!.maxClients}); try again later` }), {
      status: 503,
      headers: { "content-type": "application/json", "retry-after": "5" },
    });
  }
  signal.addEventListener("abort", release, { once: true });
  const encoder = new TextEncoder();
  let pending: Promise<IteratorResult<string | Uint8Array>> | null = null;
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
      if (winner.done || signal.aborted) {
        release();
        controller.close();
      } else controller.enqueue(typeof winner.value === "string" ? encoder.encode(winner.value) : winner.value);
    },
    async cancel() {
      release();
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
