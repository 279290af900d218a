import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HashScope } from "../../src/server";
import { crashRelayThreadForTest } from "../../src/proxy/thread/relay-thread";
import { startTestHashScope } from "../helpers/hashscope";
import { connectPeer, startByteServer, until, type ByteServer } from "../helpers/net";
import { hashScopePorts, spawnScript } from "../helpers/procs";

/** The relay thread dies (a bug throws on its loop, or the worker is terminated): HashScope says so and ends its sessions. */

const LINE = new TextEncoder().encode('{"id":1,"method":"mining.subscribe","params":[]}\n');
type Health = { status: string; reasons: string[] };
type Stats = { relay: { thread: boolean; up: boolean; failure: string | null } };

const get = (port: number, path: string) => fetch(`http://127.0.0.1:${port}${path}`);
const relayUp = (metrics: string): string | undefined => /^hashscope_relay_up (\d)$/m.exec(metrics)?.[1];

let pool: ByteServer;
let dir: string;
beforeAll(() => {
  pool = startByteServer();
  dir = mkdtempSync(join(tmpdir(), "hs-relay-death-"));
});
afterAll(() => {
  pool.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("the relay thread dies", () => {
  for (const how of ["throw", "terminate"] as const) {
    test(`(${how}): /health 503 naming it, /metrics hashscope_relay_up 0, every live session closed, this process goes on`, async () => {
      const hs: HashScope = await startTestHashScope(pool.port, { RELAY_THREAD: "on", DATABASE_URL: `sqlite:${join(dir, `${how}.db`)}` });
      try {
        const miners = [await connectPeer(hs.proxyPort), await connectPeer(hs.proxyPort)];
        for (const m of miners) await m.send(LINE);
        await until(() => hs.store.listSessions("live").filter((s) => s.counters.bytes_up === LINE.byteLength).length === 2, 5000, "two live sessions");
        const before = await get(hs.apiPort, "/health");
        expect(before.status).toBe(200);
        const metricsBefore = await (await get(hs.apiPort, "/metrics")).text();
        expect(metricsBefore).toContain("# TYPE hashscope_relay_up gauge");
        expect(metricsBefore).toContain("# HELP hashscope_relay_up ");
        expect(relayUp(metricsBefore)).toBe("1");

        crashRelayThreadForTest(hs.relay, how);
        await until(() => !hs.relay.listening(), 5000, "the relay reported down");

        const health = await get(hs.apiPort, "/health");
        expect(health.status).toBe(503);
        const body = (await health.json()) as Health;
        expect(body.status).toBe("down");
        expect(body.reasons.join(" ")).toContain("relay thread stopped");
        if (how === "throw") expect(body.reasons.join(" ")).toContain("crash asked for by a test");
        expect(relayUp(await (await get(hs.apiPort, "/metrics")).text())).toBe("0");
        const stats = (await (await get(hs.apiPort, "/api/stats")).json()) as Stats;
        expect(stats.relay).toMatchObject({ thread: true, up: false });
        expect(stats.relay.failure).toContain("relay thread stopped");

        // No record stays live for a relay that is gone; the miners lose their connections with the thread's sockets.
        expect(hs.store.listSessions("live")).toEqual([]);
        const closed = hs.store.listSessions("all");
        expect(closed).toHaveLength(2);
        for (const s of closed) expect(s).toMatchObject({ state: "closed", close_reason: "error", close_detail: "relay thread stopped" });
        expect(hs.relay.liveSessions()).toBe(0);
        await until(() => miners.every((m) => m.isClosed()), 5000, "miners' connections closed");
        expect(hs.relay.sendToPool(closed[0]!.id, LINE)).toBe(false);
      } finally {
        await hs.stop();
      }
    });
  }

  test("`bun run start` logs one line, answers 503 for a moment, then exits 1", async () => {
    const child = spawnScript("relay-dies", ["test/fixtures/relay-dies-main.ts"], {
      POOL_HOST: `127.0.0.1:${pool.port}`,
      LISTEN_HOST: "127.0.0.1",
      LISTEN_PORT: "0",
      API_HOST: "127.0.0.1",
      API_PORT: "0",
      DATABASE_URL: `sqlite:${join(dir, "child.db")}`,
      MAIN_THREAD_NICE: "0",
    });
    try {
      const { api } = await hashScopePorts(child);
      expect((await get(api, "/health")).status).toBe(200);
      child.proc.kill("SIGUSR2");
      let status = 0;
      for (let i = 0; i < 200 && status !== 503; i++) {
        status = (await get(api, "/health").catch(() => null))?.status ?? 0;
        if (status !== 503) await Bun.sleep(10);
      }
      expect(status).toBe(503);
      const code = await Promise.race([child.proc.exited, Bun.sleep(15_000).then(() => "still running")]);
      expect(code).toBe(1);
      const lines = child.output().split("\n").filter((l) => l.includes("exiting with code 1"));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain("relay thread stopped");
    } finally {
      await child.stop();
    }
  });
});
