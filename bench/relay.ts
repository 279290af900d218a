/**
 * Relay benchmark: round-trip latency and throughput, direct to an echo "pool" vs through HashScope (with capture on),
 * measured in the same run. Echo server and HashScope (with a database file, as by default) run as separate processes;
 * the client runs here.
 *   bun run bench/relay.ts
 */
import type { Socket } from "bun";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { spawnBenchPool, spawnHashScope } from "./spawn";

const ROUND_TRIPS = 10_000;
/** A database file as in the default configuration (writes go through the writer thread). */
const DB_FILE = `${tmpdir()}/hashscope-bench-relay-${process.pid}.db`;
const STREAM_MB = 64;
const SUBMIT = '{"id":4,"method":"mining.submit","params":["bc1qexampleworker.rig1","6a1b","00000001","65a1b2c3","1dac2b7c"]}\n';


type Client = { socket: Socket<undefined>; onData: (n: number) => void };

async function connect(port: number): Promise<Client> {
  const client: Client = { socket: null as unknown as Socket<undefined>, onData: () => {} };
  client.socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: { data: (_s, chunk) => client.onData(chunk.byteLength) },
  });
  return client;
}

async function roundTrips(port: number): Promise<number> {
  const c = await connect(port);
  const line = new TextEncoder().encode(SUBMIT);
  const t0 = performance.now();
  for (let i = 0; i < ROUND_TRIPS; i++) {
    let got = 0;
    await new Promise<void>((resolve) => {
      c.onData = (n) => {
        got += n;
        if (got >= line.byteLength) resolve();
      };
      c.socket.write(line);
    });
  }
  const us = ((performance.now() - t0) * 1000) / ROUND_TRIPS;
  c.socket.end();
  return us;
}

async function throughput(port: number): Promise<number> {
  const c = await connect(port);
  const block = new TextEncoder().encode(SUBMIT.repeat(Math.floor(65536 / SUBMIT.length)));
  const total = Math.floor((STREAM_MB * 1024 * 1024) / block.byteLength) * block.byteLength;
  let received = 0;
  const done = new Promise<void>((resolve) => {
    c.onData = (n) => {
      received += n;
      if (received >= total) resolve();
    };
  });
  const t0 = performance.now();
  let sent = 0;
  let offset = 0;
  while (sent < total) {
    const n = c.socket.write(block.subarray(offset));
    if (n > 0) {
      sent += n;
      offset = (offset + n) % block.byteLength;
    }
    if (n <= 0 || offset !== 0) await Bun.sleep(0);
  }
  await done;
  const mbps = total / 1024 / 1024 / ((performance.now() - t0) / 1000);
  c.socket.end();
  return mbps;
}

const echo = await spawnBenchPool("bench/echo-server.ts");
const hs = await spawnHashScope(echo.port, { DATABASE_URL: `sqlite:${DB_FILE}` });
try {
  await roundTrips(echo.port); // warm-up
  await roundTrips(hs.port);
  const rtDirect = await roundTrips(echo.port);
  const rtRelay = await roundTrips(hs.port);
  const tpDirect = await throughput(echo.port);
  const tpRelay = await throughput(hs.port);
  const rows = [
    `| round trip of one ${SUBMIT.length}-byte mining.submit line (${ROUND_TRIPS} in a row) | ${rtDirect.toFixed(1)} µs | ${rtRelay.toFixed(1)} µs | ${(rtRelay / rtDirect).toFixed(2)}× |`,
    `| echo throughput, ${STREAM_MB} MiB of submit lines up and back | ${tpDirect.toFixed(0)} MiB/s | ${tpRelay.toFixed(0)} MiB/s | ${(tpDirect / tpRelay).toFixed(2)}× slower |`,
  ];
  console.log("| measure | direct | through HashScope | ratio |\n|---|---|---|---|\n" + rows.join("\n"));
  const stats = (await (await fetch(`http://127.0.0.1:${hs.port2}/api/stats`)).json()) as {
    messages: { total: number };
    capture: { dropped_bytes: number };
  };
  console.log(`\ncaptured ${stats.messages.total} messages; capture dropped ${stats.capture.dropped_bytes} bytes (relayed, not decoded)`);
} finally {
  hs.kill();
  echo.kill();
  for (const suffix of ["", "-wal", "-shm"]) rmSync(DB_FILE + suffix, { force: true });
}
