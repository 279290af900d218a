import type { Database } from "bun:sqlite";
import { hash53 } from "./hash";

/**
 * The search index (see capture/search.ts for what is searchable). Postings `(term, seq)` live in one table per 2^20
 * seqs, `message_terms_<n>`, so retention drops whole old tables instead of hunting postings by seq through an index
 * ordered by term. A term is a vocabulary id (`terms`, positive) for a text, or a negative 47-bit hash for an exact hex
 * string (a nonce is never searched by part, and would make the vocabulary as big as the history). A hash can collide:
 * every hit is checked against the message itself before it is returned.
 */
export const PARTITION_BITS = 20;
export const partitionOf = (seq: number): number => Math.floor(seq / 2 ** PARTITION_BITS);
export const partitionTable = (p: number): string => `message_terms_${p}`;
/** At most this many postings per message (a notify with a long merkle branch list has ~20). */
export const MAX_TERMS_PER_MESSAGE = 64;

export const hexKey = (hexLower: string): number => -(1 + (hash53(hexLower) % 2 ** 47));

export function ensurePartition(db: Database, p: number): void {
  db.run(
    `CREATE TABLE IF NOT EXISTS ${partitionTable(p)} (term INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (term, seq)) WITHOUT ROWID`,
  );
}

/** The partitions that exist, newest first. */
export function listPartitions(db: Database): number[] {
  return db
    .query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'message_terms_[0-9]*'")
    .all()
    .map((r) => Number(r.name.slice("message_terms_".length)))
    .filter((n) => Number.isInteger(n))
    .sort((a, b) => b - a);
}
