import { describe, expect, test } from "bun:test";
import { startTestHashScope } from "../helpers/hashscope";
import { connectPeer, startByteServer, until } from "../helpers/net";

type Health = { status: string; reasons: string[] };
const health = async (port: number) => {
  const res = await fetch(`http://127.0.0.1:${port}/health`);
  return { code: res.status, body: (await res.json()) as Health };
};

describe("/health", () => {
  test("ok; degraded (200) with the reason while capture is shed under MAX_MEMORY_MB; 503 only once the relay is down", async () => {
    const pool = startByteServer();
    const hs = await startTestHashScope(pool.port);
    try {
      expect(await health(hs.apiPort)).toEqual({ code: 200, body: expect.objectContaining({ status: "ok", reasons: [] }) });
      hs.capture.setShedding(true); // what the memory guard does past the ceiling (its own test covers when)
      const h = await health(hs.apiPort);
      expect(h.code).toBe(200);
      expect(h.body.status).toBe("degraded");
      expect(h.body.reasons[0]).toContain("capture shedding");
      hs.capture.setShedding(false);
      await hs.relay.stop();
      const down = await health(hs.apiPort);
      expect(down.code).toBe(503);
      expect(down.body.status).toBe("down");
    } finally {
      await hs.stop();
      pool.stop();
    }
  });

  test("a real ceiling: MAX_MEMORY_MB=1 sheds from the first sample, and /health says so", async () => {
    const pool = startByteServer();
    const hs = await startTestHashScope(pool.port, { MAX_MEMORY_MB: "1" });
    try {
      await until(() => hs.capture.isShedding, 5000, "shedding");
      const h = await health(hs.apiPort);
      expect(h.body.status).toBe("degraded");
      const miner = await connectPeer(hs.proxyPort);
      const up = await pool.next();
      const line = new TextEncoder().encode('{"id":1,"method":"mining.subscribe","params":[]}\n');
      await miner.send(line);
      await until(() => up.receivedBytes() === line.byteLength, 5000, "relayed while shedding");
      await until(() => hs.capture.shedBytes === line.byteLength, 5000, "counted as shed");
      expect(hs.store.messageCount).toBe(0);
      miner.socket.end();
    } finally {
      await hs.stop();
      pool.stop();
    }
  });

  test("degraded when the pool is unreachable for all recent sessions", async () => {
    const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const closedPort = probe.port;
    probe.stop(true); // nothing listens there now
    const hs = await startTestHashScope(closedPort);
    try {
      for (let i = 0; i < 3; i++) {
        const m = await connectPeer(hs.proxyPort);
        await m.closed;
      }
      await until(() => hs.store.listSessions("closed").filter((s) => s.close_reason === "upstream_failed").length === 3, 5000, "three failed");
      const h = await health(hs.apiPort);
      expect(h.code).toBe(200);
      expect(h.body).toMatchObject({ status: "degraded", reasons: ["pool unreachable for all recent sessions"] });
    } finally {
      await hs.stop();
    }
  });
});
