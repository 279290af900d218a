/**
 * In-process publish/subscribe. Publishing never waits for a subscriber: each subscriber gets a bounded queue, and a
 * subscriber that falls behind is told it overflowed (a live view then reconnects and resumes from the store).
 */
export type Listener<T> = (value: T) => void;

export class Hub<T> {
  private readonly listeners = new Set<Listener<T>>();
  /** Subscriptions ended because their consumer fell behind (count or byte bound). */
  overflows = 0;

  /** `sizeOf`: what one value costs a subscriber's queue in bytes (estimated), for the byte bound. */
  constructor(private readonly sizeOf: (value: T) => number = () => 0) {}

  get size(): number {
    return this.listeners.size;
  }

  on(listener: Listener<T>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(value: T): void {
    for (const l of this.listeners) {
      try {
        l(value);
      } catch (err) {
        console.error("hub listener failed:", err);
      }
    }
  }

  /**
   * Async iteration until `signal` aborts. Ends (returns) when more than `maxQueue` values or `maxBytes` bytes are
   * waiting, so a slow consumer costs bounded memory (what it missed stays in the store and the history, to resume
   * from); `overflowed()` tells the consumer why it ended. A subscription that overflowed holds nothing any more.
   */
  subscribe(signal: AbortSignal, maxQueue = 10_000, maxBytes = Number.POSITIVE_INFINITY): AsyncGenerator<T[]> & { overflowed(): boolean; queuedBytes(): number } {
    let queue: T[] = [];
    let bytes = 0;
    let wake: (() => void) | null = null;
    let overflow = false;
    const off = this.on((v) => {
      if (overflow) return;
      const size = this.sizeOf(v);
      if (queue.length >= maxQueue || bytes + size > maxBytes) {
        overflow = true;
        this.overflows++;
        queue = [];
        bytes = 0;
        off(); // nothing more to hold for a consumer that will only learn it ended
      } else {
        queue.push(v);
        bytes += size;
      }
      wake?.();
    });
    const onAbort = () => wake?.();
    signal.addEventListener("abort", onAbort);
    async function* run(): AsyncGenerator<T[]> {
      try {
        while (!signal.aborted && !overflow) {
          if (queue.length) {
            const batch = queue;
            queue = [];
            bytes = 0;
            yield batch;
            continue;
          }
          await new Promise<void>((r) => (wake = r));
          wake = null;
        }
      } finally {
        off();
        signal.removeEventListener("abort", onAbort);
      }
    }
    return Object.assign(run(), { overflowed: () => overflow, queuedBytes: () => bytes });
  }
}
