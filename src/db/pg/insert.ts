import type { SQL } from "bun";
import { hash53 } from "../hash";
import type { WireMessage } from "../wire";
import { canShareLine, messageToPgRow, prepare, searchOf, type PgJobRow, type PgMessageRow } from "./rows";

/** One INSERT carries at most this many rows or bytes of text (PostgreSQL allows 65,535 parameters). */
const MAX_ROWS_PER_INSERT = 1_000;
const MAX_BYTES_PER_INSERT = 4 * 1024 * 1024;

/** Split rows into multi-row INSERTs bounded in count and bytes. */
function chunkRows(rows: PgMessageRow[]): PgMessageRow[][] {
  const out: PgMessageRow[][] = [];
  let cur: PgMessageRow[] = [];
  let bytes = 0;
  for (const r of rows) {
    const size = r.record.length + r.search.length + (r.raw?.length ?? 0);
    if (cur.length > 0 && (cur.length >= MAX_ROWS_PER_INSERT || bytes + size > MAX_BYTES_PER_INSERT)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(r);
    bytes += size;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/**
 * Messages into `messages` (and their notify lines into `jobs`) inside the caller's transaction; a message already
 * present (same seq) is left as it is. Returns how many were inserted.
 *
 * Jobs first: each distinct line of the batch once, `last_ms` raised to its newest message. The upsert updates (and
 * returns) a row only when its raw is this line, so a hash already taken by another line (a collision, in the table
 * or within the batch) returns nothing and those messages keep their line in their own row. Rows go in hash order so
 * two instances' transactions take row locks in the same order (no deadlock).
 */
export async function insertMessages(tx: SQL, instance: string, msgs: WireMessage[]): Promise<number> {
  const prepared = msgs.map(prepare);
  const lines = new Map<number, PgJobRow>();
  const hashOf = new Map<string, number>();
  for (const p of prepared) {
    if (!canShareLine(p)) continue;
    const raw = p.m.raw!;
    let h = hashOf.get(raw);
    if (h === undefined) {
      h = hash53(raw);
      hashOf.set(raw, h);
      const held = lines.get(h);
      if (held === undefined) lines.set(h, { hash: h, raw, search: searchOf(p), last_ms: p.tsMs });
      else if (held.raw !== raw) hashOf.set(raw, -1); // a second line with this hash in one batch: kept in its rows
    }
    const job = lines.get(h);
    if (job !== undefined && job.raw === raw && p.tsMs > job.last_ms) job.last_ms = p.tsMs;
  }
  const accepted = new Set<number>();
  if (lines.size > 0) {
    const rows = [...lines.values()].sort((a, b) => a.hash - b.hash);
    const got = (await tx`INSERT INTO jobs ${tx(rows)} ON CONFLICT (hash) DO UPDATE
      SET last_ms = GREATEST(jobs.last_ms, excluded.last_ms) WHERE jobs.raw = excluded.raw RETURNING hash`) as Array<{ hash: string | number }>;
    for (const r of got) accepted.add(Number(r.hash));
  }
  const rows = prepared.map((p) => {
    const h = canShareLine(p) ? hashOf.get(p.m.raw!) : undefined;
    return messageToPgRow(p, instance, h !== undefined && accepted.has(h) && lines.get(h)!.raw === p.m.raw ? h : null);
  });
  let inserted = 0;
  for (const chunk of chunkRows(rows)) {
    const r = await tx`INSERT INTO messages ${tx(chunk)} ON CONFLICT (seq) DO NOTHING`;
    inserted += r.count;
  }
  return inserted;
}
