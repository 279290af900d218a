import type { CapturePipeline } from "../capture/ingest";
import type { CaptureStore } from "../capture/store";
import type { MessageRecord, Upstream } from "../capture/records";
import type { OwnReply } from "./own-replies";
import { startRelayCore, type RelayCoreOptions, type RelaySink } from "./relay-core";

export type RelayOptions = RelayCoreOptions & {
  store: CaptureStore;
  capture: CapturePipeline;
};

export type Relay = {
  port: number;
  /** Close both sides of a live session; false when it is not live. */
  disconnect(sessionId: string): boolean;
  /** Write bytes of HashScope's own to the pool on a live session (replay). */
  sendToPool(sessionId: string, bytes: Uint8Array): boolean;
  /**
   * Take the pool's answer to own JSON-RPC id `id` out of the pool→miner stream (it is still captured) and hand it
   * to `onReply` with capture's record of it, once capture has decoded that chunk. Call before sending the request.
   * Returns a cancel function (call it on timeout; false when the answer was already taken and is on its way), or
   * null when the session is not live or too many own requests are pending.
   */
  expectOwnReply(sessionId: string, id: string, onReply: OwnReplyWithRecord): (() => boolean) | null;
  liveSessions(): number;
  /** The listener is up (false once stopped, or once the relay thread died). */
  listening(): boolean;
  /** Why the relay stopped without `stop()` (its thread died); null while it runs or after `stop()`. */
  failure(): string | null;
  /** Miners closed at once because MAX_SESSIONS sessions were live. */
  refusedSessions(): number;
  /** Largest send queue seen per live session, for tests and metrics. */
  maxQueuedBytes(sessionId: string): number | undefined;
  /** The hand-over ring of the relay thread; null when the relay runs on the main thread. */
  ring(): RingStats | null;
  stop(): Promise<void>;
};

/** A replay's answer and capture's record of that line (null when capture dropped or could not read it). */
export type OwnReplyWithRecord = (reply: OwnReply, captured: MessageRecord | null) => void;

/**
 * The own-reply filter takes an answer inside the relay's data handler, just before that chunk is handed to capture:
 * registering the waiter then makes capture hand over the record of exactly that line (one path, no second match).
 */
export const ownReplyToCapture =
  (capture: CapturePipeline, sessionId: string, id: string, onReply: OwnReplyWithRecord) =>
  (reply: OwnReply): void =>
    capture.ownReply(sessionId, id, (captured) => onReply(reply, captured));

export type RingStats = {
  /** The ring's size and what waits in it now. */
  capacity_bytes: number;
  used_bytes: number;
  /** Chunks relayed whose capture was dropped because the ring was full (also in capture.dropped_bytes). */
  dropped_bytes: number;
  /** Times the relay thread woke the main thread (it polls while chunks keep coming). */
  wakeups: number;
};

/** What the relay tells, applied to the store and capture (the relay's sockets and this run on one thread). */
export function storeSink(store: CaptureStore, capture: CapturePipeline, upstream: Upstream): RelaySink {
  return {
    opened(_index, id, minerAddr) {
      store.openSession({ id, miner_addr: minerAddr, upstream });
      capture.open(id);
    },
    live: (_index, id, upstreamAddr) => store.markLive(id, upstreamAddr),
    data(_index, id, direction, chunk, wallMs, monoMs, _maxQueued, borrowed) {
      store.sessions.addBytes(id, direction === "miner_to_pool" ? "up" : "down", chunk.byteLength);
      capture.ingest(id, direction, chunk, wallMs, monoMs, borrowed);
    },
    closed: (_index, id, reason, detail, state) => store.closeSession(id, reason, detail, state),
    gone: (_index, id) => capture.close(id),
    refused: () => {}, // counted by the relay itself
  };
}

/** The relay on this thread: its sockets share the event loop with capture, storage and HTTP. */
export function startRelay(opts: RelayOptions): Relay {
  const core = startRelayCore(opts, storeSink(opts.store, opts.capture, opts.upstream));
  let stopped = false;
  return {
    port: core.port,
    disconnect: core.disconnect,
    sendToPool: core.sendToPool,
    expectOwnReply: (sessionId, id, onReply) => core.expectOwnReply(sessionId, id, ownReplyToCapture(opts.capture, sessionId, id, onReply)),
    liveSessions: core.liveSessions,
    listening: () => !stopped,
    failure: () => null,
    refusedSessions: core.refusedSessions,
    maxQueuedBytes: core.maxQueuedBytes,
    ring: () => null,
    async stop() {
      stopped = true;
      core.stop();
    },
  };
}
