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
