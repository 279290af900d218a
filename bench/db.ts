/**
 * Storage at farm scale: the farm mix (bench/farm-mix.ts: records as the real capture pipeline makes them) written
 * through this version's writer, through the writer of a previous commit (default 470a1a3, before the hand-over and
 * postings changes of BENCHMARKS.md "Persistent capture at farm scale") and through a baseline commit's (the storage
 * before issue 12), in the same run, on the same records: messages/s of the writer thread's work, bytes on disk per
 * message, then `q` search and a filter page on the new database.
 *   bun bench/db.ts [N=1048576] [baselineN=200000] [copies=10] [baselineRef=5194746] [dir=/tmp] [previousRef=470a1a3]
 * Writer thread's work, as in HashScope: this version gets each batch of 8,000 as four pieces of wire text
 * (src/db/wire.ts encodeBatch, the relay thread's part, timed apart) and decodes and commits them in one transaction;
 * the older writers get JSON text of the records per batch of 2,000 (their hand-over), parse it, one transaction.
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
import { prepareWrites, writeWireBatch, type Batch } from "../src/db/statements";
import { columnOfSeq, listPartitions, PARTITION_BITS, seqColumn, tableForSeq } from "../src/db/terms";
import { decodeBatch, encodeBatch, joinBatches } from "../src/db/wire";
import { farmMix, farmSessionId } from "./farm-mix";

const N = Number(process.argv[2] ?? 2 ** 20);
const BASE_N = Number(process.argv[3] ?? 200_000);
const COPIES = Number(process.argv[4] ?? 10);
const BASE_REF = process.argv[5] ?? "5194746";
const DIR = process.argv[6] ?? "/tmp";
const PREV_REF = process.argv[7] ?? "470a1a3";
const ROOT = path.join(import.meta.dir, "..");
const PIECE = 2_000;
const BATCH = 8_000;

type Writer = { db: Db; write(b: Batch): void; ms: number; n: number };
const fresh = (file: string) => {
  for (const s of ["", "-wal", "-shm"]) rmSync(file + s, { force: true });
  return `sqlite:${file}`;
};

/** An older commit's own code, from git (src/ and drizzle/ of that commit), sharing this checkout's node_modules. */
async function olderWriter(ref: string, file: string): Promise<Writer & { cleanup(): void }> {
  const dir = mkdtempSync(path.join(DIR, `hashscope-${ref}-`));
  execSync(`git -C ${ROOT} archive ${ref} src drizzle | tar -x -C ${dir}`);
  symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
  const open = (await import(path.join(dir, "src/db/open.ts"))) as typeof import("../src/db/open");
  const st = (await import(path.join(dir, "src/db/statements.ts"))) as { prepareWrites(db: never): never; writeBatch(db: never, w: never, b: never): void };
  const db = open.openDatabase(fresh(file)) as unknown as Db;
  const w = st.prepareWrites(db as never);
  const out: Writer & { cleanup(): void } = {
    db, ms: 0, n: 0,
    write(b: Batch) {
      const text = JSON.stringify(b); // the relay thread's part, not timed
      const t = performance.now();
      st.writeBatch(db as never, w, JSON.parse(text) as never);
      out.ms += performance.now() - t;
      out.n += b.msgs.length;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
  return out;
}

const newFile = path.join(DIR, "hashscope-bench-new.db");
const newDb = openDatabase(fresh(newFile));
const newW = prepareWrites(newDb);
let encodeMs = 0;
const next: Writer = {
  db: newDb, ms: 0, n: 0,
  write(b: Batch) {
    const parts: string[] = [];
    for (let i = 0; i < b.msgs.length; i += PIECE) {
      const t = performance.now();
      parts.push(encodeBatch({ ...b, msgs: b.msgs.slice(i, i + PIECE) }));
      encodeMs += performance.now() - t;
    }
    const t = performance.now();
    writeWireBatch(newDb, newW, joinBatches(parts.map(decodeBatch)));
    this.ms += performance.now() - t;
    this.n += b.msgs.length;
  },
};
const base = await olderWriter(BASE_REF, path.join(DIR, "hashscope-bench-base.db"));
const prev = await olderWriter(PREV_REF, path.join(DIR, "hashscope-bench-prev.db"));

const batchOf = (msgs: MessageRecord[]): Batch => ({ msgs, sess: [], telemetry: [], seqHighWater: msgs[msgs.length - 1]!.seq });
const perMessage = (w: Writer) => {
  w.db.$client.run("PRAGMA wal_checkpoint(TRUNCATE)");
  return usedBytes(w.db.$client) / w.n;
};

const loadAtStart = execSync("uptime").toString().trim();
let newAtBase = 0;
let genMs = 0;
let t0 = performance.now();
let pending: MessageRecord[] = [];
for (const chunk of farmMix({ miners: 10_000, groups: 10, total: N, chunk: PIECE })) {
  genMs += performance.now() - t0;
  if (base.n < BASE_N) base.write(batchOf(chunk));
  prev.write(batchOf(chunk));
  pending.push(...chunk);
  if (pending.length >= BATCH || prev.n === N || prev.n === BASE_N) {
    next.write(batchOf(pending));
    pending = [];
  }
  if (next.n === BASE_N) newAtBase = perMessage(next);
  t0 = performance.now();
}
if (pending.length > 0) next.write(batchOf(pending));
const rate = (w: Writer) => Math.round(w.n / (w.ms / 1000));
const baseBytes = perMessage(base);
const prevBytes = perMessage(prev);
const newBytes = perMessage(next);
console.log(`load at start: ${loadAtStart}`);
console.log(`load at end:   ${execSync("uptime").toString().trim()}`);
console.log(`generated ${N} farm-mix records in ${(genMs / 1000).toFixed(0)} s (not timed)\n`);
console.log("| writer | messages | messages/s | vs baseline | bytes/message on disk |");
console.log("|---|---|---|---|---|");
console.log(`| baseline ${BASE_REF} | ${base.n} | ${rate(base)} | 1.00x | ${baseBytes.toFixed(0)} |`);
console.log(`| previous ${PREV_REF} | ${prev.n} | ${rate(prev)} | ${(rate(prev) / rate(base)).toFixed(2)}x | ${prevBytes.toFixed(0)} |`);
console.log(`| this version | ${BASE_N} (same records) | - | - | ${newAtBase.toFixed(0)} |`);
console.log(`| this version | ${next.n} | ${rate(next)} | ${(rate(next) / rate(base)).toFixed(2)}x | ${newBytes.toFixed(0)} |`);
console.log(`\nthis version vs previous: ${(rate(next) / rate(prev)).toFixed(2)}x messages/s; size ${(baseBytes / newAtBase).toFixed(1)}x smaller than the baseline (same ${BASE_N} records)`);
console.log(`relay thread's part (encodeBatch): ${((encodeMs * 1000) / next.n).toFixed(2)} µs per message`);
prev.db.$client.close();
prev.cleanup();
for (const s of ["", "-wal", "-shm"]) rmSync(path.join(DIR, "hashscope-bench-prev.db") + s, { force: true });

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
        const to = tableForSeq(c, p.lo + shift);
        // Shift the seq as each table keeps it (whole, or as an offset from its range's start).
        const shifted = `${seqColumn(p)} - ${columnOfSeq(p, 0)} + ${shift} + ${columnOfSeq(to, 0)}`;
        c.run(`INSERT INTO ${to.table} (term, ${seqColumn(to)}) SELECT term, ${shifted} FROM ${p.table}`);
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
base.db.$client.close();
base.cleanup();
for (const f of [newFile, path.join(DIR, "hashscope-bench-base.db")]) for (const s of ["", "-wal", "-shm"]) rmSync(f + s, { force: true });
