import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { HARD_LIMIT, HIGH_WATER } from "../../src/proxy/endpoint";
import type { HashScope } from "../../src/server";
import { startTestHashScope } from "../helpers/hashscope";
import {
  concat,
  connectPeer,
  prng,
  randomCuts,
  randomStream,
  startByteServer,
  until,
  type ByteServer,
  type Peer,
} from "../helpers/net";

let pool: ByteServer;
let hs: HashScope;

beforeAll(async () => {
  pool = startByteServer();
  hs = await startTestHashScope(pool.port);
});
afterAll(async () => {
  await hs.stop();
  pool.stop();
});

async function sendPieces(p: Peer, pieces: Uint8Array[]): Promise<void> {
  for (const piece of pieces) {
    await p.send(piece);
    if (piece.byteLength % 3 === 0) await Bun.sleep(0); // let some pieces travel as separate segments
  }
}

/** Open a session through the proxy: the miner side and the pool side of it. */
async function session(): Promise<{ miner: Peer; up: Peer }> {
  const miner = await connectPeer(hs.proxyPort);
  const up = await pool.next();
  return { miner, up };
}

describe("byte-exact relay", () => {
  test("1000 random byte streams each way, cut at random points, arrive unchanged", async () => {
    const rand = prng(20261127);
    const sessions = 1000;
    const concurrency = 25;
    let checked = 0;
    for (let base = 0; base < sessions; base += concurrency) {
      await Promise.all(
        Array.from({ length: Math.min(concurrency, sessions - base) }, async () => {
          const upBytes = randomStream(rand, 6000);
          const downBytes = randomStream(rand, 6000);
          const { miner, up } = await session();
          await Promise.all([sendPieces(miner, randomCuts(rand, upBytes)), sendPieces(up, randomCuts(rand, downBytes))]);
          await until(() => up.receivedBytes() >= upBytes.byteLength && miner.receivedBytes() >= downBytes.byteLength, 10_000, "stream delivery");
          expect(Buffer.from(up.received()).equals(Buffer.from(upBytes))).toBe(true);
          expect(Buffer.from(miner.received()).equals(Buffer.from(downBytes))).toBe(true);
          miner.socket.end();
          await up.closed;
          checked++;
        }),
      );
    }
    expect(checked).toBe(sessions);
  }, 120_000);

  test("special streams: CRLF, no trailing newline, a 1.5 MiB line, invalid UTF-8, NUL bytes", async () => {
    const big = new Uint8Array(1.5 * 1024 * 1024).fill(0x61);
    const samples = [
      new TextEncoder().encode('{"id":1,"method":"mining.subscribe","params":[]}\r\n{"id":2'),
      concat([new TextEncoder().encode('{"id":9,"method":"x","params":["'), big, new TextEncoder().encode('"]}\n')]),
      new Uint8Array([0xff, 0xfe, 0x00, 0x0a, 0xc3, 0x28, 0x0a, 0x00, 0x00]),
    ];
    for (const sample of samples) {
      const { miner, up } = await session();
      await Promise.all([miner.send(sample), up.send(sample)]);
      await until(() => up.receivedBytes() >= sample.byteLength && miner.receivedBytes() >= sample.byteLength, 10_000);
      expect(Buffer.from(up.received()).equals(Buffer.from(sample))).toBe(true);
      expect(Buffer.from(miner.received()).equals(Buffer.from(sample))).toBe(true);
      miner.socket.end();
      await up.closed;
    }
  });
});

describe("closing", () => {
  test("miner closes: the pool side is closed at once and the reason recorded", async () => {
    const { miner, up } = await session();
    await miner.send(new TextEncoder().encode("last words\n"));
    await until(() => up.receivedBytes() === 11);
    miner.socket.end();
    await up.closed;
    // The store hears of the close from the relay thread a moment after the socket closed.
    const closed = () => hs.store.listSessions("all").find((x) => x.counters.bytes_up === 11 && x.close_reason === "miner_closed");
    await until(() => closed() !== undefined, 5000, "the close recorded");
    const s = closed();
    expect(s?.state).toBe("closed");
    expect(s?.closed_at).toMatch(/Z$/);
  });

  test("pool closes: everything it sent reaches the miner, then the miner is closed", async () => {
    const { miner, up } = await session();
    const payload = new Uint8Array(3 * 1024 * 1024).fill(0x7a);
    await up.send(payload);
    up.socket.end();
    await miner.closed;
    expect(miner.receivedBytes()).toBe(payload.byteLength);
    await until(() => hs.store.listSessions("closed").some((s) => s.close_reason === "pool_closed"));
  });

  test("disconnect through the API closes both sides", async () => {
    const { miner, up } = await session();
    await until(() => hs.store.listSessions("live").some((s) => s.state === "live"));
    const live = hs.store.listSessions("live").find((s) => s.state === "live")!;
    const res = await fetch(`http://127.0.0.1:${hs.apiPort}/api/sessions/${live.id}/disconnect`, { method: "POST" });
    expect(res.status).toBe(200);
    await Promise.all([miner.closed, up.closed]);
    await until(() => hs.store.getSession(live.id)?.close_reason === "disconnected_by_api", 5000, "the reason recorded");
    const again = await fetch(`http://127.0.0.1:${hs.apiPort}/api/sessions/${live.id}/disconnect`, { method: "POST" });
    expect(again.status).toBe(409);
  });

  test("upstream refused: the miner is closed and the session is failed with the reason", async () => {
    const dead = startByteServer();
    const port = dead.port;
    dead.stop(); // nothing listens there now
    const hs2 = await startTestHashScope(port);
    try {
      const miner = await connectPeer(hs2.proxyPort);
      await miner.closed;
      await until(() => hs2.store.listSessions("all")[0]?.state === "failed");
      const s = hs2.store.listSessions("all")[0]!;
      expect(s.close_reason).toBe("upstream_failed");
      expect(s.close_detail).toContain(`127.0.0.1:${port}`);
    } finally {
      await hs2.stop();
    }
  });

  test("upstream connect timeout (a TLS pool that never answers the handshake): failed, and the socket is not leaked", async () => {
    const silent = startByteServer();
    const hs2 = await startTestHashScope(0, {
      POOL_HOST: `stratum+ssl://127.0.0.1:${silent.port}`,
      UPSTREAM_CONNECT_TIMEOUT_MS: "300",
    });
    try {
      const miner = await connectPeer(hs2.proxyPort);
      const up = await silent.next();
      await miner.closed;
      await up.closed; // HashScope gave up on the half-open upstream connection
      await until(() => hs2.store.listSessions("all")[0]?.state === "failed", 5000, "the failure recorded");
      const s = hs2.store.listSessions("all")[0]!;
      expect(s.state).toBe("failed");
      expect(s.close_reason).toBe("upstream_failed");
      expect(s.close_detail).toContain("within 300 ms");
    } finally {
      await hs2.stop();
      silent.stop();
    }
  });
});

describe("backpressure", () => {
  test("a miner that stops reading costs bounded memory, and gets every byte once it reads again", async () => {
    const { miner, up } = await session();
    miner.socket.pause();
    const total = 48 * 1024 * 1024;
    const chunk = new Uint8Array(256 * 1024);
    for (let i = 0; i < chunk.length; i++) chunk[i] = i & 0xff;
    let sent = 0;
    // The pool writes until the kernel and the relay push back (its writes come back short), bounded in time.
    const deadline = performance.now() + 3000;
    while (sent < total && performance.now() < deadline) {
      const n = up.socket.write(chunk.subarray(sent % chunk.byteLength));
      if (n < 0) break;
      sent += n;
      if (n === 0 || sent % chunk.byteLength !== 0) await Bun.sleep(5);
    }
    expect(sent).toBeLessThan(total); // the pool was pushed back rather than everything buffered
    const live = hs.store.listSessions("live").find((s) => s.counters.bytes_down > 0 && s.state === "live")!;
    const queued = hs.relay.maxQueuedBytes(live.id)!;
    expect(queued).toBeLessThan(HARD_LIMIT);
    expect(queued).toBeLessThan(HIGH_WATER + 2 * 1024 * 1024);
    miner.socket.resume();
    await until(() => miner.receivedBytes() >= sent, 10_000, "the miner to read everything");
    const got = miner.received();
    expect(got.byteLength).toBe(sent);
    let ok = true;
    for (let i = 0; i < got.length; i += 4099) if (got[i] !== (i % chunk.byteLength) % 256) ok = false;
    expect(ok).toBe(true);
    miner.socket.end();
    await up.closed;
  }, 30_000);
});
