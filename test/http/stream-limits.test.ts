import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { HashScope } from "../../src/server";
import { startTestHashScope } from "../helpers/hashscope";
import { connectPeer, startByteServer, until, type ByteServer } from "../helpers/net";
import { readSse } from "../helpers/sse";

const enc = (s: string) => new TextEncoder().encode(s);

describe("SSE_MAX_CLIENTS", () => {
  let pool: ByteServer;
  let hs: HashScope;
  beforeAll(async () => {
    pool = startByteServer();
    hs = await startTestHashScope(pool.port, { SSE_MAX_CLIENTS: "2" });
  });
  afterAll(async () => {
    await hs.stop();
    pool.stop();
  });

  test("one client more than the cap is answered 503 with Retry-After and counted; a place that frees up is taken again", async () => {
    const url = `http://127.0.0.1:${hs.apiPort}/api/stream`;
    const open = () => {
      const ac = new AbortController();
      return fetch(url, { signal: ac.signal }).then((res) => ({ res, ac }));
    };
    const a = await open();
    const b = await open();
    expect([a.res.status, b.res.status]).toEqual([200, 200]);
    const c = await fetch(url);
    expect(c.status).toBe(503);
    expect(c.headers.get("retry-after")).toBe("5");
    expect(((await c.json()) as { error: string }).error).toContain("SSE_MAX_CLIENTS 2");
    // The pages' streams share the cap.
    expect((await fetch(`http://127.0.0.1:${hs.apiPort}/ui/stream/overview`)).status).toBe(503);
    const stats = (await (await fetch(`http://127.0.0.1:${hs.apiPort}/api/stats`)).json()) as { streams: { clients: number; refused: number } };
    expect(stats.streams).toMatchObject({ clients: 2, refused: 2 });
    a.ac.abort();
    await until(() => hs.sse!.clients === 1, 5000, "a place freed");
    const d = await open();
    expect(d.res.status).toBe(200);
    b.ac.abort();
    d.ac.abort();
    await until(() => hs.sse!.clients === 0, 5000, "all places freed");
  });
});

describe("a stream client that stops reading", () => {
  let pool: ByteServer;
  let hs: HashScope;
  beforeAll(async () => {
    pool = startByteServer();
    hs = await startTestHashScope(pool.port, { SSE_CLIENT_MAX_BYTES: "50000", API_IDLE_TIMEOUT_SEC: "2", CAPTURE_BACKLOG_BYTES: String(64 << 20) });
  });
  afterAll(async () => {
    await hs.stop();
    pool.stop();
  });

  test("is cut off at its byte bound (counted), its connection is ended, and it resumes with Last-Event-ID without a gap", async () => {
    const seqBefore = hs.store.lastSeq;
    // A raw HTTP client that sends its request and then never reads a byte.
    let stuckClosed = false;
    let stuckBytes = 0;
    const stuck = await Bun.connect({
      hostname: "127.0.0.1",
      port: hs.apiPort,
      socket: {
        data: (_s, b) => void (stuckBytes += b.byteLength),
        close: () => void (stuckClosed = true),
        error: () => void (stuckClosed = true),
      },
    });
    stuck.write(`GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    stuck.pause();
    await until(() => hs.sse!.clients === 1, 5000, "the stuck client admitted");
    // A miner sends ~10 MB of lines: more than the kernel's socket buffers and the client's byte bound.
    const miner = await connectPeer(hs.proxyPort);
    const up = await pool.next();
    const lines = Array.from({ length: 30_000 }, (_, i) => `{"id":${i},"method":"mining.suggest_difficulty","params":[${i}],"pad":"${"p".repeat(240)}"}\n`).join("");
    const bytes = enc(lines);
    await miner.send(bytes);
    await until(() => up.receivedBytes() === bytes.byteLength, 20_000, "every byte at the pool");
    await until(() => hs.store.events.overflows >= 1, 20_000, "the stuck client's subscription overflowed");
    await until(() => hs.sse!.clients === 0, 20_000, "the stuck client's place freed");
    const metrics = await (await fetch(`http://127.0.0.1:${hs.apiPort}/metrics`)).text();
    expect(metrics).toMatch(/hashscope_stream_overflowed_total [1-9]/);
    // The server ended it: reading now, the client gets what was already in the socket buffers, then the end.
    stuck.resume();
    await until(() => stuckClosed, 20_000, "the stuck client's connection closed by the server");
    // Coming back with the last id it saw (here: none of the new ones), it gets everything since, in order.
    await until(() => hs.store.lastSeq - seqBefore === 30_000, 20_000, "all lines captured");
    const res = await fetch(`http://127.0.0.1:${hs.apiPort}/api/stream`, { headers: { "last-event-id": String(seqBefore) } });
    const got = await readSse(res, 30_000, 20_000);
    expect(got.length).toBe(30_000);
    expect(got.every((e, i) => e.id === seqBefore + 1 + i)).toBe(true);
    // What the stuck client got before its end is less than the whole stream: the rest was never held for it.
    const whole = got.reduce((n, e) => n + JSON.stringify(e.data).length, 0);
    expect(stuckBytes).toBeLessThan(whole);
    miner.socket.end();
  }, 60_000);
});
