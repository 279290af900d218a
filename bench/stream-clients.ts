/**
 * Stream clients and the relay. A load miner sends mining.submit lines at a fixed rate through HashScope (database file,
 * everything on) to an answering "pool" (each answered, so twice the rate in lines); a probe miner times a round trip
 * every 2 ms. Phases in the same run, each WINDOW_MS:
 *   A  5,000 lines/s, no stream clients            B  the same with 200 stream clients that never read
 *   C  2,000 lines/s, no stream clients            D  the same with 50 stream clients that read everything
 * Reports the probe's p50/p99, HashScope's CPU (from /proc) and RSS per phase.
 *   bun run bench/stream-clients.ts [window ms = 6000]
 */
import type { Socket } from "bun";
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { pct, roundTrips } from "./round-trips";
import { spawnBenchPool, spawnHashScope } from "./spawn";

const WINDOW_MS = Number(process.argv[2] ?? 6000);
const DB_FILE = `${tmpdir()}/hashscope-bench-streams-${process.pid}.db`;
const enc = new TextEncoder();
const submit = (id: number) => `{"id":${id},"method":"mining.submit","params":["bc1qexampleworker.rig1","6a1b","00000001","65a1b2c3","${(id >>> 0).toString(16).padStart(8, "0")}"]}\n`;

const pool = await spawnBenchPool("bench/answer-server.ts");
// SSE_MAX_CLIENTS as configured (default 100: half of the 200 are refused); SSE_MAX_CLIENTS=300 lets all in.
const hs = await spawnHashScope(pool.port, { DATABASE_URL: `sqlite:${DB_FILE}`, ...(process.env.SSE_MAX_CLIENTS ? { SSE_MAX_CLIENTS: process.env.SSE_MAX_CLIENTS } : {}) });
const api = `http://127.0.0.1:${hs.port2}`;

const cpuTicks = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return Number(f[11]) + Number(f[12]); // utime + stime, in clock ticks (100/s)
};

/** Submits at `linesPerSec` answered lines (half that in submits), in bursts every 10 ms. */
function startLoad(socket: Socket<undefined>, linesPerSec: number): () => void {
  let id = 1000;
  const perTick = Math.max(1, Math.round(linesPerSec / 2 / 100));
  const t = setInterval(() => {
    let s = "";
    for (let i = 0; i < perTick; i++) s += submit(id++);
    socket.write(enc.encode(s));
  }, 10);
  return () => clearInterval(t);
}


/** The pool's answer to the probe's submit. */
const ANSWER_BYTES = '{"id":1,"result":true,"error":null}\n'.length;

async function stuckClients(n: number): Promise<Socket<undefined>[]> {
  const out: Socket<undefined>[] = [];
  for (let i = 0; i < n; i++) {
    const s = await Bun.connect({ hostname: "127.0.0.1", port: hs.port2, socket: { data() {} } });
    s.write(`GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    s.pause();
    out.push(s);
  }
  return out;
}

/** Bytes the reading stream clients received (so phases compare the same work). */
let streamBytes = 0;

function readingClients(n: number): AbortController[] {
  return Array.from({ length: n }, () => {
    const ac = new AbortController();
    void fetch(`${api}/api/stream`, { signal: ac.signal })
      .then(async (res) => {
        for await (const c of res.body!) streamBytes += c.byteLength;
      })
      .catch(() => {});
    return ac;
  });
}

type Row = { label: string; p50: number; p99: number; max: number; cpu: number; rssMiB: number; n: number; streamMiB: number; shedMiB: number };
type Stats = { memory: { rss_bytes: number }; capture: { shed_bytes: number } };

async function phase(label: string, linesPerSec: number, clients: () => Promise<() => void>): Promise<Row> {
  const load = await Bun.connect({ hostname: "127.0.0.1", port: hs.port, socket: { data() {} } });
  const stopLoad = startLoad(load, linesPerSec);
  const stopClients = await clients();
  await Bun.sleep(1000); // settle
  const s0 = (await (await fetch(`${api}/api/stats`)).json()) as Stats;
  const b0 = streamBytes;
  const c0 = cpuTicks(hs.pid);
  const t0 = performance.now();
  const rtts = (await roundTrips(hs.port, enc.encode(submit(1)), ANSWER_BYTES, { ms: WINDOW_MS, pauseMs: 2 })).sort((a, b) => a - b);
  const cpu = ((cpuTicks(hs.pid) - c0) / 100 / ((performance.now() - t0) / 1000)) * 100;
  const stats = (await (await fetch(`${api}/api/stats`)).json()) as Stats;
  const streamMiB = (streamBytes - b0) / 2 ** 20;
  const shedMiB = (stats.capture.shed_bytes - s0.capture.shed_bytes) / 2 ** 20;
  stopClients();
  stopLoad();
  load.end();
  await Bun.sleep(1500);
  return { label, p50: pct(rtts, 50), p99: pct(rtts, 99), max: rtts[rtts.length - 1]!, cpu, rssMiB: stats.memory.rss_bytes / 2 ** 20, n: rtts.length, streamMiB, shedMiB };
}

try {
  console.log(`load before: ${readFileSync("/proc/loadavg", "utf8").trim()}`);
  const none = async () => () => {};
  const rows: Row[] = [];
  rows.push(await phase("A: 5,000 lines/s, 0 stream clients", 5000, none));
  rows.push(
    await phase("B: 5,000 lines/s, 200 non-reading stream clients", 5000, async () => {
      const s = await stuckClients(200);
      return () => s.forEach((x) => x.terminate());
    }),
  );
  rows.push(await phase("C: 2,000 lines/s, 0 stream clients", 2000, none));
  rows.push(
    await phase("D: 2,000 lines/s, 50 reading stream clients", 2000, async () => {
      const acs = readingClients(50);
      return () => acs.forEach((a) => a.abort());
    }),
  );
  console.log(`load after: ${readFileSync("/proc/loadavg", "utf8").trim()}\n`);
  console.log("| phase | probe round trips | p50 | p99 | max | HashScope CPU | RSS | read by stream clients | capture shed |\n|---|---|---|---|---|---|---|---|---|");
  for (const r of rows)
    console.log(`| ${r.label} | ${r.n} | ${r.p50.toFixed(2)} ms | ${r.p99.toFixed(2)} ms | ${r.max.toFixed(1)} ms | ${r.cpu.toFixed(0)} % | ${r.rssMiB.toFixed(0)} MiB | ${r.streamMiB.toFixed(1)} MiB | ${r.shedMiB.toFixed(1)} MiB |`);
  console.log(`\np99 B/A ${(rows[1]!.p99 / rows[0]!.p99).toFixed(2)}×; p50 D/C ${(rows[3]!.p50 / rows[2]!.p50).toFixed(2)}×, CPU D−C ${(rows[3]!.cpu - rows[2]!.cpu).toFixed(0)} points`);
  const s = (await (await fetch(`${api}/api/stats`)).json()) as { streams: unknown; capture: { dropped_bytes: number } };
  console.log(`streams ${JSON.stringify(s.streams)}; capture dropped ${s.capture.dropped_bytes} bytes`);
} finally {
  hs.kill();
  pool.kill();
  await Bun.sleep(200);
  for (const f of [DB_FILE, `${DB_FILE}-wal`, `${DB_FILE}-shm`, `${DB_FILE}.lock`]) rmSync(f, { force: true });
}
