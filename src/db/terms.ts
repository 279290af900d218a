import type { Database } from "bun:sqlite";
import { hash53 } from "./hash";

/**
 * The search index (see capture/search.ts for what is searchable). Postings `(term, seq)` live in one table per seq
 * range, so retention drops whole old tables instead of hunting postings by seq through an index ordered by term. A
 * term is a vocabulary id (`terms`, positive) for a text, or a negative hash for an exact hex string (a nonce is
 * never searched by part, and would make the vocabulary as big as the history). A hash can collide: every hit is
 * checked against the message itself before it is returned.
 *
 * Tables: `message_posts_<n>` (`message_postings_<n>` before them) hold 2^16 seqs each. Postings land in random
 * places of a table's b-tree (a nonce's hash, a worker's term), so the table being written must stay small for its pages to stay few: with 2^20 seqs a
 * table (`message_terms_<n>`, the first version) grew to ~50 MB, each batch touched thousands of its pages and ingest
 * fell from ~40 k to ~17 k messages/s over a million messages (bench/db.ts, BENCHMARKS.md). A database that has a
 * table of an older version goes on writing the seqs of its range there, so ranges never overlap; reads take all.
 */
export const PARTITION_BITS = 16;
/** The first version's tables, `message_terms_<n>`: 2^20 seqs each. */
export const LEGACY_PARTITION_BITS = 20;
/** At most this many postings per message (a notify with a long merkle branch list has ~20). */
export const MAX_TERMS_PER_MESSAGE = 64;

/**
 * One postings table and the seqs it may hold, [lo, hi). `offset` tables (`message_posts_<n>`, since 0009) keep a
 * posting's seq as `off` = seq - lo (2 bytes instead of 3-5) and an exact hex as a 31-bit hash (4 bytes instead of
 * 6): ~10 bytes less per message on the farm mix. Older tables keep `seq` whole and 47-bit hashes.
 */
export type Partition = { table: string; lo: number; hi: number; offset: boolean };
/** What a message is found by: an exact hex string (lower case), or a vocabulary id. */
export type PostingKey = string | number;

export const partitionOf = (seq: number): number => Math.floor(seq / 2 ** PARTITION_BITS);
export const partitionTable = (p: number): string => `message_posts_${p}`;
/** The second version's tables: whole seqs, 47-bit hex hashes. */
export const wholeSeqPartitionTable = (p: number): string => `message_postings_${p}`;
export const legacyPartitionTable = (p: number): string => `message_terms_${p}`;

/** A key's term in partition `p`'s table: a vocabulary id as it is, a hex string as a negative hash of p's width. */
export function termOf(p: Partition, key: PostingKey): number {
  if (typeof key === "number") return key;
  return -(1 + (hash53(key) % 2 ** (p.offset ? 31 : 47)));
}
/** The column a partition keeps a posting's seq in. */
export const seqColumn = (p: Partition): string => (p.offset ? "off" : "seq");
/** The value `seqColumn` holds for `seq`. */
export const columnOfSeq = (p: Partition, seq: number): number => (p.offset ? seq - p.lo : seq);

export function ensurePartition(db: Database, p: Partition): void {
  const col = seqColumn(p);
  db.run(`CREATE TABLE IF NOT EXISTS ${p.table} (term INTEGER NOT NULL, ${col} INTEGER NOT NULL, PRIMARY KEY (term, ${col})) WITHOUT ROWID`);
}

const FAMILIES = [
  { prefix: "message_posts_", bits: PARTITION_BITS, offset: true },
  { prefix: "message_postings_", bits: PARTITION_BITS, offset: false },
  { prefix: "message_terms_", bits: LEGACY_PARTITION_BITS, offset: false },
] as const;

/** The partition of table `name`, or null when it is not a postings table. */
export function partitionOfTable(name: string): Partition | null {
  for (const f of FAMILIES) {
    if (!name.startsWith(f.prefix)) continue;
    const n = Number(name.slice(f.prefix.length));
    if (Number.isInteger(n)) return { table: name, lo: n * 2 ** f.bits, hi: (n + 1) * 2 ** f.bits, offset: f.offset };
  }
  return null;
}

/** The postings tables that exist, newest range first. */
export function listPartitions(db: Database): Partition[] {
  const names = db
    .query<{ name: string }, []>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND (name GLOB 'message_posts_[0-9]*' OR name GLOB 'message_postings_[0-9]*' OR name GLOB 'message_terms_[0-9]*')",
    )
    .all();
  return names.flatMap(({ name }) => partitionOfTable(name) ?? []).sort((a, b) => b.lo - a.lo);
}

/** The table that takes `seq`'s postings: an older version's table of its range when there is one, so ranges never overlap. */
export function tableForSeq(db: Database, seq: number): Partition {
  const exists = (name: string) =>
    (db.query<{ n: number }, [string]>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?").get(name)?.n ?? 0) > 0;
  for (const name of [legacyPartitionTable(Math.floor(seq / 2 ** LEGACY_PARTITION_BITS)), wholeSeqPartitionTable(partitionOf(seq))])
    if (exists(name)) return partitionOfTable(name)!;
  const p = partitionOfTable(partitionTable(partitionOf(seq)))!;
  ensurePartition(db, p);
  return p;
}
