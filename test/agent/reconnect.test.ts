import { afterEach, describe, expect, test } from "bun:test";
import { AgentPoolClient } from "../../agent/pool-client.ts";
import { startSimPool, type SimPool } from "../../src/sim/pool.ts";
import { share, startRig, waitFor, type Rig } from "./helpers.ts";

let rig: Rig | null = null;
let other: SimPool | null = null;
afterEach(async () => {
  await rig?.stop();
  await other?.stop();
  rig = null;
  other = null;
});

describe("agent pool connection", () => {
  test("a pool drop: conn_state reconnecting, then connected again, and submits work on the new session", async () => {
    const states: string[] = [];
    // A long first backoff so the "reconnecting" telemetry is observable.
    rig = await startRig({ sim: { difficulty: 1e-30 }, agent: { poolInitialBackoffMs: 800, log: (l) => l.startsWith("pool: state ") && states.push(l.slice(12)) } });
    const r = rig;
    expect(r.agent.pool.sessions).toBe(1);
    r.pool.dropAll(true);
    await waitFor(() => r.agent.pool.state === "reconnecting", 3000, "reconnecting");
    const during = r.agent.publishTelemetry();
    expect(during?.conn_state).toBe("reconnecting");
    await waitFor(() => r.telemetry.some((t) => t.conn_state === "reconnecting"), 3000, "reconnecting telemetry over the relay");
    await waitFor(() => r.agent.pool.sessions === 2 && r.agent.pool.isReady, 5000, "second session");
    await waitFor(() => r.telemetry.at(-1)?.conn_state === "connected", 3000, "connected telemetry");
    expect(states).toEqual(["connected", "reconnecting", "connected"]);
    expect(r.telemetry.at(-1)!.errors.some((e) => e.includes("connection lost"))).toBe(true);
    const job = r.pool.currentJob!;
    r.publishShare(share(["m.w", job.job_id, "00000003", job.ntime, "00000000"]));
    await waitFor(() => r.agent.stats.accepted === 1, 4000, "accepted after reconnect");
  });

  test("a pool that is down at start is retried until it comes up", async () => {
    // A port with nothing behind it; a pool starts there later.
    const probe = await startSimPool();
    const port = probe.port;
    await probe.stop();
    const c = new AgentPoolClient({ pool: { host: "127.0.0.1", port, tls: false }, worker: "w.hashscope_agent1", password: "x", initialBackoffMs: 50, maxBackoffMs: 200 });
    c.start();
    await Bun.sleep(300);
    expect(c.state).toBe("connecting");
    other = await startSimPool({ port });
    await waitFor(() => c.isReady, 4000, "connected once the pool is up");
    expect(c.state).toBe("connected");
    expect(c.versionMask).toBe("1fffe000");
    expect(c.extranonce2Size).toBe(4);
    c.stop();
  });

  test("client.reconnect is followed to the new host/port", async () => {
    rig = await startRig();
    const r = rig;
    other = await startSimPool();
    const o = other;
    r.pool.sendToAll(JSON.stringify({ id: null, method: "client.reconnect", params: ["127.0.0.1", o.port, 0] }));
    await waitFor(() => r.agent.pool.isReady && r.agent.pool.target.port === o.port, 4000, "moved to the other pool");
    expect(o.connections).toBe(1);
    expect(r.agent.pool.reconnectsFollowed).toBe(1);
    await waitFor(() => r.telemetry.at(-1)?.pool_target.port === o.port && r.telemetry.at(-1)?.conn_state === "connected", 3000, "telemetry names the new target");
    // And as a request with an id: acknowledged, then followed (back to the first pool).
    o.sendToAll(JSON.stringify({ id: 9, method: "client.reconnect", params: ["", r.pool.port, "0"] }));
    await waitFor(() => r.agent.pool.isReady && r.agent.pool.target.port === r.pool.port, 4000, "moved back");
    expect(o.clientReplies.some((x) => JSON.parse(x.line).id === 9 && JSON.parse(x.line).result === true)).toBe(true);
  });

  test("a pool that rejects or ignores mining.configure is used without version rolling", async () => {
    for (const mode of ["reject", "ignore"] as const) {
      const seen: string[] = [];
      const server = Bun.listen<undefined>({
        hostname: "127.0.0.1",
        port: 0,
        socket: {
          data(s, chunk) {
            for (const line of new TextDecoder().decode(chunk).split("\n").filter(Boolean)) {
              const m = JSON.parse(line) as { id: number; method: string };
              seen.push(m.method);
              if (m.method === "mining.configure" && mode === "reject") s.write(JSON.stringify({ id: m.id, result: null, error: [-3, "Method not found", null] }) + "\n");
              if (m.method === "mining.subscribe") s.write(JSON.stringify({ id: m.id, result: [[["mining.notify", "1"]], "abcd0001", 4], error: null }) + "\n");
              if (m.method === "mining.authorize") s.write(JSON.stringify({ id: m.id, result: true, error: null }) + "\n");
            }
          },
        },
      });
      const c = new AgentPoolClient({ pool: { host: "127.0.0.1", port: server.port, tls: false }, worker: "w.hashscope_agent1", password: "x", requestTimeoutMs: 300 });
      c.start();
      try {
        await waitFor(() => c.isReady, 4000, `ready (${mode})`);
        expect(seen).toEqual(["mining.configure", "mining.subscribe", "mining.authorize"]);
        expect(c.versionMask).toBeNull();
        expect(c.extranonce1).toBe("abcd0001");
      } finally {
        c.stop();
        server.stop(true);
      }
    }
  });

  test("a refused authorize reports conn_state error and keeps retrying", async () => {
    other = await startSimPool({ authorize: () => false });
    const errors: string[] = [];
    const c2 = new AgentPoolClient({ pool: { host: "127.0.0.1", port: other.port, tls: false }, worker: "w.hashscope_agent2", password: "x", initialBackoffMs: 50, maxBackoffMs: 100, onError: (e) => errors.push(e) });
    c2.start();
    try {
      await waitFor(() => errors.length >= 2, 4000, "two refused attempts");
      expect(c2.state).toBe("error");
      expect(errors[0]).toContain("authorize of w.hashscope_agent2 refused: 24 Unauthorized worker");
    } finally {
      c2.stop();
    }
  });
});
