import type { Filter } from "nostr-tools/filter";
import type { Sub } from "./subscription.ts";

/**
 * Catch-up queries: after a subscription's EOSE from a relay, the same query is asked once more a little later, because
 * one answer is not to be trusted (a relay may cache answers by filter, or register the live subscription only after its
 * stored query ran, which loses events published in between). Each has its own id, closed at its own EOSE or with its
 * subscription; a relay that goes down forgets its own.
 */

export class Catchups {
  private readonly byId = new Map<string, { sub: Sub; url: string }>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private next = 1;

  constructor(private readonly delayMs: number) {}

  /** The subscription a catch-up id asks for. */
  subOf(id: string): Sub | undefined {
    return this.byId.get(id)?.sub;
  }

  /** An EOSE for `id`: true when it was a catch-up's own (which ends it; the caller closes it on the relay). */
  end(id: string): boolean {
    return this.byId.delete(id);
  }

  /**
   * One catch-up of `sub` on the relay at `url`, `delayMs` from now, if `live()` still holds then; `send` writes its REQ.
   * Nothing when catch-ups are off (delay 0).
   */
  schedule(sub: Sub, url: string, filter: Filter, live: () => boolean, send: (id: string, filter: Filter) => void): void {
    if (this.delayMs <= 0) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!live()) return;
      const id = `${sub.id}:c${this.next++}`;
      this.byId.set(id, { sub, url });
      send(id, filter);
    }, this.delayMs);
    this.timers.add(t);
  }

  /** The subscription closed: its catch-ups are forgotten and returned (to close on their relays). */
  takeFor(sub: Sub): { id: string; url: string }[] {
    const out: { id: string; url: string }[] = [];
    for (const [id, c] of this.byId) {
      if (c.sub !== sub) continue;
      this.byId.delete(id);
      out.push({ id, url: c.url });
    }
    return out;
  }

  /** The relay went down: its catch-ups will not answer. */
  forgetRelay(url: string): void {
    for (const [id, c] of this.byId) if (c.url === url) this.byId.delete(id);
  }

  clear(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.byId.clear();
  }
}
