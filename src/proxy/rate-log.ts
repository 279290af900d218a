/** How a rate-limited log says one item at once, and the ones it counted since in one summing line. */
export type LogWords<T> = { line: (item: T) => string; summary: (unsaid: number, last: T) => string };

const PLAIN: LogWords<string> = { line: (s) => s, summary: (unsaid, last) => `${last} (${unsaid} more like it since the last line)` };

/**
 * A log line that may repeat at a high rate (a flood of refused connections, failed pool connections): the first is
 * said at once, later ones are counted and summed up in at most one line per `everyMs`.
 */
export function rateLimitedLog<T = string>(log: (line: string) => void, everyMs = 60_000, words: LogWords<T> = PLAIN as unknown as LogWords<T>) {
  let lastSaidMs = Number.NEGATIVE_INFINITY;
  let unsaid = 0;
  let last: T | undefined;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const say = () => {
    timer = null;
    if (unsaid === 0 || last === undefined) return;
    log(words.summary(unsaid, last));
    unsaid = 0;
    lastSaidMs = performance.now();
  };
  return {
    /** Every call counted, also those not said. */
    count: 0,
    add(item: T): void {
      this.count++;
      last = item;
      if (performance.now() - lastSaidMs >= everyMs) {
        log(words.line(item));
        lastSaidMs = performance.now();
      } else {
        unsaid++;
        timer ??= setTimeout(say, Math.max(0, lastSaidMs + everyMs - performance.now()));
      }
    },
    stop(): void {
      if (timer) clearTimeout(timer);
      say();
    },
  };
}
