/**
 * PostgreSQL ingest beside SQLite's, same run, same records: the farm mix (bench/farm-mix.ts, records as the real
 * capture pipeline makes them) in batches of 2,000 as the writer hands them over, through PgSink (multi-row INSERTs
 * in one transaction per batch, on Bun's SQL client) and through today's SQLite batch write (writeBatch, what the
 * writer thread runs), alternating batch by batch so shared-machine load hits both alike. Then bytes per message.
 *   TEST_POSTGRES_URL=postgres://… bun bench/db-pg.ts [N=200000] [dir=/tmp]
 * It creates (and drops) its own database on that server. Generation is not timed.
 */
import { rmSync } from "node:fs";
import path from "node:path";
import { SQL } from "bun";
import { openDatabase } from "../src/db/open";
import { openPg } from "../src/db/pg/open";
import { PgSink } from "../src/db/pg/sink";
import { usedBytes } from "../src/db/retention";
import { prepareWrites, writeBatch, type Batch } from "../src/db/statements";
import { farmMix } from "./farm-mix";

const N = Number(process.argv[2] ?? 200_000);
const DIR = process.argv[3] ?? "/tmp";
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

let pgMs = 0;
let sqMs = 0;
let n = 0;
for (const chunk of farmMix({ miners: 10_000, groups: 10, total: N, chunk: 2_000 })) {
  const text = JSON.stringify({ msgs: chunk, sess: [], telemetry: [], seqHighWater: chunk[chunk.length - 1]!.seq });
  let t = performance.now();
  await sink.write(JSON.parse(text) as Batch);
  pgMs += performance.now() - t;
  t = performance.now();
  writeBatch(sq, w, JSON.parse(text) as Batch);
  sqMs += performance.now() - t;
  n += chunk.length;
}
const [sz] = (await pg.$client`SELECT pg_total_relation_size('messages')::bigint AS b`) as Array<{ b: string }>;
const pgBytes = Number(sz!.b);
const sqBytes = usedBytes(sq.$client);
const rate = (ms: number) => Math.round((n / ms) * 1000);
console.log(`messages: ${n}`);
console.log(`SQLite (today's writer, baseline): ${rate(sqMs).toLocaleString("en")} msgs/s, ${(sqBytes / n).toFixed(0)} B/message`);
console.log(`PostgreSQL (PgSink):               ${rate(pgMs).toLocaleString("en")} msgs/s, ${(pgBytes / n).toFixed(0)} B/message (table+indexes+toast)`);
console.log(`PostgreSQL / SQLite rate: ${(rate(pgMs) / rate(sqMs)).toFixed(2)}x`);
await sink.close();
await pg.$client.close();
sq.$client.close();
const b = new SQL({ url: admin, max: 1 });
await b.unsafe(`DROP DATABASE ${name} WITH (FORCE)`);
await b.close();
for (const s of ["", "-wal", "-shm"]) rmSync(file + s, { force: true });
