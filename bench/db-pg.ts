/**
 * PostgreSQL ingest beside SQLite's, same run, same records: the farm mix (bench/farm-mix.ts, records as the real
 * capture pipeline makes them) in batches of 2,000 as the writer hands them over, through PgSink (multi-row INSERTs
 * in one transaction per batch, on Bun's SQL client) and through today's SQLite batch write (writeBatch, what the
 * writer thread runs), alternating batch by batch so shared-machine load hits both alike. Then bytes per message.
 *   TEST_POSTGRES_URL=postgres://… bun bench/db-pg.ts [N=200000] [dir=/tmp] [extra=100000]
 * It creates (and drops) its own database on that server. Generation is not timed.
 * Then `q` on PostgreSQL (limit 100, newest first, median of 3; the plan of the rare query), once as the schema has it
 * and once with a pg_trgm GIN index on `search`; and the ingest of `extra` more messages with that index, beside the
 * rate of the last `extra` without it, to price the index.
 */
import { execSync } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { SQL } from "bun";
import { openDatabase } from "../src/db/open";
import { openPg } from "../src/db/pg/open";
import { queryMessages } from "../src/db/pg/reads";
import { PgSink } from "../src/db/pg/sink";
import { usedBytes } from "../src/db/retention";
import { prepareWrites, writeBatch, type Batch } from "../src/db/statements";
import { farmMix } from "./farm-mix";

const N = Number(process.argv[2] ?? 200_000);
const DIR = process.argv[3] ?? "/tmp";
const EXTRA = Number(process.argv[4] ?? 100_000);
const admin = process.env.TEST_POSTGRES_URL ?? process.env.DATABASE_URL ?? "";
if (!/^postgres(ql)?:\/\//.test(admin)) throw new Error("set TEST_POSTGRES_URL=postgres://… (bash .ci/pg.sh start prints one)");

const name = `hs_bench_${Date.now()}`;
const a = new SQL({ url: admin, max: 1 });
await a.unsafe(`CREATE DATABASE ${name}`);
await a.close();
const u = new URL(admin);
u.pathname = `/${name}`;
const pg = await openPg(u.toString());
const sink = new PgSink(pg, "bench", { days: 0, maxMessages: 0 });

const file = path.join(DIR, "hashscope-bench-pg-sqlite.db");
for (const s of ["", "-wal", "-shm"]) rmSync(file + s, { force: true });
const sq = openDatabase(`sqlite:${file}`);
const w = prepareWrites(sq);

const loadAtStart = execSync("uptime").toString().trim();
let pgMs = 0;
let sqMs = 0;
let n = 0;
/** PostgreSQL ms of the last EXTRA messages of the first N (the rate without the trigram index, late in the table). */
let lastMs = 0;
const gen = farmMix({ miners: 10_000, groups: 10, total: N + EXTRA, chunk: 2_000 });
// next() by hand: leaving a for-of loop would close the generator, and the extra messages come from it later.
for (let r = gen.next(); !r.done; r = gen.next()) {
  const chunk = r.value;
  const text = JSON.stringify({ msgs: chunk, sess: [], telemetry: [], seqHighWater: chunk[chunk.length - 1]!.seq });
  let t = performance.now();
  await sink.write(JSON.parse(text) as Batch);
  const ms = performance.now() - t;
  pgMs += ms;
  if (n >= N - EXTRA) lastMs += ms;
  t = performance.now();
  writeBatch(sq, w, JSON.parse(text) as Batch);
  sqMs += performance.now() - t;
  n += chunk.length;
  if (n >= N) break;
}
const [sz] = (await pg.$client`SELECT pg_total_relation_size('messages')::bigint AS b`) as Array<{ b: string }>;
const pgBytes = Number(sz!.b);
const sqBytes = usedBytes(sq.$client);
const rate = (ms: number) => Math.round((n / ms) * 1000);
console.log(`load at start: ${loadAtStart}`);
console.log(`messages: ${n}`);
console.log(`SQLite (today's writer, baseline): ${rate(sqMs).toLocaleString("en")} msgs/s, ${(sqBytes / n).toFixed(0)} B/message`);
console.log(`PostgreSQL (PgSink):               ${rate(pgMs).toLocaleString("en")} msgs/s, ${(pgBytes / n).toFixed(0)} B/message (table+indexes+toast)`);
console.log(`PostgreSQL / SQLite rate: ${(rate(pgMs) / rate(sqMs)).toFixed(2)}x`);

/**
 * A trigram index serves `search ILIKE $1` only in a plan made for the pattern: after five runs of one prepared
 * statement PostgreSQL may switch to a generic plan, which cannot use it. The index trial therefore reads through
 * connections with plan_cache_mode = force_custom_plan (set on this throwaway database).
 */
let reads = pg;
async function searchTable(label: string): Promise<void> {
  console.log(`\n${label}: q on ${n + (label.includes("after") ? EXTRA : 0)} messages (limit 100, newest first, median of 3)\n`);
  console.log("| q | matches | ms |");
  console.log("|---|---|---|");
  for (const q of ["bc1qrare.marker7", "not-in-any-line", "bc1qfarm7.rig5", "low difficulty", "rig3"]) {
    const times: number[] = [];
    let rows = 0;
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      rows = (await queryMessages(reads, { q }, 100)).length;
      times.push(performance.now() - t);
    }
    times.sort((x, y) => x - y);
    console.log(`| \`${q}\` | ${rows} | ${times[1]!.toFixed(1)} |`);
  }
  const plan = (await pg.$client.unsafe(
    "EXPLAIN SELECT seq FROM messages WHERE search ILIKE '%bc1qrare.marker7%' ORDER BY seq DESC LIMIT 400",
  )) as Array<{ "QUERY PLAN": string }>;
  console.log(`\nplan (rare): ${plan.map((r) => r["QUERY PLAN"].trim()).join(" / ")}`);
}
await pg.$client`ANALYZE messages`;
await searchTable("PostgreSQL, schema as it is");
let t = performance.now();
await pg.$client`CREATE EXTENSION IF NOT EXISTS pg_trgm`;
await pg.$client.unsafe("CREATE INDEX messages_search_trgm ON messages USING gin (search gin_trgm_ops)");
await pg.$client`ANALYZE messages`;
console.log(`\npg_trgm GIN index on search built in ${((performance.now() - t) / 1000).toFixed(1)} s`);
await pg.$client.unsafe(`ALTER DATABASE ${name} SET plan_cache_mode = force_custom_plan`);
reads = await openPg(u.toString());
await searchTable("PostgreSQL with the trigram index");
let extraMs = 0;
let extraN = 0;
for (let r = gen.next(); !r.done; r = gen.next()) {
  const chunk = r.value;
  const text = JSON.stringify({ msgs: chunk, sess: [], telemetry: [], seqHighWater: chunk[chunk.length - 1]!.seq });
  t = performance.now();
  await sink.write(JSON.parse(text) as Batch);
  extraMs += performance.now() - t;
  extraN += chunk.length;
}
console.log(`\ningest of the last ${EXTRA} before the index: ${rate(lastMs * (n / EXTRA)).toLocaleString("en")} msgs/s; the next ${extraN} with it: ${Math.round((extraN / extraMs) * 1000).toLocaleString("en")} msgs/s`);
await searchTable("PostgreSQL with the trigram index, after the extra messages");
console.log(`load at end: ${execSync("uptime").toString().trim()}`);
await sink.close();
if (reads !== pg) await reads.$client.close();
await pg.$client.close();
sq.$client.close();
const b = new SQL({ url: admin, max: 1 });
await b.unsafe(`DROP DATABASE ${name} WITH (FORCE)`);
await b.close();
for (const s of ["", "-wal", "-shm"]) rmSync(file + s, { force: true });
