/**
 * Does a slow history search hold up the relay? Round trips of one submit line through HashScope (separate process,
 * echo "pool"), measured while nothing else happens (baseline) and while searches run that scan the whole stored history
 * (a 1-character non-ASCII text: the trigram index cannot serve it). Same run, same database.
 *   bun run bench/slow-read.ts [stored messages = 100000]
 */
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { emptyCounters, emptyFacts, type MessageRecord, type SessionRecord } from "../src/capture/records";
import { openDatabase } from "../src/db/open";
import { prepareWrites, writeBatch } from "../src/db/statements";
import { pct, roundTrips } from "./round-trips";
import { spawnBenchPool, spawnHashScope } from "./spawn";

const STORED = Number(process.argv[2] ?? 100_000);
const DB_FILE = `${tmpdir()}/hashscope-bench-slow-read-${process.pid}.db`;
const WINDOW_MS = 4_000;
const SEARCHES = 4;
const SUBMIT = new TextEncoder().encode('{"id":4,"method":"mining.submit","params":["w.rig1","6a1b","00000001","65a1b2c3","1dac2b7c"]}\n');

function fillDatabase(): void {
  const db = openDatabase(`sqlite:${DB_FILE}`);
  const w = prepareWrites(db);
  const now = new Date().toISOString();
  const session: SessionRecord = {
    id: "stored", miner_addr: "10.0.0.1:1", upstream: { host: "pool", port: 3333, tls: false }, upstream_addr: null,
    state: "closed", opened_at: now, closed_at: now, close_reason: "miner_closed", close_detail: null, ...emptyFacts(),
    broadcast: { enabled: false, repeat_count: 1 }, auto_replay: { enabled: false, count: 1 }, counters: emptyCounters(), last_seen: now,
  };
  for (let b = 0; b < STORED; b += 5000) {
    const msgs: MessageRecord[] = [];
    for (let i = b; i < Math.min(STORED, b + 5000); i++) {
      const raw = `{"id":null,"method":"mining.notify","params":["${i.toString(16)}","${"ab".repeat(32)}","01","02",[],"20000000","1703a30c","65a1b2c3",false]}`;
      msgs.push({ id: String(i + 1), seq: i + 1, session_id: "stored", direction: "pool_to_miner", ts: now, size_bytes: raw.length + 1, raw,
        raw_hex: null, kind: "notification", method: "mining.notify", rpc_id: null, json: JSON.parse(raw), decoded: null, parse_error: null,
        reply_to: null, latency_ms: null, truncated: false, analysis: null });
    }
    writeBatch(db, w, { msgs, sess: b === 0 ? [session] : [], telemetry: [], seqHighWater: 0 });
  }
  db.$client.close();
}


const row = (label: string, xs: number[], searchMs: string) =>
  `| ${label} | ${xs.length} | ${pct(xs, 50).toFixed(2)} ms | ${pct(xs, 99).toFixed(2)} ms | ${xs[xs.length - 1]!.toFixed(1)} ms | ${searchMs} |`;

const tFill = performance.now();
fillDatabase();
console.log(`stored ${STORED} messages in ${((performance.now() - tFill) / 1000).toFixed(1)} s`);
const echo = await spawnBenchPool("bench/echo-server.ts");
const hs = await spawnHashScope(echo.port, { DATABASE_URL: `sqlite:${DB_FILE}` });
try {
  const api = `http://127.0.0.1:${hs.port2}`;
  const quiet = (await roundTrips(hs.port, SUBMIT, SUBMIT.byteLength, { ms: WINDOW_MS, pauseMs: 2 })).sort((a, b) => a - b);
  const searchTimes: number[] = [];
  let searching = true;
  const searches = Array.from({ length: SEARCHES }, async () => {
    while (searching) {
      const t0 = performance.now();
      await (await fetch(`${api}/api/messages?q=${encodeURIComponent("é")}&limit=100`)).text();
      searchTimes.push(performance.now() - t0);
    }
  });
  const busy = (await roundTrips(hs.port, SUBMIT, SUBMIT.byteLength, { ms: WINDOW_MS, pauseMs: 2 })).sort((a, b) => a - b);
  searching = false;
  await Promise.all(searches);
  const avgSearch = searchTimes.reduce((a, b) => a + b, 0) / Math.max(1, searchTimes.length);
  console.log(`\n${STORED} stored messages; ${SEARCHES} clients searching back to back during the second window\n`);
  console.log("| relay round trips | count | p50 | p99 | max | searches |\n|---|---|---|---|---|---|");
  console.log(row("quiet", quiet, "none"));
  console.log(row("while searching", busy, `${searchTimes.length} done, ${avgSearch.toFixed(0)} ms each`));
  console.log(`\np99 ratio ${(pct(busy, 99) / pct(quiet, 99)).toFixed(2)}×, max ratio ${(busy[busy.length - 1]! / quiet[quiet.length - 1]!).toFixed(2)}×`);
} finally {
  hs.kill();
  echo.kill();
  await Bun.sleep(200);
  for (const f of [DB_FILE, `${DB_FILE}-wal`, `${DB_FILE}-shm`]) rmSync(f, { force: true });
}
