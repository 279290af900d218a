import os from "node:os";

/**
 * Lower this thread's scheduling priority by `steps` nice values, once the relay thread runs (which keeps its own). On
 * Linux a nice value belongs to a thread, so only the main thread (capture, HTTP, streams) yields to the relay when the
 * two compete for a core; threads started later by the main thread inherit it. Measured in BENCHMARKS.md (issue 8).
 * Called by the program (`src/main.ts`), not by `startHashScope`: in tests the main thread is the test runner's.
 */
export function lowerMainThreadPriority(steps: number): void {
  if (steps <= 0) return;
  try {
    os.setPriority(0, Math.min(19, os.getPriority(0) + steps));
  } catch (err) {
    console.error(`MAIN_THREAD_NICE: could not lower the main thread's priority (${err instanceof Error ? err.message : String(err)}); going on`);
  }
}
