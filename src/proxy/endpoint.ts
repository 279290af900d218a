import type { Socket } from "bun";

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
  out: Uint8Array[];
  outBytes: number;
  /** Reading from this socket is paused because the peer's queue is full. */
  paused: boolean;
  /** End this socket once its queue is empty. */
  endWhenFlushed: boolean;
  closed: boolean;
  maxOutBytes: number;
};

export const newEndpoint = (side: Side, sessionId: string): Endpoint => ({
  side,
  sessionId,
  socket: null,
  peer: null,
  out: [],
  outBytes: 0,
  paused: false,
  endWhenFlushed: false,
  closed: false,
  maxOutBytes: 0,
});

/** Write to `dst` now or queue the rest. Returns false when the queue passed HARD_LIMIT. */
export function send(dst: Endpoint, chunk: Uint8Array): boolean {
  if (dst.closed) return true;
  if (dst.outBytes === 0 && dst.socket) {
    const n = dst.socket.write(chunk);
    if (n === chunk.byteLength || n < 0) return true;
    chunk = chunk.subarray(n);
  }
  dst.out.push(chunk);
  dst.outBytes += chunk.byteLength;
  if (dst.outBytes > dst.maxOutBytes) dst.maxOutBytes = dst.outBytes;
  const src = dst.peer;
  if (dst.outBytes > HIGH_WATER && src?.socket && !src.paused) {
    src.socket.pause();
    src.paused = true;
  }
  return dst.outBytes <= HARD_LIMIT;
}

/** Drain handler: write what is queued; resume the other side when there is room; end when asked. */
export function flush(dst: Endpoint): void {
  const socket = dst.socket;
  if (!socket || dst.closed) return;
  while (dst.out.length) {
    const c = dst.out[0]!;
    const n = socket.write(c);
    if (n < 0) return;
    dst.outBytes -= n;
    if (n < c.byteLength) {
      dst.out[0] = c.subarray(n);
      return;
    }
    dst.out.shift();
  }
  resumePeerIfRoom(dst);
  if (dst.endWhenFlushed) socket.end();
}

export function resumePeerIfRoom(dst: Endpoint): void {
  const src = dst.peer;
  if (src?.socket && src.paused && dst.outBytes < LOW_WATER && !src.closed) {
    src.socket.resume();
    src.paused = false;
  }
}

/** End `e` after its queue has been written (immediately when empty). */
export function endAfterFlush(e: Endpoint): void {
  if (e.closed) return;
  e.endWhenFlushed = true;
  if (e.outBytes === 0) e.socket?.end();
}
