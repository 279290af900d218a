/**
 * A log line that may repeat at a high rate (a flood of refused connections): the first is said at once, later ones
 * are counted and summed up in at most one line per `everyMs`.
 */
export function rateLimitedLog(log: (line: string) => void, everyMs = 60_000) {
  let lastSaidMs = Number.NEGATIVE_INFINITY;
  let unsaid = 0;
  let last = "";
  let timer: ReturnType<typeof setTimeout> | null = null;
  const say = () => {
    timer = null;
    if (unsaid === 0) return;
    log(`${last} (${unsaid} more like it since the last line)`);
    unsaid = 0;
    lastSaidMs = performance.now();
  };
  return {
    /** Every call counted, also those not said. */
    count: 0,
    add(line: string): void {
      this.count++;
      last = line;
      if (performance.now() - lastSaidMs >= everyMs) {
        log(line);
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
