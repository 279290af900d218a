import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { HashScope } from "../../src/server";
import { startTestHashScope } from "../helpers/hashscope";
import { connectPeer, startByteServer, until, type ByteServer } from "../helpers/net";
import { hashScopePorts, spawnHashScope } from "../helpers/procs";
import { readdirSync, readFileSync } from "node:fs";

/** The relay on its own thread (RELAY_THREAD, the default) and on the main thread behave the same at the sockets. */

const enc = (s: string) => new TextEncoder().encode(s);
const LINE = enc('{"id":1,"method":"mining.subscribe","params":[]}\n');
type Stats = {
  bytes: { up: number };
  messages: { total: number };
  capture: { dropped_bytes: number };
  relay: { thread: boolean; ring: { capacity_bytes: number; used_bytes: number; dropped_bytes: number } | null };
};
const stats = async (hs: HashScope) => (await (await fetch(`http://127.0.0.1:${hs.apiPort}/api/stats`)).json()) as Stats;

/** 32 MiB of submit lines, as fast as the socket takes them; prints the sha256 and count of what it sent, then closes. */
const TOTAL = 32 * 1024 * 1024;
const MINER = `
const [port, total] = process.argv.slice(-2).map(Number);
const hash = new Bun.CryptoHasher("sha256");
let sent = 0, drained = () => {};
const sock = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {}, drain: () => drained() } });
let i = 0;
while (sent < total) {
  let s = "";
  while (s.length < 65536) s += '{"id":' + i++ + ',"method":"mining.submit","params":["w","' + "a".repeat(200) + '"]}\\n';
  let b = new TextEncoder().encode(s).subarray(0, total - sent);
  hash.update(b);
  sent += b.byteLength;
  while (b.byteLength) {
    const n = sock.write(b);
    b = b.subarray(n);
    if (b.byteLength) await new Promise((r) => { drained = r; setTimeout(r, 20); });
  }
}
sock.flush();
await Bun.sleep(200);
sock.end();
console.log(hash.digest("hex") + " " + sent);
`;

/** A pool in a child process: prints its port, hashes what it receives on one connection, prints sha256 and count at its end. */
const POOL = `
const hash = new Bun.CryptoHasher("sha256");
let n = 0;
const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: {
  data(_s, c) { hash.update(c); n += c.byteLength; },
  close() { console.log(hash.digest("hex") + " " + n); l.stop(true); },
} });
console.log("port " + l.port);
`;

/** Keep this thread (the ring's reader) busy, as a long capture slice or a garbage collection would. */
function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

describe("the ring at its bound (RELAY_RING_BYTES)", () => {
  test("every byte still reaches the pool, and what capture missed is counted", async () => {
    // Miner and pool are child processes, so bytes keep flowing while this thread (the ring's reader) is stalled.
    const pool = Bun.spawn(["bun", "-e", POOL], { stdout: "pipe", stderr: "inherit" });
    const lines = (async function* () {
      let text = "";
      for await (const c of pool.stdout) {
        text += new TextDecoder().decode(c);
        let nl: number;
        while ((nl = text.indexOf("\n")) >= 0) {
          yield text.slice(0, nl);
          text = text.slice(nl + 1);
        }
      }
    })();
    const poolPort = Number((await lines.next()).value!.split(" ")[1]);
    const hs = await startTestHashScope(poolPort, { RELAY_RING_BYTES: String(64 * 1024) });
    try {
      const miner = Bun.spawn(["bun", "-e", MINER, String(hs.proxyPort), String(TOTAL)], { stdout: "pipe", stderr: "inherit" });
      const minerDone = new Response(miner.stdout).text();
      let finished = false;
      void minerDone.then(() => (finished = true));
      for (const end = performance.now() + 30_000; !finished && performance.now() < end; ) {
        block(30);
        await Bun.sleep(2);
      }
      const [sentHash, sentText] = (await minerDone).trim().split(" ");
      const sentBytes = Number(sentText);
      expect(sentBytes).toBe(TOTAL);
      const [gotHash, gotText] = (await lines.next()).value!.split(" ");
      expect(Number(gotText)).toBe(sentBytes);
      expect(gotHash).toBe(sentHash!);
      let st = await stats(hs);
      for (const end = performance.now() + 10_000; st.bytes.up < sentBytes && performance.now() < end; st = await stats(hs)) await Bun.sleep(50);
      // Capture runs behind the relay (slices on this thread): on a loaded machine what it kept may still be queued.
      for (const end = performance.now() + 10_000; st.messages.total === 0 && performance.now() < end; st = await stats(hs)) await Bun.sleep(50);
      expect(st.bytes.up).toBe(sentBytes); // counted exactly, captured or not
      expect(st.relay.thread).toBe(true);
      expect(st.relay.ring!.capacity_bytes).toBe(64 * 1024);
      expect(st.relay.ring!.dropped_bytes).toBeGreaterThan(0);
      expect(st.capture.dropped_bytes).toBeGreaterThanOrEqual(st.relay.ring!.dropped_bytes);
      expect(st.messages.total).toBeGreaterThan(0); // capture resynchronised after the gaps
      const metrics = await (await fetch(`http://127.0.0.1:${hs.apiPort}/metrics`)).text();
      expect(metrics).toContain(`hashscope_relay_ring_dropped_bytes_total ${st.relay.ring!.dropped_bytes}`);
      expect(metrics).toContain("hashscope_relay_ring_capacity_bytes 65536");
      const rec = hs.store.listSessions("all").find((s) => s.counters.bytes_up === sentBytes)!;
      expect(rec.counters.capture_dropped_bytes).toBeGreaterThan(0);
    } finally {
      await hs.stop();
      pool.kill();
    }
  }, 60_000);
});

for (const mode of ["on", "off"] as const) {
  describe(`RELAY_THREAD=${mode}`, () => {
    let pool: ByteServer;
    let hs: HashScope;
    beforeAll(async () => {
      pool = startByteServer();
      hs = await startTestHashScope(pool.port, { RELAY_THREAD: mode, MAX_SESSIONS: "2", HANDSHAKE_TIMEOUT_MS: "300" });
    });
    afterAll(async () => {
      await hs.stop();
      pool.stop();
    });

    test("relays both ways, counts, refuses past MAX_SESSIONS, times out a silent miner, disconnects through the API", async () => {
      expect(hs.relay.ring() !== null).toBe(mode === "on");
      const miner = await connectPeer(hs.proxyPort);
      const up = await pool.next();
      await miner.send(LINE);
      await up.send(enc('{"id":1,"result":[[],"00",4],"error":null}\n'));
      await until(() => up.receivedBytes() === LINE.byteLength && miner.receivedBytes() > 0, 5000, "both ways");
      await until(() => hs.store.listSessions("live").some((s) => s.counters.bytes_up === LINE.byteLength && s.counters.messages_down === 1), 5000, "counted and captured");
      const silent = await connectPeer(hs.proxyPort);
      await until(() => hs.relay.liveSessions() === 2, 5000, "two sessions");
      const refused = await connectPeer(hs.proxyPort).catch(() => null);
      await refused?.closed;
      await until(() => hs.relay.refusedSessions() === 1, 5000, "the refusal counted");
      await silent.closed;
      await until(() => hs.store.listSessions("closed").some((s) => s.close_reason === "handshake_timeout"), 5000, "handshake timeout recorded");
      const live = hs.store.listSessions("live").find((s) => s.state === "live")!;
      const res = await fetch(`http://127.0.0.1:${hs.apiPort}/api/sessions/${live.id}/disconnect`, { method: "POST" });
      expect(res.status).toBe(200);
      await Promise.all([miner.closed, up.closed]);
      await until(() => hs.store.getSession(live.id)?.close_reason === "disconnected_by_api", 5000, "the reason recorded");
      await until(() => hs.relay.liveSessions() === 0, 5000, "all gone");
      const again = await fetch(`http://127.0.0.1:${hs.apiPort}/api/sessions/${live.id}/disconnect`, { method: "POST" });
      expect(again.status).toBe(409);
    }, 20_000);
  });
}

describe("MAIN_THREAD_NICE", () => {
  /** Nice value of each thread of `pid`, by thread id (field 19 of /proc/<pid>/task/<tid>/stat). */
  const niceOf = (pid: number): Map<number, number> =>
    new Map(
      readdirSync(`/proc/${pid}/task`).map((tid) => [Number(tid), Number(readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8").split(") ")[1]!.split(" ")[16])]),
    );

  for (const [env, expected] of [[{}, 10], [{ MAIN_THREAD_NICE: "3" }, 3], [{ RELAY_THREAD: "off" }, 0]] as const) {
    test(`${JSON.stringify(env)}: the program's main thread runs at nice ${expected}, the relay thread keeps its own`, async () => {
      const child = spawnHashScope("nice", { POOL_HOST: "127.0.0.1:9", DATABASE_URL: "sqlite::memory:", ...env });
      try {
        await hashScopePorts(child);
        const pid = child.proc.pid;
        const nice = niceOf(pid);
        const base = Number(readFileSync(`/proc/${process.pid}/stat`, "utf8").split(") ")[1]!.split(" ")[16]);
        expect(nice.get(pid)).toBe(Math.min(19, base + expected));
        // Other threads (the relay thread among them) were started before and keep the process's nice value.
        expect([...nice.values()].filter((n) => n === base).length).toBeGreaterThan(0);
      } finally {
        await child.stop();
      }
    }, 20_000);
  }

  test("a bad value is one line naming the variable, exit 2", async () => {
    const child = spawnHashScope("nice-bad", { POOL_HOST: "127.0.0.1:9", DATABASE_URL: "sqlite::memory:", MAIN_THREAD_NICE: "20" });
    expect(await child.proc.exited).toBe(2);
    expect(child.output()).toContain("MAIN_THREAD_NICE");
  });
});
