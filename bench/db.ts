/**
 * Persistent capture at scale: fill a fresh SQLite file with N messages through the writer's prepared, batched
 * transactions, then time `q` search through the FTS5 trigram index against a LIKE table scan on the same data, in the
 * same run. Usage: bun bench/db.ts [N=1000000] [file=/tmp/hashscope-bench.db]
 */
import { rmSync } from "node:fs";
import { openDatabase } from "../src/db/open";
import * as reader from "../src/db/reader";
import { prepareWrites, writeBatch } from "../src/db/statements";
import type { MessageRecord } from "../src/capture/records";

const N = Number(process.argv[2] ?? 1_000_000);
const file = process.argv[3] ?? "/tmp/hashscope-bench.db";
for (const suffix of ["", "-wal", "-shm"]) rmSync(file + suffix, { force: true });
const db = openDatabase(`sqlite:${file}`);
const w = prepareWrites(db);

/** Realistic Stratum lines: mostly notify, some submits and answers, a rare marker every 100k. */
function message(seq: number): MessageRecord {
  const r = seq % 10;
  const session_id = `s${seq % 50}`;
  const job = (seq >>> 4).toString(16);
  const nonce = ((seq * 2654435761) >>> 0).toString(16).padStart(8, "0");
  const marker = seq % 100_000 === 7 ? ` rare-marker-${seq}` : "";
  const raw =
    r < 6
      ? `{"id":null,"method":"mining.notify","params":["${job}","4d16b6f85af6e2198f44ae2a6de67f78487ae5611b77c6c0440b921e00000000","01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff20020862062f503253482f04b8864e5008","072f736c7573682f000000000100f2052a010000001976a914d23fcdf86f7e756a64a7a9688ef9903327048ed988ac00000000",[],"00000002","1c2ac4af","504e86b9",false]}`
      : r < 8
        ? `{"params":["bc1qworker.rig${seq % 7}","${job}","00000000${nonce}","504e86ed","${nonce}"],"id":${seq},"method":"mining.submit"${marker}}`
        : `{"id":${seq - 1},"result":${r === 8},"error":${r === 8 ? "null" : '[23,"Low difficulty share",null]'}}`;
  return {
    id: String(seq),
    seq,
    session_id,
    direction: r < 6 || r >= 8 ? "pool_to_miner" : "miner_to_pool",
    ts: new Date(Date.UTC(2026, 0, 1) + seq * 10).toISOString(),
    size_bytes: raw.length + 1,
    raw,
    raw_hex: null,
    kind: r < 6 ? "notification" : r < 8 ? "request" : "response",
    method: r < 6 ? "mining.notify" : "mining.submit",
    rpc_id: r < 6 ? null : seq,
    json: null, // the JSON column is not what is measured; keep the file smaller
    decoded: r >= 8 ? { ok: r === 8 } : null,
    parse_error: null,
    reply_to: r >= 8 ? String(seq - 1) : null,
    latency_ms: r >= 8 ? 12.5 : null,
    truncated: false,
    analysis: null,
  };
}

const BATCH = 2_000;
let t0 = performance.now();
for (let s = 1; s <= N; s += BATCH) {
  const msgs: MessageRecord[] = [];
  for (let q = s; q < s + BATCH && q <= N; q++) msgs.push(message(q));
  writeBatch(db, w, { msgs, sess: [], telemetry: [], seqHighWater: msgs[msgs.length - 1]!.seq });
}
const insertS = (performance.now() - t0) / 1000;
db.$client.run("PRAGMA wal_checkpoint(TRUNCATE)");
const size = Bun.file(file).size;
console.log(`inserted ${N} messages in ${insertS.toFixed(1)} s = ${Math.round(N / insertS)} rows/s (batches of ${BATCH}, FTS + 6 indexes), file ${(size / 1e6).toFixed(0)} MB`);

const likeScan = db.$client.query<{ seq: number }, [string, number]>(
  "SELECT seq FROM messages WHERE lower(coalesce(raw, raw_hex, '')) LIKE '%' || ? || '%' ORDER BY seq DESC LIMIT ?",
);
function time(fn: () => number, runs: number): { ms: number; rows: number } {
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    rows = fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(runs / 2)]!, rows };
}

console.log("\n| q | matches (limit 100) | FTS5 trigram, median ms | LIKE scan, median ms | speed-up |");
console.log("|---|---|---|---|---|");
for (const q of ["rare-marker-700007", "rig3", "low difficulty", "not-in-any-line", "bc1qworker.rig5\",\"1a"]) {
  const fts = time(() => reader.queryMessages(db, { q }, 100).length, 5);
  const like = time(() => likeScan.all(q.toLowerCase(), 100).length, 3);
  if (fts.rows !== like.rows) throw new Error(`result mismatch for ${q}: ${fts.rows} vs ${like.rows}`);
  console.log(`| \`${q}\` | ${fts.rows} | ${fts.ms.toFixed(2)} | ${like.ms.toFixed(2)} | ${(like.ms / fts.ms).toFixed(2)}x |`);
}
t0 = performance.now();
const page = reader.queryMessages(db, { session_id: "s7", method: "mining.submit" }, 100, Math.floor(N / 2));
console.log(`\nsession+method filter, page from the middle: ${page.length} rows in ${(performance.now() - t0).toFixed(2)} ms`);
db.$client.close();
for (const suffix of ["", "-wal", "-shm"]) rmSync(file + suffix, { force: true });
