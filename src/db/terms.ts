import type { Database } from "bun:sqlite";
import { hash53 } from "./hash";

/**
 * The search index (see capture/search.ts for what is searchable). Postings `(term, seq)` live in one table per seq
 * range, so retention drops whole old tables instead of hunting postings by seq through an index ordered by term. A
 * term is a vocabulary id (`terms`, positive) for a text, or a negative 47-bit hash for an exact hex string (a nonce is
 * never searched by part, and would make the vocabulary as big as the history). A hash can collide: every hit is
 * checked against the message itself before it is returned.
 *
 * Tables: `message_postings_<n>` hold 2^16 seqs each. Postings land in random places of a table's b-tree (a nonce's
 * hash, a worker's term), so the table being written must stay small for its pages to stay few: with 2^20 seqs a
 * table (`message_terms_<n>`, the first version) grew to ~50 MB, each batch touched thousands of its pages and ingest
 * fell from ~40 k to ~17 k messages/s over a million messages (bench/db.ts, BENCHMARKS.md). A database that has a
 * `message_terms_<n>` table goes on writing the seqs of its range there, so ranges never overlap; reads take both.
 */
export const PARTITION_BITS = 16;
/** The first version's tables, `message_terms_<n>`: 2^20 seqs each. */
export const LEGACY_PARTITION_BITS = 20;
/** At most this many postings per message (a notify with a long merkle branch list has ~20). */
export const MAX_TERMS_PER_MESSAGE = 64;

/** One postings table and the seqs it may hold, [lo, hi). */
export type Partition = { table: string; lo: number; hi: number };

export const partitionOf = (seq: number): number => Math.floor(seq / 2 ** PARTITION_BITS);
export const partitionTable = (p: number): string => `message_postings_${p}`;
export const legacyPartitionTable = (p: number): string => `message_terms_${p}`;

export const hexKey = (hexLower: string): number => -(1 + (hash53(hexLower) % 2 ** 47));

export function ensurePartition(db: Database, table: string): void {
  db.run(`CREATE TABLE IF NOT EXISTS ${table} (term INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (term, seq)) WITHOUT ROWID`);
}

const FAMILIES = [
  { prefix: "message_postings_", bits: PARTITION_BITS },
  { prefix: "message_terms_", bits: LEGACY_PARTITION_BITS },
] as const;

/** The postings tables that exist, newest range first. */
export function listPartitions(db: Database): Partition[] {
  const out: Partition[] = [];
  const names = db
    .query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' AND (name GLOB 'message_postings_[0-9]*' OR name GLOB 'message_terms_[0-9]*')")
    .all();
  for (const { name } of names)
    for (const f of FAMILIES) {
      if (!name.startsWith(f.prefix)) continue;
      const n = Number(name.slice(f.prefix.length));
      if (Number.isInteger(n)) out.push({ table: name, lo: n * 2 ** f.bits, hi: (n + 1) * 2 ** f.bits });
    }
  return out.sort((a, b) => b.lo - a.lo);
}

/** The table that takes `seq`'s postings: the first version's table of its range when there is one (see above). */
export function tableForSeq(db: Database, seq: number): string {
  const legacy = legacyPartitionTable(Math.floor(seq / 2 ** LEGACY_PARTITION_BITS));
  const has = db.query<{ n: number }, [string]>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?").get(legacy);
  if ((has?.n ?? 0) > 0) return legacy;
  const table = partitionTable(partitionOf(seq));
  ensurePartition(db, table);
  return table;
}
