import type { MessageRecord, SessionRecord } from "../capture/records";

/**
 * Memory holds what is not flushed yet (and recent history), disk holds everything flushed: their union has no gaps.
 * Both lists are newest first; the result is the newest `limit` of the union, each seq once (memory's copy wins).
 */
export function mergeNewest(memory: MessageRecord[], disk: MessageRecord[], limit: number): MessageRecord[] {
  const out: MessageRecord[] = [];
  let i = 0;
  let j = 0;
  while (out.length < limit && (i < memory.length || j < disk.length)) {
    const a = memory[i];
    const b = disk[j];
    if (a && (!b || a.seq >= b.seq)) {
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
