import { paramsOf } from "../stratum/json";
import type { CapturePipeline } from "../capture/ingest";
import type { MessageRecord, SessionRecord } from "../capture/records";
import type { CaptureStore } from "../capture/store";
import { buildShareEvent, SCHEMA, type NostrEvent, type ShareContent } from "../nostr/events";

/**
 * Share publishing: every captured miner `mining.submit` of a session with broadcast on becomes a signed share
 * event (docs/nostr.md#share-event-content). It runs from the store's event hub, i.e. after capture, never on the relay path; signing happens
 * in a later tick through a bounded queue so a burst of submits cannot stall capture.
 */

export type Publisher = { publish(event: NostrEvent): void };

export type SharePublisherOptions = {
  store: CaptureStore;
  capture: CapturePipeline;
  publisher: Publisher;
  sk: Uint8Array;
  runId: string;
  kind: number;
  maxQueue?: number;
};

export type ShareCounters = {
  /** Share events built, signed and handed to the relay pool. */
  published: number;
  /** Submits waiting to be signed now. */
  queued: number;
  /** Submits not published because the local queue was full. */
  dropped: number;
  /** Submits that could not become a valid share event (e.g. params not an array). */
  invalid: number;
  /** The last `seq` used (per run, strictly increasing). */
  last_seq: number;
};

/** The share event content (docs/nostr.md#share-event-content) for submit `m` of `session`; `job` from the session's remembered notify params. */
export function shareContent(
  m: MessageRecord,
  session: SessionRecord,
  job: unknown[] | null,
  runId: string,
  seq: number,
): ShareContent | null {
  const params = paramsOf(m.json);
  if (!Array.isArray(params)) return null;
  const worker = typeof params[0] === "string" ? params[0] : null;
  return {
    schema: SCHEMA,
    run_id: runId,
    event_id: crypto.randomUUID(),
    seq,
    ts: m.ts,
    pool: { host: session.upstream.host, port: session.upstream.port },
    stratum: { method: "mining.submit", id: m.rpc_id, params },
    repeat_count: Math.min(100, Math.max(1, session.broadcast.repeat_count)),
    context: {
      session_id: session.id,
      miner_peer: session.miner_addr,
      worker,
      extranonce1: session.extranonce1,
      extranonce2_size: session.extranonce2_size,
      difficulty: session.difficulty,
      version_mask: session.version_mask,
      job,
    },
  };
}

export class SharePublisher {
  private readonly queue: ShareContent[] = [];
  private scheduled = false;
  private seq = 0;
  private off: (() => void) | null = null;
  private readonly c = { published: 0, dropped: 0, invalid: 0 };
  private readonly maxQueue: number;

  constructor(private readonly o: SharePublisherOptions) {
    this.maxQueue = o.maxQueue ?? 10_000;
  }

  start(): void {
    this.off ??= this.o.store.events.on((ev) => {
      if (ev.type !== "message") return;
      const m = ev.message;
      if (m.direction !== "miner_to_pool" || m.kind !== "request" || m.method !== "mining.submit") return;
      const session = this.o.store.getSession(m.session_id);
      if (!session?.broadcast.enabled) return;
      if (this.queue.length >= this.maxQueue) {
        this.c.dropped++;
        return;
      }
      // Context is read now, when the submit is captured: job and difficulty as they were for this share.
      const params = paramsOf(m.json);
      const jobId = Array.isArray(params) && typeof params[1] === "string" ? params[1] : null;
      const job = jobId === null ? null : (this.o.capture.job(m.session_id, jobId) ?? null);
      const content = shareContent(m, session, job, this.o.runId, this.seq + 1);
      if (!content) {
        this.c.invalid++;
        return;
      }
      this.seq++;
      this.queue.push(content);
      this.schedule();
    });
  }

  stop(): void {
    this.off?.();
    this.off = null;
    this.flush();
  }

  counters(): ShareCounters {
    return { ...this.c, queued: this.queue.length, last_seq: this.seq };
  }

  /** Sign and hand over everything queued now. */
  flush(): void {
    while (this.queue.length) {
      const content = this.queue.shift()!;
      try {
        this.o.publisher.publish(buildShareEvent(content, this.o.sk, this.o.kind));
        this.c.published++;
      } catch (err) {
        this.c.invalid++;
        console.error("share event not built:", err instanceof Error ? err.message : String(err));
      }
    }
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }
}
