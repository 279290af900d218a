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

/** Sessions newest first by `opened_at`; memory's copy wins (its counters are current). */
export function mergeSessions(memory: SessionRecord[], disk: SessionRecord[]): SessionRecord[] {
  const seen = new Set(memory.map((s) => s.id));
  const merged = [...memory, ...disk.filter((s) => !seen.has(s.id))];
  // Stable sort keeps memory's own order for equal timestamps.
  return merged.sort((x, y) => (x.opened_at < y.opened_at ? 1 : x.opened_at > y.opened_at ? -1 : 0));
}
