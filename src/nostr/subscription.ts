import type { Filter } from "nostr-tools/filter";
import type { PoolCounters, SubscribeOptions } from "./pool-types.ts";

/**
 * One subscription of the pool: its filter, the newest event time seen per relay (so a re-subscription asks only from
 * there, minus a margin), and the check each incoming event passes: de-duplicated by id (bounded memory), verified and
 * decoded by the caller's parser, then handed to its callback at most once.
 */

export type Sub = {
  id: string;
  filter: Filter;
  newest: Map<string, number>;
  /** Per relay: the filter of the REQ whose EOSE has not come yet (its catch-up repeats it). */
  awaitingEose: Map<string, Filter>;
  accept(raw: unknown, url: string): void;
};

/** Remembers the last `max` ids (insertion order). */
export class IdMemory {
  private ids = new Set<string>();
  constructor(private readonly max: number) {}
  has(id: string): boolean {
    return this.ids.has(id);
  }
  add(id: string): void {
    this.ids.add(id);
    if (this.ids.size > this.max) {
      const first = this.ids.values().next();
      if (!first.done) this.ids.delete(first.value);
    }
  }
}

/** Counters a subscription adds to (the pool's own object). */
type SubCounters = Pick<PoolCounters, "duplicates" | "rejected">;

export function newSub<T>(id: string, opts: SubscribeOptions<T>, dedupeSize: number, c: SubCounters, log: (line: string) => void): Sub {
  const seen = new IdMemory(dedupeSize);
  const sub: Sub = {
    id,
    filter: { ...opts.filter },
    newest: new Map(),
    awaitingEose: new Map(),
    accept: (raw, url) => {
      const evId = typeof raw === "object" && raw !== null && "id" in raw && typeof raw.id === "string" ? raw.id : null;
      if (evId !== null && seen.has(evId)) {
        c.duplicates++;
        return;
      }
      const r = opts.parse(raw);
      if (!r.ok) {
        c.rejected[r.reason] = (c.rejected[r.reason] ?? 0) + 1;
        // A bad signature is not remembered: a forged copy must not hide the genuine event with the same id. Any
        // other reason comes after the signature check, so the id is that event's own: a second delivery (another
        // relay, a catch-up query) is a duplicate, not a second refusal.
        if (evId !== null && r.reason !== "bad_signature") seen.add(evId);
        return;
      }
      seen.add(r.event.id);
      // Clamp to now so a future-dated event cannot push `since` past events we have not seen.
      const t = Math.min(r.event.created_at, Math.floor(Date.now() / 1000));
      if (t > (sub.newest.get(url) ?? 0)) sub.newest.set(url, t);
      try {
        opts.onEvent(r.content, r.event, url);
      } catch (err) {
        log(`nostr: subscriber callback failed: ${String(err)}`);
      }
    },
  };
  return sub;
}

/** The filter of a (re)subscription to one relay: `since` the newest event seen from it, minus the margin. */
export function reqFilter(sub: Sub, url: string, sinceMarginSec: number): Filter {
  const f: Filter = { ...sub.filter };
  const newest = sub.newest.get(url);
  if (newest !== undefined) f.since = Math.max(f.since ?? 0, newest - sinceMarginSec);
  return f;
}
