import type { MessageRecord, SessionRecord } from "../capture/records";

/**
 * Memory holds what is not flushed yet (and recent history), disk holds everything flushed: their union has no gaps.
 * Both lists are in `order` by seq; the result is the first `limit` of the union in that order, each seq once
 * (`preferred`'s copy wins: memory's is the current one).
 */
export function mergeBySeq(
  preferred: MessageRecord[],
  other: MessageRecord[],
  limit: number,
  order: "newest" | "oldest",
): MessageRecord[] {
  const out: MessageRecord[] = [];
  const firstIsA = (a: number, b: number) => (order === "newest" ? a >= b : a <= b);
  let i = 0;
  let j = 0;
  while (out.length < limit && (i < preferred.length || j < other.length)) {
    const a = preferred[i];
    const b = other[j];
    if (a && (!b || firstIsA(a.seq, b.seq))) {
      out.push(a);
      i++;
      if (b && b.seq === a.seq) j++;
    } else if (b) {
      out.push(b);
      j++;
    }
  }
  return out;
}

/** The order sessions are listed in: newest `opened_at` first, then by id (many miners connect in the same millisecond). */
export const newerSessionFirst = (x: SessionRecord, y: SessionRecord): number =>
  x.opened_at !== y.opened_at ? (x.opened_at < y.opened_at ? 1 : -1) : x.id < y.id ? 1 : x.id > y.id ? -1 : 0;

/** Whether `s` comes after `cursor` in that order (the next page after it). */
export const listedAfter = (s: SessionRecord, cursor: SessionRecord): boolean => newerSessionFirst(cursor, s) < 0;

/** Memory's and disk's sessions as one list in that order; memory's copy wins (its counters are current). */
export function mergeSessions(memory: SessionRecord[], disk: SessionRecord[]): SessionRecord[] {
  const seen = new Set(memory.map((s) => s.id));
  return [...memory, ...disk.filter((s) => !seen.has(s.id))].sort(newerSessionFirst);
}
