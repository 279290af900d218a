import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Socket, TCPSocketListener } from "bun";
import { hashScopePorts, spawnHashScope, type ChildProcess } from "../helpers/procs";
import { until } from "../helpers/net";

/** The documented default of MAX_MEMORY_MB (README configuration table). */
const CEILING_MB = 1024;
const SECONDS = Number(process.env.FLOOD_SECONDS ?? 20);

const rssMiB = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(require("node:fs").readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : 0;
};

type Sink = { bytes: number; hash: Bun.CryptoHasher };

describe("a miner sending 60 KiB lines as fast as it can, with a database file", () => {
  let dir: string;
  let child: ChildProcess;
  let sink: Sink;
  let pool: TCPSocketListener<Sink>;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "hs-flood-"));
    sink = { bytes: 0, hash: new Bun.CryptoHasher("sha256") };
    pool = Bun.listen<Sink>({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        open: (s) => void (s.data = sink),
        data: (s, b) => {
          s.data.bytes += b.byteLength;
          s.data.hash.update(b);
        },
      },
    });
    child = spawnHashScope("flood", { POOL_HOST: `127.0.0.1:${pool.port}`, DATABASE_URL: process.env.FLOOD_DB ?? `sqlite:${dir}/flood.db`, ...(process.env.FLOOD_MAX_MB ? { MAX_MEMORY_MB: process.env.FLOOD_MAX_MB } : {}) });
  });
  afterAll(async () => {
    await child.stop();
    pool.stop(true);
    rmSync(dir, { recursive: true, force: true });
  });

  test(`${SECONDS} s: RSS stays under MAX_MEMORY_MB's default, every byte reaches the pool, dropped capture is counted`, async () => {
    const { proxy, api } = await hashScopePorts(child);
    const pad = "f".repeat(60 * 1024 - 80);
    const sent = new Bun.CryptoHasher("sha256");
    let sentBytes = 0;
    let drained: (() => void) | null = null;
    const miner: Socket<undefined> = await Bun.connect({
      hostname: "127.0.0.1",
      port: proxy,
      socket: { data() {}, drain: () => drained?.() },
    });
    let maxRss = 0;
    const sampler = setInterval(() => (maxRss = Math.max(maxRss, rssMiB(child.proc.pid))), 100);
    const end = performance.now() + SECONDS * 1000;
    for (let i = 0; performance.now() < end; i++) {
      const line = new TextEncoder().encode(`{"id":${i},"method":"mining.submit","params":["w","${pad}"]}\n`);
      let rest = line;
      while (rest.byteLength && performance.now() < end + 5000) {
        const n = miner.write(rest);
        if (n < 0) throw new Error("HashScope closed the miner");
        rest = rest.subarray(n);
        if (rest.byteLength) await new Promise<void>((r) => ((drained = r), setTimeout(r, 20)));
      }
      sent.update(line.subarray(0, line.byteLength - rest.byteLength));
      sentBytes += line.byteLength - rest.byteLength;
      if (rest.byteLength) break;
    }
    await until(() => sink.bytes === sentBytes, 30_000, "every byte at the pool").finally(() => clearInterval(sampler));
    expect(sink.hash.digest("hex")).toBe(sent.digest("hex"));
    type Stats = {
      bytes: { up: number };
      messages: { total: number };
      capture: { dropped_bytes: number; shed_bytes: number };
      writer: { dropped: number | null } | null;
      memory: { shedding: boolean; shed_episodes: number; max_bytes: number };
    };
    const read = async () => (await (await fetch(`http://127.0.0.1:${api}/api/stats`)).json()) as Stats;
    // The counts come from the relay thread's ring, a moment behind the sockets: wait (bounded) until they are all in.
    let stats = await read();
    for (const deadline = performance.now() + 15_000; stats.bytes.up < sentBytes && performance.now() < deadline; stats = await read())
      await Bun.sleep(100);
    console.log(
      `flood: ${(sentBytes / 2 ** 20).toFixed(0)} MiB in ${SECONDS} s, max RSS ${maxRss.toFixed(0)} MiB, captured ${stats.messages.total} lines, ` +
        `capture dropped ${(stats.capture.dropped_bytes / 2 ** 20).toFixed(0)} MiB (shed ${(stats.capture.shed_bytes / 2 ** 20).toFixed(0)}), writer dropped ${stats.writer?.dropped}, shed episodes ${stats.memory.shed_episodes}`,
    );
    expect(stats.bytes.up).toBe(sentBytes);
    expect(stats.memory.max_bytes).toBe(CEILING_MB * 2 ** 20);
    expect(maxRss).toBeLessThan(CEILING_MB);
    // What was not captured is counted: captured lines plus dropped bytes account for what was sent, but for the
    // rest of each line cut by a gap (skipped up to its newline, not counted: at most one line per gap).
    expect(stats.capture.dropped_bytes).toBeGreaterThan(0);
    const lineBytes = sentBytes / Math.max(1, Math.round(sentBytes / (60 * 1024)));
    expect(stats.messages.total * lineBytes + stats.capture.dropped_bytes).toBeGreaterThanOrEqual(sentBytes * 0.99);
    miner.end();
  }, (SECONDS + 60) * 1000);
});
