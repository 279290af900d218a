import type { Socket } from "bun";
import { WriteQueue } from "../write-queue";

/**
 * One side of a relayed connection and the bytes queued for it. Bun sockets keep no user-space write buffer:
 * a short write leaves the rest to us, flushed on `drain`. Reading from the other side is paused while this queue is
 * above HIGH_WATER and resumed below LOW_WATER, so memory per session stays bounded; a peer that lets the queue pass
 * HARD_LIMIT anyway (data already in flight) gets its session closed with a recorded reason.
 */
export const HIGH_WATER = 256 * 1024;
export const LOW_WATER = 64 * 1024;
export const HARD_LIMIT = 8 * 1024 * 1024;

export type Side = "miner" | "pool";

export type Endpoint = {
  side: Side;
  sessionId: string;
  socket: Socket<Endpoint> | null;
  peer: Endpoint | null;
  /** Bytes for this socket that it has not taken yet (also while it is still connecting). */
  queue: WriteQueue;
  /** Reading from this socket is paused because the peer's queue is full. */
  paused: boolean;
  /** End this socket once its queue is empty. */
  endWhenFlushed: boolean;
  closed: boolean;
  maxOutBytes: number;
  /** Miner side: no newline seen yet (the handshake timeout runs). */
  awaitingLine: boolean;
};

export function newEndpoint(side: Side, sessionId: string): Endpoint {
  const e: Endpoint = {
    side,
    sessionId,
    socket: null,
    peer: null,
    // Before the socket exists nothing is written: everything waits in the queue.
    queue: new WriteQueue((b) => (e.socket ? e.socket.write(b) : 0)),
    paused: false,
    endWhenFlushed: false,
    closed: false,
    maxOutBytes: 0,
    awaitingLine: false,
  };
  return e;
}

/** Write to `dst` now or queue the rest. Returns false when the queue passed HARD_LIMIT. */
export function send(dst: Endpoint, chunk: Uint8Array): boolean {
  if (dst.closed || !dst.queue.push(chunk)) return true; // a closed socket takes nothing; the session is ending
  const queued = dst.queue.queued;
  if (queued > dst.maxOutBytes) dst.maxOutBytes = queued;
  const src = dst.peer;
  if (queued > HIGH_WATER && src?.socket && !src.paused) {
    src.socket.pause();
    src.paused = true;
  }
  return queued <= HARD_LIMIT;
}

/** Drain handler: write what is queued; resume the other side when there is room; end when asked. */
export function flush(dst: Endpoint): void {
  const socket = dst.socket;
  if (!socket || dst.closed) return;
  dst.queue.flush();
  if (dst.queue.queued > 0) return;
  resumePeerIfRoom(dst);
  if (dst.endWhenFlushed) socket.end();
}

export function resumePeerIfRoom(dst: Endpoint): void {
  const src = dst.peer;
  if (src?.socket && src.paused && dst.queue.queued < LOW_WATER && !src.closed) {
    src.socket.resume();
    src.paused = false;
  }
}

/** End `e` after its queue has been written (immediately when empty). */
export function endAfterFlush(e: Endpoint): void {
  if (e.closed) return;
  e.endWhenFlushed = true;
  if (e.queue.queued === 0) e.socket?.end();
}
