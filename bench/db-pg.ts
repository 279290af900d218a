/**
 * PostgreSQL ingest beside SQLite's, same run, same records: the farm mix (bench/farm-mix.ts, records as the real
 * capture pipeline makes them) in batches of 2,000 as the writer hands them over, through this version's PgSink (the
 * writer thread's part: decode the wire.ts text, one transaction of multi-row INSERTs on Bun's SQL client), through the
 * PgSink of a previous commit (default c9c5229: records stored whole as JSON, handed over as JSON text) on a database
 * of its own, and through this version's SQLite writer (writeWireBatch on the same wire text), alternating batch by
 * batch so shared-machine load hits all alike. Then bytes per message (PostgreSQL: messages + jobs, table + indexes +
 * toast; SQLite: used pages).
 *   TEST_POSTGRES_URL=postgres://… bun bench/db-pg.ts [N=200000] [dir=/tmp] [extra=100000] [previousRef=c9c5229]
 * It creates (and drops) its own databases on that server. Generation and the relay thread's encoding are not timed.
 * Then `q` on PostgreSQL (limit 100, newest first, median of 3; the plan of the rare query), on both databases as
 * their schema has them, then on this version's with a pg_trgm GIN index on `search` (and `jobs.search`); and the
 * ingest of `extra` more messages with that index, beside the rate of the last `extra` without it, to price the index.
 */
import { execSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import path from "node:path";
import { SQL } from "bun";
import type { MessageRecord } from "../src/capture/records";
import { openDatabase } from "../src/db/open";
import { openPg, type PgDb } from "../src/db/pg/open";
import { queryMessages } from "../src/db/pg/reads";
import { PgSink } from "../src/db/pg/sink";
import { usedBytes } from "../src/db/retention";
import { prepareWrites, writeWireBatch, type Batch } from "../src/db/statements";
import { decodeBatch, encodeBatch } from "../src/db/wire";
import { farmMix } from "./farm-mix";

const N = Number(process.argv[2] ?? 200_000);
const DIR = process.argv[3] ?? "/tmp";
const EXTRA = Number(process.argv[4] ?? 100_000);
const PREV_REF = process.argv[5] ?? "c9c5229";
const ROOT = path.join(import.meta.dir, "..");
const admin = process.env.TEST_POSTGRES_URL ?? process.env.DATABASE_URL ?? "";
if (!/^postgres(ql)?:\/\//.test(admin)) throw new Error("set TEST_POSTGRES_URL=postgres://… (bash .ci/pg.sh start prints one)");

const stamp = Date.now();
const made: string[] = [];
async function database(tag: string): Promise<string> {
  const name = `hs_bench_${tag}_${stamp}`;
  const a = new SQL({ url: admin, max: 1 });
  await a.unsafe(`CREATE DATABASE ${name}`);
  await a.close();
  made.push(name);
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return u.toString();
}
const name = `hs_bench_new_${stamp}`;
const newUrl = await database("new");
const pg = await openPg(newUrl);
const sink = new PgSink(pg, "bench", { days: 0, maxMessages: 0 });

/** The previous commit's PostgreSQL writer (src/ and drizzle-pg/ from git), sharing this checkout's node_modules. */
const prevDir = mkdtempSync(path.join(DIR, `hashscope-${PREV_REF}-`));
execSync(`git -C ${ROOT} archive ${PREV_REF} src drizzle-pg | tar -x -C ${prevDir}`);
symlinkSync(path.join(ROOT, "node_modules"), path.join(prevDir, "node_modules"));
const prevOpen = (await import(path.join(prevDir, "src/db/pg/open.ts"))) as { openPg(url: string): Promise<PgDb> };
const prevSinkMod = (await import(path.join(prevDir, "src/db/pg/sink.ts"))) as {
  PgSink: new (db: PgDb, instance: string, r: { days: number; maxMessages: number }) => { write(b: Batch): Promise<void>; close(): Promise<void> };
};
const prevReads = (await import(path.join(prevDir, "src/db/pg/reads.ts"))) as { queryMessages: typeof queryMessages };
const prevPg = await prevOpen.openPg(await database("prev"));
const prevSink = new prevSinkMod.PgSink(prevPg, "bench", { days: 0, maxMessages: 0 });

const file = path.join(DIR, "hashscope-bench-pg-sqlite.db");
for (const s of ["", "-wal", "-shm"]) rmSync(file + s, { force: true });
const sq = openDatabase(`sqlite:${file}`);
const w = prepareWrites(sq);

const loadAtStart = execSync("uptime").toString().trim();
let pgMs = 0;
let prevMs = 0;
let sqMs = 0;
let n = 0;
/** PostgreSQL ms of the last EXTRA messages of the first N (the rate without the trigram index, late in the table). */
let lastMs = 0;
const batchOf = (msgs: MessageRecord[]): Batch => ({ msgs, sess: [], telemetry: [], seqHighWater: msgs[msgs.length - 1]!.seq });
/** This version's writer thread: the wire text as the relay thread makes it (not timed), decoded and written. */
async function writeNew(chunk: MessageRecord[]): Promise<number> {
  const text = encodeBatch(batchOf(chunk));
  const t = performance.now();
  await sink.writeWire(decodeBatch(text));
  return performance.now() - t;
}
const gen = farmMix({ miners: 10_000, groups: 10, total: N + EXTRA, chunk: 2_000 });
// next() by hand: leaving a for-of loop would close the generator, and the extra messages come from it later.
for (let r = gen.next(); !r.done; r = gen.next()) {
  const chunk = r.value;
  const ms = await writeNew(chunk);
  pgMs += ms;
  if (n >= N - EXTRA) lastMs += ms;
  // The previous writer's hand-over: JSON text of the records.
  const json = JSON.stringify(batchOf(chunk));
  let t = performance.now();
  await prevSink.write(JSON.parse(json) as Batch);
  prevMs += performance.now() - t;
  const wire = encodeBatch(batchOf(chunk));
  t = performance.now();
  writeWireBatch(sq, w, decodeBatch(wire));
  sqMs += performance.now() - t;
  n += chunk.length;
  if (n >= N) break;
}
const relSize = async (db: PgDb, tables: string[]) => {
  const q = tables.map((t) => `pg_total_relation_size('${t}')`).join(" + ");
  const [sz] = (await db.$client.unsafe(`SELECT (${q})::bigint AS b`)) as Array<{ b: string }>;
  return Number(sz!.b);
};
const pgBytes = await relSize(pg, ["messages", "jobs"]);
const jobBytes = await relSize(pg, ["jobs"]);
const prevBytes = await relSize(prevPg, ["messages"]);
/** Where the bytes of `messages` are: heap, TOAST, indexes. */
async function breakdown(db: PgDb): Promise<string> {
  const [r] = (await db.$client.unsafe(
    `SELECT pg_relation_size('messages')::bigint AS heap, (pg_table_size('messages') - pg_relation_size('messages'))::bigint AS toast, pg_indexes_size('messages')::bigint AS idx`,
  )) as Array<{ heap: string; toast: string; idx: string }>;
  const per = (v: string) => (Number(v) / n).toFixed(0);
  return `heap ${per(r!.heap)}, toast ${per(r!.toast)}, indexes ${per(r!.idx)} B/message`;
}
const sqBytes = usedBytes(sq.$client);
const rate = (ms: number) => Math.round((n / ms) * 1000);
console.log(`load at start: ${loadAtStart}`);
console.log(`messages: ${n}`);
console.log(`SQLite (this version's writer, baseline):  ${rate(sqMs).toLocaleString("en")} msgs/s, ${(sqBytes / n).toFixed(0)} B/message`);
console.log(`PostgreSQL, previous ${PREV_REF} (PgSink):  ${rate(prevMs).toLocaleString("en")} msgs/s, ${(prevBytes / n).toFixed(0)} B/message (table+indexes+toast)`);
console.log(`PostgreSQL, this version (PgSink):       ${rate(pgMs).toLocaleString("en")} msgs/s, ${(pgBytes / n).toFixed(0)} B/message (messages+jobs, table+indexes+toast; jobs ${(jobBytes / n).toFixed(1)})`);
console.log(`messages table, previous: ${await breakdown(prevPg)}; this version: ${await breakdown(pg)}`);
console.log(`PostgreSQL / SQLite rate: previous ${(rate(prevMs) / rate(sqMs)).toFixed(2)}x, this version ${(rate(pgMs) / rate(sqMs)).toFixed(2)}x; this / previous: rate ${(rate(pgMs) / rate(prevMs)).toFixed(2)}x, bytes ${(pgBytes / prevBytes).toFixed(2)}x`);

/**
 * A trigram index serves `search ILIKE $1` only in a plan made for the pattern: after five runs of one prepared
 * statement PostgreSQL may switch to a generic plan, which cannot use it. The index trial therefore reads through
 * connections with plan_cache_mode = force_custom_plan (set on this throwaway database).
 */
let reads = pg;
async function searchTable(label: string, db = pg): Promise<void> {
  console.log(`\n${label}: q on ${n + (label.includes("after") ? EXTRA : 0)} messages (limit 100, newest first, median of 3)\n`);
  console.log("| q | matches | ms |");
  console.log("|---|---|---|");
  for (const q of ["bc1qrare.marker7", "not-in-any-line", "bc1qfarm7.rig5", "low difficulty", "rig3"]) {
    const times: number[] = [];
    let rows = 0;
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      rows = (db === pg ? await queryMessages(reads, { q }, 100) : await prevReads.queryMessages(db, { q }, 100)).length;
      times.push(performance.now() - t);
    }
    times.sort((x, y) => x - y);
    console.log(`| \`${q}\` | ${rows} | ${times[1]!.toFixed(1)} |`);
  }
  const plan = (await db.$client.unsafe(
    "EXPLAIN SELECT seq FROM messages WHERE search ILIKE '%bc1qrare.marker7%' ORDER BY seq DESC LIMIT 400",
  )) as Array<{ "QUERY PLAN": string }>;
  console.log(`\nplan (rare): ${plan.map((r) => r["QUERY PLAN"].trim()).join(" / ")}`);
}
await prevPg.$client`ANALYZE messages`;
await searchTable(`PostgreSQL, previous ${PREV_REF}, schema as it is`, prevPg);
await pg.$client`ANALYZE messages`;
await pg.$client`ANALYZE jobs`;
await searchTable("PostgreSQL, this version, schema as it is");
let t = performance.now();
await pg.$client`CREATE EXTENSION IF NOT EXISTS pg_trgm`;
await pg.$client.unsafe("CREATE INDEX messages_search_trgm ON messages USING gin (search gin_trgm_ops)");
await pg.$client.unsafe("CREATE INDEX jobs_search_trgm ON jobs USING gin (search gin_trgm_ops)");
await pg.$client`ANALYZE messages`;
console.log(`\npg_trgm GIN index on search built in ${((performance.now() - t) / 1000).toFixed(1)} s`);
await pg.$client.unsafe(`ALTER DATABASE ${name} SET plan_cache_mode = force_custom_plan`);
reads = await openPg(newUrl);
await searchTable("PostgreSQL with the trigram index");
let extraMs = 0;
let extraN = 0;
for (let r = gen.next(); !r.done; r = gen.next()) {
  const chunk = r.value;
  extraMs += await writeNew(chunk);
  extraN += chunk.length;
}
console.log(`\ningest of the last ${EXTRA} before the index: ${rate(lastMs * (n / EXTRA)).toLocaleString("en")} msgs/s; the next ${extraN} with it: ${Math.round((extraN / extraMs) * 1000).toLocaleString("en")} msgs/s`);
await searchTable("PostgreSQL with the trigram index, after the extra messages");
console.log(`load at end: ${execSync("uptime").toString().trim()}`);
await sink.close();
await prevSink.close();
if (reads !== pg) await reads.$client.close();
await pg.$client.close();
await prevPg.$client.close();
sq.$client.close();
const b = new SQL({ url: admin, max: 1 });
for (const d of made) await b.unsafe(`DROP DATABASE ${d} WITH (FORCE)`);
await b.close();
for (const s of ["", "-wal", "-shm"]) rmSync(file + s, { force: true });
rmSync(prevDir, { recursive: true, force: true });
