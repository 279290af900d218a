/**
 * In-process publish/subscribe. Publishing never waits for a subscriber: each subscriber gets a bounded queue, and a
 * subscriber that falls behind is told it overflowed (a live view then reconnects and resumes from the store).
 */
export type Listener<T> = (value: T) => void;

export class Hub<T> {
  private readonly listeners = new Set<Listener<T>>();

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
   * Async iteration until `signal` aborts. Ends (returns) when more than `maxQueue` values are waiting, so a slow
   * consumer costs bounded memory; `overflowed()` tells the consumer why it ended.
   */
  subscribe(signal: AbortSignal, maxQueue = 10_000): AsyncGenerator<T[]> & { overflowed(): boolean } {
    const queue: T[] = [];
    let wake: (() => void) | null = null;
    let overflow = false;
    const off = this.on((v) => {
      if (overflow) return;
      if (queue.length >= maxQueue) overflow = true;
      else queue.push(v);
      wake?.();
    });
    const onAbort = () => wake?.();
    signal.addEventListener("abort", onAbort);
    async function* run(): AsyncGenerator<T[]> {
      try {
        while (!signal.aborted && !overflow) {
          if (queue.length) {
            yield queue.splice(0, queue.length);
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
    return Object.assign(run(), { overflowed: () => overflow });
  }
}
