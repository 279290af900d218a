/**
 * Added round-trip latency of one miner: direct to an echo "pool" vs through haproxy (TCP mode) vs through HashScope
 * (everything on, database file; the relay on the main thread and on its own thread, RELAY_THREAD), measured
 * interleaved in the same run. Reports p50/p99 of each path and the ratio
 * (hashscope − direct) / (haproxy − direct) at p50 and p99.
 *   bun run bench/latency.ts [round trips per round = 20000] [rounds = 3]
 * Needs haproxy (Debian package `haproxy`, /usr/sbin/haproxy).
 */
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { pct, roundTrips as probe } from "./round-trips";
import { spawnBenchPool, spawnHashScope } from "./spawn";

const N = Number(process.argv[2] ?? 20_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const DB_FILE = `${tmpdir()}/hashscope-bench-latency-${process.pid}.db`;
const DB_FILE_T = `${tmpdir()}/hashscope-bench-latency-t-${process.pid}.db`;
const DB_FILE_N = `${tmpdir()}/hashscope-bench-latency-n-${process.pid}.db`;
const HAPROXY_CFG = `${tmpdir()}/hashscope-bench-haproxy-${process.pid}.cfg`;
const SUBMIT = new TextEncoder().encode('{"id":4,"method":"mining.submit","params":["bc1qexampleworker.rig1","6a1b","00000001","65a1b2c3","1dac2b7c"]}\n');
// µs per round trip; the echo "pool" answers with the line itself.
const roundTrips = async (port: number, n: number) => (await probe(port, SUBMIT, SUBMIT.byteLength, { count: n })).map((ms) => ms * 1000);



async function freePort(): Promise<number> {
  const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const p = l.port;
  l.stop(true);
  return p;
}

const echo = await spawnBenchPool("bench/echo-server.ts");
const haPort = await freePort();
writeFileSync(
  HAPROXY_CFG,
  `global\n  maxconn 1000\ndefaults\n  mode tcp\n  timeout connect 5s\n  timeout client 60s\n  timeout server 60s\n` +
    `frontend f\n  bind 127.0.0.1:${haPort}\n  default_backend b\nbackend b\n  server pool 127.0.0.1:${echo.port}\n`,
);
const haproxy = Bun.spawn(["/usr/sbin/haproxy", "-f", HAPROXY_CFG, "-db"], { stdout: "inherit", stderr: "inherit" });
// HashScope both ways in the same run: the relay on the main thread (RELAY_THREAD=off) and on its own thread (on).
const hs = await spawnHashScope(echo.port, { DATABASE_URL: `sqlite:${DB_FILE}`, RELAY_THREAD: "off" });
// On its own thread with the main thread at the relay's priority (MAIN_THREAD_NICE=0) and below it (the default).
const hsT = await spawnHashScope(echo.port, { DATABASE_URL: `sqlite:${DB_FILE_T}`, RELAY_THREAD: "on", MAIN_THREAD_NICE: "0" });
const hsN = await spawnHashScope(echo.port, { DATABASE_URL: `sqlite:${DB_FILE_N}`, RELAY_THREAD: "on" });
// Attribution only: the same relays with capture shed from the start (MAX_MEMORY_MB=1), i.e. forward and count.
const bare = await spawnHashScope(echo.port, { DATABASE_URL: "sqlite::memory:", MAX_MEMORY_MB: "1", RELAY_THREAD: "off" });
const bareT = await spawnHashScope(echo.port, { DATABASE_URL: "sqlite::memory:", MAX_MEMORY_MB: "1", RELAY_THREAD: "on" });
try {
  await Bun.sleep(300);
  const paths = {
    direct: echo.port,
    haproxy: haPort,
    hashscope: hs.port,
    "hashscope, relay thread, MAIN_THREAD_NICE=0": hsT.port,
    "hashscope, relay thread (default)": hsN.port,
    "hashscope, capture shed": bare.port,
    "hashscope, relay thread, capture shed": bareT.port,
  } as const;
  type Path = keyof typeof paths;
  const all = Object.fromEntries(Object.keys(paths).map((k) => [k, [] as number[]])) as Record<Path, number[]>;
  for (const [, port] of Object.entries(paths)) await roundTrips(port, 2000); // warm-up
  for (let r = 0; r < ROUNDS; r++)
    for (const [name, port] of Object.entries(paths)) all[name as Path].push(...(await roundTrips(port, N)));
  for (const xs of Object.values(all)) xs.sort((a, b) => a - b);
  console.log(`${N} round trips × ${ROUNDS} rounds per path, interleaved; load before: see uptime below\n`);
  console.log("| path | p50 | p99 | max |\n|---|---|---|---|");
  for (const [name, xs] of Object.entries(all))
    console.log(`| ${name} | ${pct(xs, 50).toFixed(1)} µs | ${pct(xs, 99).toFixed(1)} µs | ${xs[xs.length - 1]!.toFixed(0)} µs |`);
  const ratio = (path: Path, p: number) => (pct(all[path], p) - pct(all.direct, p)) / (pct(all.haproxy, p) - pct(all.direct, p));
  console.log("\n(path − direct) / (haproxy − direct):");
  for (const path of Object.keys(paths).slice(2) as Path[]) console.log(`  ${path}: p50 ${ratio(path, 50).toFixed(2)}×, p99 ${ratio(path, 99).toFixed(2)}×`);
  for (const [name, h] of [["hashscope", hs], ["relay thread", hsT], ["relay thread (default)", hsN]] as const) {
    const stats = (await (await fetch(`http://127.0.0.1:${h.port2}/api/stats`)).json()) as {
      messages: { total: number };
      capture: { dropped_bytes: number };
      relay: { ring: { wakeups: number } | null };
    };
    const wakeups = stats.relay.ring ? `, the relay thread woke the main thread ${stats.relay.ring.wakeups} times` : "";
    console.log(`${name}: captured ${stats.messages.total} messages, capture dropped ${stats.capture.dropped_bytes} bytes${wakeups}`);
  }
} finally {
  for (const p of [hs, hsT, hsN, bare, bareT]) p.kill();
  haproxy.kill();
  echo.kill();
  await Bun.sleep(200);
  for (const db of [DB_FILE, DB_FILE_T, DB_FILE_N]) for (const f of [db, `${db}-wal`, `${db}-shm`, `${db}.lock`]) rmSync(f, { force: true });
  rmSync(HAPROXY_CFG, { force: true });
}
