/**
 * Storage at farm scale: the farm mix (bench/farm-mix.ts: records as the real capture pipeline makes them) written
 * through today's writer and through the writer of a baseline commit (the storage before issue 12), in the same run, on
 * the same records: messages/s (batches of 2,000 as the writer thread gets them: JSON text in, parsed, one
 * transaction), bytes on disk per message, then `q` search and a filter page on the new database.
 *   bun bench/db.ts [N=1048576] [baselineN=200000] [copies=10] [baselineRef=5194746] [dir=/tmp]
 * Generation (parsing, decoding, share hashing) is not timed. For the search table the N written messages are copied
 * (in SQL, seqs shifted by N, postings into the matching partitions) until the database holds copies × N: generating
 * 10 M records through the pipeline takes ~15 minutes here. The copies repeat content, so a "rare" term occurs once
 * per copy, and jobs are not stored again (the bytes/message figures come from the written part only).
 */
import { execSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import path from "node:path";
import type { MessageRecord } from "../src/capture/records";
import { openDatabase, type Db } from "../src/db/open";
import * as reader from "../src/db/reader";
import { usedBytes } from "../src/db/retention";
import { prepareWrites, writeBatch, type Batch } from "../src/db/statements";
import { ensurePartition, listPartitions, PARTITION_BITS, partitionOf, partitionTable } from "../src/db/terms";
import { farmMix, farmSessionId } from "./farm-mix";

const N = Number(process.argv[2] ?? 2 ** 20);
const BASE_N = Number(process.argv[3] ?? 200_000);
const COPIES = Number(process.argv[4] ?? 10);
const BASE_REF = process.argv[5] ?? "5194746";
const DIR = process.argv[6] ?? "/tmp";
const ROOT = path.join(import.meta.dir, "..");

type Writer = { db: Db; write(b: Batch): void; ms: number; n: number };
const fresh = (file: string) => {
  for (const s of ["", "-wal", "-shm"]) rmSync(file + s, { force: true });
  return `sqlite:${file}`;
};

// The baseline's own code, from git (src/ and drizzle/ of that commit), sharing this checkout's node_modules.
const baseDir = mkdtempSync(path.join(DIR, "hashscope-baseline-"));
execSync(`git -C ${ROOT} archive ${BASE_REF} src drizzle | tar -x -C ${baseDir}`);
symlinkSync(path.join(ROOT, "node_modules"), path.join(baseDir, "node_modules"));
const baseOpen = (await import(path.join(baseDir, "src/db/open.ts"))) as typeof import("../src/db/open");
const baseStatements = (await import(path.join(baseDir, "src/db/statements.ts"))) as typeof import("../src/db/statements");

function writer(db: Db, w: { write(b: Batch): void }): Writer {
  return { db, write: w.write, ms: 0, n: 0 };
}
const newFile = path.join(DIR, "hashscope-bench-new.db");
const baseFile = path.join(DIR, "hashscope-bench-base.db");
const newDb = openDatabase(fresh(newFile));
const newW = prepareWrites(newDb);
const next = writer(newDb, { write: (b) => writeBatch(newDb, newW, b) });
const baseDb = baseOpen.openDatabase(fresh(baseFile)) as unknown as Db;
const baseW = baseStatements.prepareWrites(baseDb as never);
const base = writer(baseDb, { write: (b) => baseStatements.writeBatch(baseDb as never, baseW, b as never) });

function timed(w: Writer, msgs: MessageRecord[]): void {
  const text = JSON.stringify({ msgs, sess: [], telemetry: [], seqHighWater: msgs[msgs.length - 1]!.seq }); // the relay thread's part
  const t = performance.now();
  w.write(JSON.parse(text) as Batch);
  w.ms += performance.now() - t;
  w.n += msgs.length;
}
const perMessage = (w: Writer) => {
  w.db.$client.run("PRAGMA wal_checkpoint(TRUNCATE)");
  return usedBytes(w.db.$client) / w.n;
};

let newAtBase = 0;
let genMs = 0;
let t0 = performance.now();
for (const chunk of farmMix({ miners: 10_000, groups: 10, total: N, chunk: 2_000 })) {
  genMs += performance.now() - t0;
  if (base.n < BASE_N) timed(base, chunk);
  timed(next, chunk);
  if (next.n === BASE_N) newAtBase = perMessage(next);
  t0 = performance.now();
}
const rate = (w: Writer) => Math.round(w.n / (w.ms / 1000));
const baseBytes = perMessage(base);
const newBytes = perMessage(next);
console.log(`load: ${execSync("uptime").toString().trim()}`);
console.log(`generated ${N} farm-mix records in ${(genMs / 1000).toFixed(0)} s (not timed)\n`);
console.log("| writer | messages | messages/s | bytes/message on disk |");
console.log("|---|---|---|---|");
console.log(`| baseline ${BASE_REF} | ${base.n} | ${rate(base)} | ${baseBytes.toFixed(0)} |`);
console.log(`| this version | ${BASE_N} (same records) | - | ${newAtBase.toFixed(0)} |`);
console.log(`| this version | ${next.n} | ${rate(next)} | ${newBytes.toFixed(0)} |`);
console.log(`\nspeed-up ${(rate(next) / rate(base)).toFixed(1)}x, size ${(baseBytes / newAtBase).toFixed(1)}x smaller (same ${BASE_N} records)`);

/** Copy the first N messages `COPIES - 1` times (see the header); N must be a multiple of a posting partition. */
function copyHistory(db: Db): number {
  const c = db.$client;
  if (COPIES <= 1) return N;
  if (N % 2 ** PARTITION_BITS !== 0) throw new Error(`N must be a multiple of ${2 ** PARTITION_BITS} for copies`);
  const cols = c.query<{ name: string }, []>("SELECT name FROM pragma_table_info('messages')").all().map((r) => r.name);
  const parts = listPartitions(c).filter((p) => p.hi <= N);
  for (let k = 1; k < COPIES; k++) {
    const shift = k * N;
    c.transaction(() => {
      c.run(`INSERT INTO messages (${cols.join(", ")}) SELECT ${cols.map((x) => (x === "seq" ? `seq + ${shift}` : x)).join(", ")} FROM messages WHERE seq <= ${N}`);
      for (const p of parts) {
        const table = partitionTable(partitionOf(p.lo + shift));
        ensurePartition(c, table);
        c.run(`INSERT INTO ${table} (term, seq) SELECT term, seq + ${shift} FROM ${p.table}`);
      }
    })();
  }
  return COPIES * N;
}
const copyT = performance.now();
const total = copyHistory(newDb);
if (COPIES > 1) console.log(`
copied to ${total} messages in ${((performance.now() - copyT) / 1000).toFixed(0)} s`);

function median(fn: () => number, runs: number): { ms: number; rows: number } {
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
const probeNonce = reader.queryMessages(newDb, { method: "mining.submit", kind: "request" }, 1, Math.floor(N / 3))[0]?.decoded?.nonce as string;
console.log(`\nsearch on ${total} messages (limit 100, newest first, median of 5):\n`);
console.log("| q | kind | matches (limit 100) | ms |");
console.log("|---|---|---|---|");
for (const [q, kind] of [
  ["bc1qrare.marker7", `rare (1 message per copy: ${COPIES})`],
  [probeNonce, `exact nonce (1 per copy: ${COPIES})`],
  ["not-in-any-line", "absent"],
  ["bc1qfarm7.rig5", "a worker's name prefix (some workers)"],
  ["low difficulty", "common error text (2 %)"],
  ["rig3", "common (1,111 worker names)"],
] as const) {
  const r = median(() => reader.queryMessages(newDb, { q }, 100).length, 5);
  console.log(`| \`${q}\` | ${kind} | ${r.rows} | ${r.ms.toFixed(2)} |`);
}
const page = median(() => reader.queryMessages(newDb, { session_id: farmSessionId(7), method: "mining.submit" }, 100, Math.floor(total / 2)).length, 5);
console.log(`\nsession + method filter, a page from the middle: ${page.rows} rows in ${page.ms.toFixed(2)} ms`);
newDb.$client.close();
baseDb.$client.close();
for (const f of [newFile, baseFile]) for (const s of ["", "-wal", "-shm"]) rmSync(f + s, { force: true });
rmSync(baseDir, { recursive: true, force: true });
