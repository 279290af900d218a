import type { Socket, TCPSocketListener } from "bun";

/** Loopback TCP peers for tests: they record every byte and let the test write and close. */

export type Peer = {
  socket: Socket<PeerState>;
  received(): Uint8Array;
  receivedBytes(): number;
  closed: Promise<void>;
  isClosed(): boolean;
  /** Write everything, waiting for drain as needed. */
  send(bytes: Uint8Array): Promise<void>;
};

type PeerState = { chunks: Uint8Array[]; bytes: number; closed: boolean; onClose: () => void; onDrain: (() => void) | null };

const newState = (): PeerState => ({ chunks: [], bytes: 0, closed: false, onClose: () => {}, onDrain: null });

function peer(socket: Socket<PeerState>): Peer {
  const st = socket.data;
  const closed = new Promise<void>((r) => {
    if (st.closed) r();
    else st.onClose = r;
  });
  return {
    socket,
    received: () => concat(st.chunks),
    receivedBytes: () => st.bytes,
    closed,
    isClosed: () => st.closed,
    async send(bytes) {
      let rest = bytes;
      const deadline = performance.now() + 20_000;
      while (rest.byteLength) {
        const n = socket.write(rest);
        if (n < 0) throw new Error("socket closed while sending");
        rest = rest.subarray(n);
        if (rest.byteLength) {
          if (performance.now() > deadline) throw new Error("send timed out");
          await new Promise<void>((r) => {
            st.onDrain = r;
            setTimeout(r, 50);
          });
        }
      }
    },
  };
}

const handlers = {
  data(s: Socket<PeerState>, chunk: Uint8Array) {
    s.data.chunks.push(chunk);
    s.data.bytes += chunk.byteLength;
  },
  drain(s: Socket<PeerState>) {
    s.data.onDrain?.();
  },
  close(s: Socket<PeerState>) {
    s.data.closed = true;
    s.data.onClose();
  },
  error(s: Socket<PeerState>) {
    s.data.closed = true;
    s.data.onClose();
  },
};

export type ByteServer = { port: number; accepted: Peer[]; next(): Promise<Peer>; stop(): void };

/** A TCP server that records each accepted connection. */
export function startByteServer(): ByteServer {
  const accepted: Peer[] = [];
  const waiters: ((p: Peer) => void)[] = [];
  const queue: Peer[] = [];
  const listener: TCPSocketListener<PeerState> = Bun.listen<PeerState>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(s) {
        s.data = newState();
        const p = peer(s);
        accepted.push(p);
        const w = waiters.shift();
        if (w) w(p);
        else queue.push(p);
      },
      ...handlers,
    },
  });
  return {
    port: listener.port,
    accepted,
    next: () => {
      const p = queue.shift();
      return p ? Promise.resolve(p) : new Promise<Peer>((r) => waiters.push(r));
    },
    stop: () => listener.stop(true),
  };
}

export async function connectPeer(port: number): Promise<Peer> {
  const socket = await Bun.connect<PeerState>({ hostname: "127.0.0.1", port, data: newState(), socket: handlers });
  return peer(socket);
}

/** Chunks joined into one array. */
export const concat = (chunks: Uint8Array[]): Uint8Array => Buffer.concat(chunks);

/** Wait until `cond` holds, polling; throws after `ms`. */
export async function until(cond: () => boolean, ms = 5000, what = "condition"): Promise<void> {
  const deadline = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}

/** A seeded PRNG (mulberry32) so random tests are reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Bytes with plenty of LF, CR and JSON-ish text mixed with arbitrary binary. */
export function randomStream(rand: () => number, maxLen: number): Uint8Array {
  const len = Math.floor(rand() * maxLen);
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) {
    const r = rand();
    out[i] = r < 0.05 ? 10 : r < 0.07 ? 13 : r < 0.6 ? 32 + Math.floor(rand() * 95) : Math.floor(rand() * 256);
  }
  return out;
}

/** Split bytes at random points. */
export function randomCuts(rand: () => number, bytes: Uint8Array, maxPieces = 12): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let o = 0;
  const n = 1 + Math.floor(rand() * maxPieces);
  for (let i = 0; i < n - 1 && o < bytes.byteLength; i++) {
    const step = Math.floor(rand() * (bytes.byteLength - o + 1));
    pieces.push(bytes.subarray(o, o + step));
    o += step;
  }
  pieces.push(bytes.subarray(o));
  return pieces.filter((p) => p.byteLength > 0);
}
