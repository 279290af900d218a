import type { Database } from "bun:sqlite";
import { HEX_TOKEN } from "../capture/search";
import { ftsPhrase } from "./fts";
import { meta } from "./schema";
import type { Db } from "./open";
import { columnOfSeq, listPartitions, seqColumn, termOf, type PostingKey } from "./terms";
import { eq } from "drizzle-orm";

/**
 * Candidate seqs for `q` from the search index (terms.ts), in page order; the caller fetches those rows, applies the
 * other filters and checks each against `q` itself (hash collisions, trigram false positives). Rows written before
 * migration 0003 are found through the FTS5 trigram index they were written with.
 */

export type Page = { newestBelow: number | undefined } | { oldestAbove: number };

/** More vocabulary matches than this: `q` is common, and a scan in seq order finds its newest hits sooner. */
export const BROAD_TERMS = 500;
/** Up to this many keys, one query per key; beyond, one query for all. */
const FEW_KEYS = 8;
const MIN_TRIGRAM = 3;

/** The index keys `q` stands for, or "broad" when scanning is the better plan. */
export function termKeys(db: Db, q: string): PostingKey[] | "broad" {
  const c = db.$client;
  const needle = q.toLowerCase();
  const keys: PostingKey[] = [];
  if (HEX_TOKEN.test(q)) keys.push(needle);
  const ids =
    [...needle].length >= MIN_TRIGRAM
      ? c
          .query<{ id: number }, [string, string, number]>(
            `SELECT t.id FROM terms_fts JOIN terms t ON t.id = terms_fts.rowid
             WHERE terms_fts MATCH ? AND instr(t.text, ?) > 0 LIMIT ?`,
          )
          .all(ftsPhrase(needle), needle, BROAD_TERMS + 1)
      : c.query<{ id: number }, [string, number]>("SELECT id FROM terms WHERE instr(text, ?) > 0 LIMIT ?").all(needle, BROAD_TERMS + 1);
  if (ids.length > BROAD_TERMS) return "broad";
  for (const r of ids) keys.push(r.id);
  return keys;
}

/** Highest seq that may be in the pre-0003 FTS index (0: none). */
export function legacyMaxSeq(db: Db): number {
  const row = db.select().from(meta).where(eq(meta.key, "legacy_fts_max_seq")).get();
  return row ? Number(row.value) || 0 : 0;
}

/**
 * Up to `k` candidate seqs beyond `page`, in page order. Partitions are disjoint seq ranges visited in page order, so
 * once one has given k candidates no later one can change the first k.
 */
export function candidates(db: Db, keyed: PostingKey[], q: string, page: Page, k: number, legacyMax: number): number[] {
  const c: Database = db.$client;
  const newest = !("oldestAbove" in page);
  const bound = newest ? (page.newestBelow ?? Number.MAX_SAFE_INTEGER) : page.oldestAbove;
  const found = new Set<number>();
  const cmp = newest ? "<" : ">";
  const dir = newest ? "DESC" : "ASC";
  const parts = listPartitions(c).filter((p) => (newest ? p.lo < bound : p.hi > bound + 1));
  if (!newest) parts.reverse();
  for (const p of parts) {
    // Each table keeps its keys and seqs in its own form (terms.ts): bound and results converted here.
    const keys = keyed.map((key) => termOf(p, key));
    const col = seqColumn(p);
    const at = columnOfSeq(p, bound);
    const back = (v: number) => v - columnOfSeq(p, 0);
    if (keys.length <= FEW_KEYS) {
      // Each key's postings in seq order, k at most: cheap however many postings a key has.
      const st = c.query<{ s: number }, [number, number, number]>(
        `SELECT ${col} AS s FROM ${p.table} WHERE term = ? AND ${col} ${cmp} ? ORDER BY ${col} ${dir} LIMIT ?`,
      );
      for (const key of keys) for (const r of st.all(key, at, k)) found.add(back(r.s));
    } else {
      // Many keys (each a rarer text): one query, sorted by SQLite, instead of a query per key.
      const rows = c
        .query<{ s: number }, number[]>(
          `SELECT DISTINCT ${col} AS s FROM ${p.table} WHERE term IN (${keys.map(() => "?").join(",")}) AND ${col} ${cmp} ? ORDER BY ${col} ${dir} LIMIT ?`,
        )
        .all(...keys, at, k);
      for (const r of rows) found.add(back(r.s));
    }
    if (found.size >= k) break;
  }
  const sorted = () => [...found].sort((a, b) => (newest ? b - a : a - b));
  // Old rows hold seqs up to legacyMax: needed unless k newer candidates are already known.
  const kth = found.size >= k ? sorted()[k - 1]! : null;
  const legacyInRange = newest ? kth === null || kth <= legacyMax : bound < legacyMax;
  if (legacyMax > 0 && [...q].length >= MIN_TRIGRAM && legacyInRange) {
    // Old rows' trigram index: substring of the raw line, a superset of what q finds in them (checked by the caller).
    const rows = c
      .query<{ seq: number }, [string, number, number]>(
        `SELECT rowid AS seq FROM messages_fts WHERE messages_fts MATCH ? AND rowid ${cmp} ? ORDER BY rowid ${dir} LIMIT ?`,
      )
      .all(ftsPhrase(q), bound, k);
    for (const r of rows) found.add(r.seq);
  }
  return sorted().slice(0, k);
}
