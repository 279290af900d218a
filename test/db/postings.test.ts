import { afterAll, expect, test } from "bun:test";
import { openDatabase } from "../../src/db/open";
import * as reader from "../../src/db/reader";
import { enforceRetention } from "../../src/db/retention";
import { prepareWrites, writeBatch } from "../../src/db/statements";
import {
  ensurePartition, LEGACY_PARTITION_BITS, legacyPartitionTable, listPartitions, PARTITION_BITS, partitionOfTable, partitionTable, seqColumn,
  wholeSeqPartitionTable, type Partition,
} from "../../src/db/terms";
import { line, tempDir } from "./fixtures";

/**
 * Postings tables (terms.ts): 2^16 seqs each, seqs as offsets; a database that already has a first-version table
 * (2^20 seqs) or a second-version one (2^16, whole seqs) goes on writing its range there, so ranges never overlap, and
 * search and retention take all kinds.
 */

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const submit = (seq: number) => {
  const raw = `{"id":${seq},"method":"mining.submit","params":["w${seq}.rig","j1","00000001","504e86ed","${seq.toString(16).padStart(8, "0")}"]}`;
  return { ...line("s", seq), seq, id: String(seq), raw, json: JSON.parse(raw), kind: "request" as const, method: "mining.submit", decoded: null, analysis: null };
};

test("older postings tables keep their ranges; later ranges get offset tables; search and retention see all kinds", () => {
  const db = openDatabase(tmp.url("postings.db"));
  const c = db.$client;
  // As databases written by the first and second versions hold them.
  ensurePartition(c, partitionOfTable(legacyPartitionTable(0))!);
  ensurePartition(c, partitionOfTable(wholeSeqPartitionTable(16))!);
  const w = prepareWrites(db);
  const legacyEnd = 2 ** LEGACY_PARTITION_BITS;
  const seqs = [5, 6, legacyEnd - 1, legacyEnd, legacyEnd + 1, legacyEnd + 2 ** PARTITION_BITS + 3];
  writeBatch(db, w, { msgs: seqs.map(submit), sess: [], telemetry: [], seqHighWater: seqs.at(-1)! });
  const parts = listPartitions(c);
  expect(parts.map((p) => p.table)).toEqual([partitionTable(17), wholeSeqPartitionTable(16), legacyPartitionTable(0)]);
  expect(parts.map((p) => p.offset)).toEqual([true, false, false]);
  const count = (p: Partition) => c.query<{ n: number }, []>(`SELECT count(DISTINCT ${seqColumn(p)}) AS n FROM ${p.table}`).get()!.n;
  expect(parts.map(count)).toEqual([1, 2, 3]);
  // The offset table keeps seq - lo.
  expect(c.query<{ off: number }, []>(`SELECT DISTINCT off FROM ${partitionTable(17)}`).all()).toEqual([{ off: 3 }]);
  // Each message by its worker name and by its nonce (an exact hex), newest first, and paging across the kinds.
  for (const s of seqs) {
    expect(reader.queryMessages(db, { q: `w${s}.rig` }, 10).map((m) => m.seq)).toEqual([s]);
    expect(reader.queryMessages(db, { q: s.toString(16).padStart(8, "0") }, 10).map((m) => m.seq)).toEqual([s]);
  }
  expect(reader.queryMessages(db, { q: "504e86ed" }, 10).map((m) => m.seq)).toEqual([...seqs].reverse());
  expect(reader.queryMessages(db, { q: "504e86ed" }, 2, legacyEnd + 1).map((m) => m.seq)).toEqual([legacyEnd, legacyEnd - 1]);
  // Keep the newest two: the first-version table and the first small one go whole.
  for (let i = 0; i < 5; i++) enforceRetention(db, { days: 0, maxMessages: 2 });
  expect(listPartitions(c).map((p) => p.table)).toEqual([partitionTable(17), wholeSeqPartitionTable(16)]);
  expect(reader.queryMessages(db, { q: "504e86ed" }, 10).map((m) => m.seq)).toEqual(seqs.slice(4).reverse());
  c.close();
});
