/**
 * The farm mix through one HashScope process, live: MINERS miners (default 9,900: HashScope needs two sockets per miner
 * and this machine allows 20,000 per process), each subscribing, authorizing, then sending a mining.submit every ~3 s;
 * the pool (bench/farm-pool.ts, its own process) answers each and sends every miner a new job every 30 s. This
 * process is the load generator; its CPU share is printed. At the end: what HashScope captured, wrote and dropped.
 *   bun bench/farm-load.ts [miners=9900] [seconds=600]
 * BENCH_DATABASE_URL=postgres://… runs it against PostgreSQL instead of a temporary SQLite file.
 */
import type { Socket } from "bun";
import { execSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { spawnBenchPool, spawnHashScope } from "./spawn";

const MINERS = Number(process.argv[2] ?? 9_900);
const SECONDS = Number(process.argv[3] ?? 600);
const DB_FILE = `${tmpdir()}/hashscope-bench-farm-${process.pid}.db`;

type Storage = { queued_bytes: number; dropped: number; write_failures: number; writer: { written: number; queued: number } | null };
type Memory = { rss_bytes: number; heap_bytes?: number; shedding: boolean; shed_episodes: number };
type Stats = { messages: { total: number }; capture: { dropped_bytes: number; shed_bytes?: number }; storage: Storage | null; memory?: Memory };

/** CPU seconds a process has used so far (Linux /proc; utime + stime in clock ticks of 1/100 s). */
const cpuOf = (pid: number): number => {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
};

const pool = await spawnBenchPool("bench/farm-pool.ts");
const hs = await spawnHashScope(pool.port, {
  DATABASE_URL: process.env.BENCH_DATABASE_URL ?? `sqlite:${DB_FILE}`,
  CAPTURE_MAX_SESSIONS: String(MINERS * 2),
  RETAIN_DAYS: "0",
});
const api = `http://127.0.0.1:${hs.port2}`;
const stats = async () => (await (await fetch(`${api}/api/stats`)).json()) as Stats;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let hsCpu = cpuOf(hs.pid);
let hsAt = performance.now();
try {
  const sockets: Socket<undefined>[] = [];
  /** The pool's current job id, from the notifies miners receive (so shares are checked against a known job). */
  let job = "0";
  const dec = new TextDecoder();
  for (let i = 0; i < MINERS; i++) {
    const s = await Bun.connect({
      hostname: "127.0.0.1",
      port: hs.port,
      socket: {
        data(_s, chunk) {
          if (i !== 0) return; // one miner is enough to learn the job
          const m = /"mining\.notify","params":\["([0-9a-f]+)"/.exec(dec.decode(chunk));
          if (m) job = m[1]!;
        },
      },
    });
    s.write(`{"id":1,"method":"mining.subscribe","params":["bmminer/2.0.0"]}\n{"id":2,"method":"mining.authorize","params":["bc1qfarm${i % 50}.rig${i}","x"]}\n`);
    sockets.push(s);
  }
  console.log(`${MINERS} miners connected in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  let id = 10;
  const start = performance.now();
  const end = start + SECONDS * 1000;
  const slices = 30; // every 100 ms a thirtieth of the miners submits: each miner every 3 s
  let minute = 1;
  for (let tick = 0; performance.now() < end; tick++) {
    for (let i = tick % slices; i < sockets.length; i += slices) {
      const n = ++id;
      const nonce = ((n * 2654435761) >>> 0).toString(16).padStart(8, "0");
      sockets[i]!.write(`{"params":["bc1qfarm${i % 50}.rig${i}","${job}","${(n >>> 4).toString(16).padStart(16, "0")}","65a1b000","${nonce}"],"id":${n},"method":"mining.submit"}\n`);
    }
    const wait = start + (tick + 1) * 100 - performance.now();
    if (wait > 0) await Bun.sleep(wait);
    if (performance.now() - start >= minute * 60_000) {
      const s = await stats();
      const c = cpuOf(hs.pid);
      const share = ((c - hsCpu) / ((performance.now() - hsAt) / 1000)) * 100;
      [hsCpu, hsAt] = [c, performance.now()];
      const m = s.memory;
      console.log(
        `${minute} min: captured ${s.messages.total}, written ${s.storage?.writer?.written}, queued ${s.storage?.writer?.queued} ` +
          `(${((s.storage?.queued_bytes ?? 0) / 1e6).toFixed(1)} MB), dropped ${s.storage?.dropped}, capture dropped ${s.capture.dropped_bytes} B ` +
          `(shed ${s.capture.shed_bytes ?? 0} B); HashScope ${share.toFixed(0)} % CPU, RSS ${((m?.rss_bytes ?? 0) / 2 ** 20).toFixed(0)} MiB, ` +
          `heap ${((m?.heap_bytes ?? 0) / 2 ** 20).toFixed(0)} MiB, shedding ${m?.shedding} (${m?.shed_episodes} episodes); load ${execSync("cat /proc/loadavg").toString().trim()}`,
      );
      minute++;
    }
  }
  await Bun.sleep(3_000);
  const s = await stats();
  const cpu = process.cpuUsage(cpu0);
  const wall = (performance.now() - t0) / 1000;
  console.log(`\nsubmits sent ${id - 10} in ${SECONDS} s; load generator CPU ${(((cpu.user + cpu.system) / 1e6 / wall) * 100).toFixed(0)} % of one core`);
  console.log(
    `HashScope: captured ${s.messages.total} messages (${(s.messages.total / SECONDS).toFixed(0)}/s), written ${s.storage?.writer?.written}, ` +
      `dropped by the writer ${s.storage?.dropped}, write failures ${s.storage?.write_failures}, capture dropped ${s.capture.dropped_bytes} bytes`,
  );
  console.log(`database file ${(Bun.file(DB_FILE).size / 1e6).toFixed(0)} MB; ${execSync("uptime").toString().trim()}`);
  for (const sk of sockets) sk.end();
} finally {
  hs.kill();
  pool.kill();
  for (const suffix of ["", "-wal", "-shm", ".lock"]) rmSync(DB_FILE + suffix, { force: true });
}
