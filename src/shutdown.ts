/**
 * SIGINT/SIGTERM: stop once, then exit 0 (1 when stopping failed). A signal can arrive twice: a terminal's Ctrl-C reaches
 * the whole process group, so `bun run` and this process both get it and `bun run` forwards its copy too.
 */
export function exitOnSignals(stop: (signal: NodeJS.Signals) => Promise<unknown>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    stop(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`stop failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

/** How often `bun run start` looks whether its relay died, and how long /health says down before the process exits. */
export const RELAY_CHECK_MS = 200;
export const RELAY_DOWN_EXIT_MS = 2000;
const STOP_LIMIT_MS = 5000;

/**
 * A HashScope whose relay thread died relays nothing, so it must not look alive: log one line, let /health answer 503
 * for a moment (a probe sees why), save what it can, then exit 1 so a supervisor (systemd, Fly) starts a new one.
 */
export function exitWhenRelayDies(failure: () => string | null, stop: () => Promise<unknown>, downMs = RELAY_DOWN_EXIT_MS): void {
  const timer = setInterval(() => {
    const why = failure();
    if (why === null) return;
    clearInterval(timer);
    console.error(`HashScope: ${why}; not relaying, exiting with code 1 in ${downMs} ms (a supervisor should restart it)`);
    setTimeout(() => {
      const exit = (): never => process.exit(1);
      Promise.race([stop(), Bun.sleep(STOP_LIMIT_MS)]).then(exit, exit);
    }, downMs);
  }, RELAY_CHECK_MS);
}
