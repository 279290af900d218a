/**
 * The relay thread: the relay's sockets (relay-core.ts) and nothing else on this event loop. Every chunk is forwarded
 * first, then copied with a small header into the ring for the main thread (capture, store, storage, HTTP). When the
 * ring is full the chunk is still forwarded and only its capture is dropped: the main thread learns the exact byte
 * count from a gap record, like a capture backlog bound.
 */
import { startRelayCore, type RelayCore, type RelaySink } from "../relay-core";
import { RECORD_HEADER, RingWriter } from "./ring";
import { DIR, REC, SLOT, type FromRelay, type InitMessage, type OwnReplyRecord, type ToRelay } from "./protocol";

declare const self: Worker;

const enc = new TextEncoder();
const post = (m: FromRelay): void => self.postMessage(m);

/** A record that did not fit in the ring; written before anything newer (events are never dropped). */
type Waiting = { type: number; index: number; wallMs: number; monoMs: number; payload: Uint8Array; gap?: Gap };
type Gap = { up: number; down: number; upAtLineStart: boolean; downAtLineStart: boolean };

function gapPayload(g: Gap): Uint8Array {
  const b = new Uint8Array(24);
  const v = new DataView(b.buffer);
  v.setFloat64(0, g.up, true);
  v.setFloat64(8, g.down, true);
  v.setUint8(16, (g.up > 0 ? 1 : 0) | (g.down > 0 ? 2 : 0) | (g.upAtLineStart ? 4 : 0) | (g.downAtLineStart ? 8 : 0));
  return b;
}

type RingSink = RelaySink & {
  /** An own reply taken out of the pool→miner stream: written before the chunk that carried it (never dropped). */
  ownReply(sessionId: string, reply: OwnReplyRecord): void;
};

function ringSink(ring: RingWriter, slots: Int32Array): RingSink {
  const indexOf = new Map<string, number>();
  /** Bounded by the sessions: per session at most its open/live/close/gone records and one gap. */
  const waiting: Waiting[] = [];
  const lastWaiting = new Map<number, Waiting>();
  const lastMax: number[] = [];
  let retry: Timer | null = null;
  /** Data records carry at most this much of a chunk (the ring's minimum, 64 KiB, gives 16 KiB pieces). */
  const maxPiece = Math.max(1024, Math.floor(ring.capacity / 4) - RECORD_HEADER);

  function flushWaiting(): void {
    while (waiting.length) {
      const w = waiting[0]!;
      const payload = w.gap ? gapPayload(w.gap) : w.payload;
      if (!ring.write(w.type, 0, w.index, w.wallMs, w.monoMs, payload)) break;
      waiting.shift();
      if (lastWaiting.get(w.index) === w) lastWaiting.delete(w.index);
    }
    if (waiting.length && !retry)
      retry = setTimeout(() => {
        retry = null;
        flushWaiting();
      }, 2);
  }

  function event(type: number, index: number, payload: Uint8Array): void {
    flushWaiting();
    const now = performance.now();
    if (waiting.length === 0 && ring.write(type, 0, index, Date.now(), now, payload)) return;
    const w: Waiting = { type, index, wallMs: Date.now(), monoMs: now, payload };
    waiting.push(w);
    lastWaiting.set(index, w);
    flushWaiting();
  }

  return {
    opened(index, id, minerAddr) {
      indexOf.set(id, index);
      event(REC.open, index, enc.encode(JSON.stringify({ id, minerAddr })));
    },
    ownReply(sessionId, reply) {
      const index = indexOf.get(sessionId);
      if (index !== undefined) event(REC.own, index, enc.encode(JSON.stringify(reply)));
    },
    live: (index, _id, upstreamAddr) => event(REC.live, index, enc.encode(upstreamAddr)),
    data(index, _id, direction, chunk, wallMs, monoMs, maxQueued) {
      if (lastMax[index] !== maxQueued) {
        lastMax[index] = maxQueued;
        Atomics.store(slots, SLOT.firstSession + index, maxQueued);
      }
      if (waiting.length) flushWaiting();
      // In pieces of at most a quarter of the ring: a chunk as big as the ring would never fit, however fast it is read.
      let done = 0;
      if (waiting.length === 0) {
        const dir = DIR[direction as keyof typeof DIR];
        while (done < chunk.byteLength) {
          const piece = chunk.subarray(done, done + maxPiece);
          if (!ring.write(REC.data, dir, index, wallMs, monoMs, piece)) break;
          done += piece.byteLength;
        }
        if (done === chunk.byteLength) return;
      }
      // The rest is not captured: counted in a gap record, merged while it is this session's newest waiting record.
      const rest = chunk.byteLength - done;
      const up = direction === "miner_to_pool";
      const atLineStart = chunk[chunk.byteLength - 1] === 0x0a;
      let w = lastWaiting.get(index);
      if (!w?.gap) {
        w = { type: REC.gap, index, wallMs, monoMs, payload: new Uint8Array(0), gap: { up: 0, down: 0, upAtLineStart: false, downAtLineStart: false } };
        waiting.push(w);
        lastWaiting.set(index, w);
      }
      const g = w.gap!;
      if (up) {
        g.up += rest;
        g.upAtLineStart = atLineStart;
      } else {
        g.down += rest;
        g.downAtLineStart = atLineStart;
      }
      flushWaiting();
    },
    closed: (index, _id, reason, detail, state) => event(REC.close, index, enc.encode(JSON.stringify({ reason, detail, state }))),
    refused: (total) => Atomics.store(slots, SLOT.refused, total),
    gone(index, id) {
      indexOf.delete(id);
      lastMax[index] = 0;
      Atomics.store(slots, SLOT.firstSession + index, 0);
      event(REC.gone, index, new Uint8Array(0));
    },
  };
}

let core: RelayCore | null = null;
let sink: RingSink | null = null;

self.onmessage = (e: MessageEvent<ToRelay>) => {
  const m = e.data;
  if (m.type === "init") return init(m);
  if (m.type === "crash")
    setTimeout(() => {
      throw new Error("crash asked for by a test");
    }, 0);
  if (!core || !sink) return;
  const out = sink; // narrowed for the callback below
  if (m.type === "disconnect") core.disconnect(m.session);
  else if (m.type === "send") core.sendToPool(m.session, m.bytes);
  else if (m.type === "expect") {
    const key = `${m.session} ${m.id}`;
    const cancel = core.expectOwnReply(m.session, m.id, (r) => {
      cancels.delete(key);
      out.ownReply(m.session, { id: r.id, line: r.line, json: r.json, monoMs: r.monoMs });
    });
    if (cancel) cancels.set(key, cancel);
    else post({ type: "own-refused", session: m.session, id: m.id });
  } else if (m.type === "cancel") {
    const key = `${m.session} ${m.id}`;
    cancels.get(key)?.();
    cancels.delete(key);
  } else if (m.type === "stop") {
    core.stop();
    post({ type: "stopped" });
  }
};

/** Cancel functions of own requests waiting for their answer, by "session id". */
const cancels = new Map<string, () => boolean>();

function init(m: InitMessage): void {
  const ring = new RingWriter(m.ring);
  const slots = new Int32Array(m.slots);
  try {
    sink = ringSink(ring, slots);
    core = startRelayCore({ ...m.options, log: (line) => post({ type: "log", line }) }, sink);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    post({ type: "listen-error", code: typeof code === "string" ? code : null, message: err instanceof Error ? err.message : String(err) });
    return;
  }
  post({ type: "listening", port: core.port, timeOrigin: performance.timeOrigin });
}
