/**
 * Added round-trip latency of one miner: direct to an echo "pool" vs through haproxy (TCP mode) vs through HashScope
 * (everything on, database file), measured interleaved in the same run. Reports p50/p99 of each path and the ratio
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
const hs = await spawnHashScope(echo.port, { DATABASE_URL: `sqlite:${DB_FILE}` });
// Attribution only: the same relay with capture shed from the start (MAX_MEMORY_MB=1), i.e. forward and count.
const bare = await spawnHashScope(echo.port, { DATABASE_URL: "sqlite::memory:", MAX_MEMORY_MB: "1" });
try {
  await Bun.sleep(300);
  const paths = { direct: echo.port, haproxy: haPort, hashscope: hs.port, "hashscope, capture shed": bare.port } as const;
  const all: Record<keyof typeof paths, number[]> = { direct: [], haproxy: [], hashscope: [], "hashscope, capture shed": [] };
  for (const [, port] of Object.entries(paths)) await roundTrips(port, 2000); // warm-up
  for (let r = 0; r < ROUNDS; r++)
    for (const [name, port] of Object.entries(paths)) all[name as keyof typeof paths].push(...(await roundTrips(port, N)));
  for (const xs of Object.values(all)) xs.sort((a, b) => a - b);
  console.log(`${N} round trips × ${ROUNDS} rounds per path, interleaved; load before: see uptime below\n`);
  console.log("| path | p50 | p99 | max |\n|---|---|---|---|");
  for (const [name, xs] of Object.entries(all))
    console.log(`| ${name} | ${pct(xs, 50).toFixed(1)} µs | ${pct(xs, 99).toFixed(1)} µs | ${xs[xs.length - 1]!.toFixed(0)} µs |`);
  const ratio = (p: number) => (pct(all.hashscope, p) - pct(all.direct, p)) / (pct(all.haproxy, p) - pct(all.direct, p));
  console.log(`\n(hashscope − direct) / (haproxy − direct): p50 ${ratio(50).toFixed(2)}×, p99 ${ratio(99).toFixed(2)}×`);
  const bareRatio = (p: number) => (pct(all["hashscope, capture shed"], p) - pct(all.direct, p)) / (pct(all.haproxy, p) - pct(all.direct, p));
  console.log(`capture shed (relay alone): p50 ${bareRatio(50).toFixed(2)}×, p99 ${bareRatio(99).toFixed(2)}×`);
  const stats = (await (await fetch(`http://127.0.0.1:${hs.port2}/api/stats`)).json()) as { messages: { total: number }; capture: { dropped_bytes: number } };
  console.log(`HashScope captured ${stats.messages.total} messages, capture dropped ${stats.capture.dropped_bytes} bytes`);
} finally {
  hs.kill();
  bare.kill();
  haproxy.kill();
  echo.kill();
  await Bun.sleep(200);
  for (const f of [DB_FILE, `${DB_FILE}-wal`, `${DB_FILE}-shm`, `${DB_FILE}.lock`, HAPROXY_CFG]) rmSync(f, { force: true });
}
