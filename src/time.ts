/** Wall-clock timestamps are ISO 8601 UTC with `Z`; durations come from the monotonic clock. */
export const isoNow = (): string => new Date().toISOString();

/** Milliseconds on a monotonic clock, for measuring durations only. */
export const monoMs = (): number => performance.now();
