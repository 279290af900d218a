/**
 * Many miners at once: MINERS connections each send a mining.submit about once a second for SECONDS seconds; the answer
 * latency is measured per request, direct to the answering "pool" and through HashScope (database file, as by default),
 * in the same run.   bun run bench/many-miners.ts [miners] [seconds] [seconds between a miner's submits = 1] [notify every S s = 0]
 * With the 4th argument the pool also sends each miner a ~700-byte mining.notify every S seconds, spread evenly (the
 * farm: `9900 30 3 30`). Prints `uptime` before and after, and HashScope's CPU (all its threads, /proc) while relaying.
 */
import type { Socket } from "bun";
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { spawnBenchPool, spawnHashScope } from "./spawn";

const MINERS = Number(process.argv[2] ?? 1000);
const SECONDS = Number(process.argv[3] ?? 10);
/** Each miner submits once per this many seconds (3: the farm's rate). */
const PERIOD_S = Number(process.argv[4] ?? 1);
/** The pool sends each miner a mining.notify once per this many seconds (0: none). */
const NOTIFY_S = Number(process.argv[5] ?? 0);
const DB_FILE = `${tmpdir()}/hashscope-bench-miners-${process.pid}.db`;


type Miner = { socket: Socket<undefined>; sentAt: Map<number, number>; buf: string };

async function run(port: number): Promise<number[]> {
  const latencies: number[] = [];
  const miners: Miner[] = [];
  for (let i = 0; i < MINERS; i++) {
    const m: Miner = { socket: null as unknown as Socket<undefined>, sentAt: new Map(), buf: "" };
    m.socket = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        data(_s, chunk) {
          const now = performance.now();
          m.buf += new TextDecoder().decode(chunk);
          const lines = m.buf.split("\n");
          m.buf = lines.pop() ?? "";
          for (const line of lines) {
            const id = Number(/"id":(\d+)/.exec(line)?.[1]);
            const t = m.sentAt.get(id);
            if (t !== undefined) {
              latencies.push(now - t);
              m.sentAt.delete(id);
            }
          }
        },
      },
    });
    miners.push(m);
  }
  let id = 0;
  const end = performance.now() + SECONDS * 1000;
  // Each tick sends for a slice of the miners, so every miner sends about once a second.
  const slices = 20 * PERIOD_S;
  for (let tick = 0; performance.now() < end; tick++) {
    for (let i = tick % slices; i < miners.length; i += slices) {
      const m = miners[i]!;
      const n = ++id;
      m.sentAt.set(n, performance.now());
      m.socket.write(`{"id":${n},"method":"mining.submit","params":["bc1qworker.rig${i}","6a1b","0000${(n % 9999).toString().padStart(4, "0")}","65a1b2c3","1dac2b7c"]}\n`);
    }
    await Bun.sleep(1000 / 20);
  }
  await Bun.sleep(500);
  for (const m of miners) m.socket.end();
  return latencies.sort((a, b) => a - b);
}

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;

/** utime + stime of a process in seconds (all its threads), from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
const uptime = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

console.log(`load before: ${uptime()}`);
const pool = await spawnBenchPool("bench/answer-server.ts", NOTIFY_S > 0 ? ["--notify", String(NOTIFY_S)] : []);
const hs = await spawnHashScope(pool.port, { DATABASE_URL: `sqlite:${DB_FILE}`, CAPTURE_MAX_SESSIONS: String(MINERS * 2) });
try {
  const direct = await run(pool.port);
  const cpu0 = cpuSeconds(hs.pid);
  const t0 = performance.now();
  const relayed = await run(hs.port);
  const hsCpu = (100 * (cpuSeconds(hs.pid) - cpu0)) / ((performance.now() - t0) / 1000);
  const row = (name: string, xs: number[]) =>
    `| ${name} | ${xs.length} | ${pct(xs, 50).toFixed(2)} ms | ${pct(xs, 90).toFixed(2)} ms | ${pct(xs, 99).toFixed(2)} ms | ${xs[xs.length - 1]!.toFixed(2)} ms |`;
  const notifies = NOTIFY_S > 0 ? `, a mining.notify per miner every ${NOTIFY_S} s` : ", no notifies";
  console.log(`${MINERS} miners, one submit per miner every ${PERIOD_S} s${notifies}, ${SECONDS} s\n`);
  console.log("| path | answers | p50 | p90 | p99 | max |\n|---|---|---|---|---|---|");
  console.log(row("direct", direct));
  console.log(row("through HashScope", relayed));
  console.log(`\np50 ratio ${(pct(relayed, 50) / pct(direct, 50)).toFixed(2)}×, p99 ratio ${(pct(relayed, 99) / pct(direct, 99)).toFixed(2)}×`);
  const stats = (await (await fetch(`http://127.0.0.1:${hs.port2}/api/stats`)).json()) as {
    messages: { total: number };
    capture: { dropped_bytes: number };
    storage: { writer: { written: number; dropped: number } | null } | null;
  };
  console.log(
    `captured ${stats.messages.total} messages, capture dropped ${stats.capture.dropped_bytes} bytes; ` +
      `database: ${stats.storage?.writer?.written ?? 0} written, ${stats.storage?.writer?.dropped ?? 0} dropped (by then)`,
  );
  console.log(`HashScope CPU while relaying (connects included): ${hsCpu.toFixed(0)} %; load after: ${uptime()}`);
} finally {
  hs.kill();
  pool.kill();
  for (const suffix of ["", "-wal", "-shm"]) rmSync(DB_FILE + suffix, { force: true });
}
