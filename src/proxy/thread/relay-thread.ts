/**
 * The relay on its own thread (RELAY_THREAD): the worker (worker.ts) runs the sockets; this side, on the main thread,
 * reads the ring (ring.ts) in batches and applies what it says to the store and capture, and offers the same `Relay`
 * interface as the in-process relay. Session records therefore follow the sockets by up to about a millisecond.
 */
import { MAX_PENDING_OWN, type OwnReply } from "../own-replies";
import type { Direction, CloseReason, SessionState } from "../../capture/records";
import { ownReplyToCapture, storeSink, type Relay, type RelayOptions } from "../relay";
import { newRingBuffer, RingReader, type RingRecord } from "./ring";
import { REC, SLOT, type FromRelay, type OwnReplyRecord, type ToRelay } from "./protocol";

export type RelayThreadOptions = RelayOptions & { ringBytes: number };

/** While chunks come, the ring is read this often instead of being woken per chunk. */
const POLL_MS = 1;
/** Records read per turn of the main loop at most (then it yields to HTTP and timers). */
const SLICE_BYTES = 4 * 1024 * 1024;
const STOP_WAIT_MS = 2000;

/** The close detail of sessions the main thread ends because the relay thread died (reason `error`). */
export const RELAY_DIED_DETAIL = "relay thread stopped";

/** Relays started here, so a test can make its thread die (crashRelayThreadForTest); nothing else reaches the worker. */
const workers = new WeakMap<Relay, Worker>();

/**
 * Tests only: make the relay thread die as a bug would (`throw`: an uncaught error on its loop) or as the runtime
 * could (`terminate`). The main thread must then say so (/health 503, /metrics) and close every live session.
 */
export function crashRelayThreadForTest(relay: Relay, how: "throw" | "terminate"): void {
  const worker = workers.get(relay);
  if (!worker) throw new Error("not a relay thread");
  if (how === "throw") worker.postMessage({ type: "crash" } satisfies ToRelay);
  else worker.terminate();
}

/** Bun's message of a worker's uncaught error carries the source excerpt and stack: keep the line that says what. */
function oneLine(message: string): string {
  const lines = message.split("\n").map((l) => l.trim()).filter(Boolean);
  const what = lines.find((l) => /^[A-Za-z]*(Error|error): /.test(l)) ?? lines[0] ?? "unknown error";
  return what.slice(0, 300);
}

type Mirror = { id: string; index: number; live: boolean; closed: boolean; own: Map<string, (reply: OwnReply) => void> };

const dec = new TextDecoder();
const DIRECTION: Direction[] = ["miner_to_pool", "pool_to_miner"];

export async function startRelayThread(opts: RelayThreadOptions): Promise<Relay> {
  const { store, capture, upstream } = opts;
  const sink = storeSink(store, capture, upstream);
  const ringSab = newRingBuffer(opts.ringBytes);
  const slotsSab = new SharedArrayBuffer(4 * (SLOT.firstSession + opts.maxSessions + 1));
  const slots = new Int32Array(slotsSab);
  const reader = new RingReader(ringSab);
  const byIndex: (Mirror | undefined)[] = [];
  const byId = new Map<string, Mirror>();
  let monoOffset = 0;
  let droppedBytes = 0;
  let stopped = false;
  /** stop() was called: the worker's end is expected. */
  let stopping = false;
  let failure: string | null = null;
  let lastError: string | null = null;
  let onStopped: () => void = () => {};
  const log = opts.log ?? ((line: string) => console.error(line));

  const worker = new Worker(new URL("./worker.ts", import.meta.url).href);
  const tell = (m: ToRelay): void => worker.postMessage(m);

  function apply(r: RingRecord): void {
    const mono = r.monoMs + monoOffset;
    if (r.type === REC.data) {
      const m = byIndex[r.index];
      if (m) sink.data(r.index, m.id, DIRECTION[r.direction]!, r.payload, r.wallMs, mono, 0, true);
      return;
    }
    if (r.type === REC.open) {
      const { id, minerAddr } = JSON.parse(dec.decode(r.payload)) as { id: string; minerAddr: string };
      const m: Mirror = { id, index: r.index, live: false, closed: false, own: new Map() };
      byIndex[r.index] = m;
      byId.set(id, m);
      sink.opened(r.index, id, minerAddr);
      return;
    }
    const m = byIndex[r.index];
    if (!m) return;
    if (r.type === REC.live) {
      m.live = true;
      sink.live(r.index, m.id, dec.decode(r.payload));
    } else if (r.type === REC.gap) {
      const v = new DataView(r.payload.buffer, r.payload.byteOffset, r.payload.byteLength);
      const up = v.getFloat64(0, true);
      const down = v.getFloat64(8, true);
      const flags = v.getUint8(16);
      if (up) store.sessions.addBytes(m.id, "up", up);
      if (down) store.sessions.addBytes(m.id, "down", down);
      if (flags & 1) capture.gap(m.id, "miner_to_pool", up, (flags & 4) !== 0);
      if (flags & 2) capture.gap(m.id, "pool_to_miner", down, (flags & 8) !== 0);
      droppedBytes += up + down;
    } else if (r.type === REC.own) {
      // Applied before the data record of the chunk that carried it: the waiter gets that chunk's record.
      const reply = JSON.parse(dec.decode(r.payload)) as OwnReplyRecord;
      const h = m.own.get(reply.id);
      m.own.delete(reply.id);
      h?.({ ...reply, monoMs: reply.monoMs + monoOffset });
    } else if (r.type === REC.close) {
      const c = JSON.parse(dec.decode(r.payload)) as { reason: CloseReason; detail: string | null; state: SessionState };
      m.closed = true;
      sink.closed(r.index, m.id, c.reason, c.detail, c.state);
    } else if (r.type === REC.gone) {
      byIndex[r.index] = undefined;
      byId.delete(m.id);
      sink.gone(r.index, m.id);
    }
  }

  /** Read what waits; poll again soon while chunks come, sleep on the ring when it is empty. */
  function pump(): void {
    if (stopped) return;
    let n = 0;
    try {
      n = reader.read(apply, SLICE_BYTES);
    } catch (err) {
      log(`relay thread: applying a ring record failed: ${err instanceof Error ? err.stack : String(err)}`);
    }
    if (n >= SLICE_BYTES) setImmediate(pump);
    else if (n > 0) setTimeout(pump, POLL_MS);
    else void reader.waitForData().then(pump);
  }

  const ready = new Promise<number>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<FromRelay>) => {
      const m = e.data;
      if (m.type === "listening") {
        monoOffset = m.timeOrigin - performance.timeOrigin;
        resolve(m.port);
      } else if (m.type === "listen-error") reject(Object.assign(new Error(m.message), { code: m.code }));
      else if (m.type === "log") log(m.line);
      else if (m.type === "own-refused") byId.get(m.session)?.own.delete(m.id);
      else if (m.type === "stopped") onStopped();
    };
    worker.onerror = (e) => {
      log(`relay thread failed: ${e.message}`);
      lastError = oneLine(e.message);
      reject(new Error(e.message));
    };
    worker.addEventListener("close", () => reject(new Error(lastError ?? "the relay thread exited before it listened")));
  });
  worker.addEventListener("close", (e) => died(lastError ?? `its worker exited (code ${(e as CloseEvent).code})`));

  /**
   * The worker ended without stop(): its sockets are gone with it (the miners see their connections close). Apply what
   * it wrote before, then close every session still open here, so no record stays live for a relay that is not there.
   */
  function died(why: string): void {
    if (stopping || failure !== null) return;
    failure = `${RELAY_DIED_DETAIL}: ${why}`;
    stopped = true;
    try {
      reader.read(apply);
    } catch (err) {
      log(`relay thread: applying a ring record failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    reader.wake();
    let closed = 0;
    for (const m of byId.values()) {
      m.own.clear();
      if (!m.closed) {
        m.closed = true;
        closed++;
        sink.closed(m.index, m.id, "error", RELAY_DIED_DETAIL, "closed");
      }
      sink.gone(m.index, m.id);
    }
    byId.clear();
    byIndex.length = 0;
    log(`relay thread died (${why}): not relaying; ${closed} session(s) closed`);
  }
  tell({ type: "init", ring: ringSab, slots: slotsSab, options: {
    listen: opts.listen,
    upstream: opts.upstream,
    connectTimeoutMs: opts.connectTimeoutMs,
    maxSessions: opts.maxSessions,
    handshakeTimeoutMs: opts.handshakeTimeoutMs,
  } });
  let port: number;
  try {
    port = await ready;
  } catch (err) {
    worker.terminate();
    throw err;
  }
  pump();

  const usable = (sessionId: string): Mirror | null => {
    const m = byId.get(sessionId);
    return m && m.live && !m.closed ? m : null;
  };

  const relay: Relay = {
    port,
    disconnect(sessionId) {
      const m = byId.get(sessionId);
      if (!m || m.closed) return false;
      tell({ type: "disconnect", session: sessionId });
      return true;
    },
    sendToPool(sessionId, bytes) {
      if (!usable(sessionId)) return false;
      tell({ type: "send", session: sessionId, bytes });
      return true;
    },
    expectOwnReply(sessionId, id, onReply) {
      const m = usable(sessionId);
      // The relay thread's filter has the same bound; checked here so the answer is synchronous.
      if (!m || m.own.has(id) || m.own.size >= MAX_PENDING_OWN) return null;
      m.own.set(id, ownReplyToCapture(capture, sessionId, id, onReply));
      tell({ type: "expect", session: sessionId, id });
      return () => {
        // Already applied from the ring: capture is decoding that chunk, the answer is on its way.
        if (!m.own.delete(id)) return false;
        tell({ type: "cancel", session: sessionId, id });
        return true;
      };
    },
    liveSessions: () => byId.size,
    listening: () => !stopped,
    failure: () => failure,
    refusedSessions: () => Atomics.load(slots, SLOT.refused),
    maxQueuedBytes(sessionId) {
      const m = byId.get(sessionId);
      if (!m) return undefined;
      return Atomics.load(slots, SLOT.firstSession + m.index);
    },
    ring: () => ({ capacity_bytes: reader.capacity, used_bytes: reader.used, dropped_bytes: droppedBytes, wakeups: reader.wakeups }),
    async stop() {
      if (stopped) return;
      stopping = true;
      const done = new Promise<void>((r) => (onStopped = r));
      tell({ type: "stop" });
      await Promise.race([done, Bun.sleep(STOP_WAIT_MS)]);
      reader.read(apply); // what the sockets said before they stopped
      stopped = true;
      reader.wake();
      worker.terminate();
    },
  };
  workers.set(relay, worker);
  return relay;
}
