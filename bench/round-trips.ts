import type { Socket } from "bun";

/**
 * A probe miner for the benches: one connection that sends `line`, waits until `answerBytes` came back, and times each
 * round trip on the monotonic clock (ms). Stops after `count` round trips or `ms` milliseconds, whichever comes first;
 * `pauseMs` between round trips keeps a miner's pace instead of a flood.
 */
export async function roundTrips(
  port: number,
  line: Uint8Array,
  answerBytes: number,
  o: { count?: number; ms?: number; pauseMs?: number },
): Promise<number[]> {
  let onData = (_n: number) => {};
  const socket: Socket<undefined> = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data: (_s, c) => onData(c.byteLength) } });
  const out: number[] = [];
  const end = performance.now() + (o.ms ?? Number.POSITIVE_INFINITY);
  const count = o.count ?? Number.POSITIVE_INFINITY;
  while (out.length < count && performance.now() < end) {
    const t0 = performance.now();
    let got = 0;
    await new Promise<void>((resolve) => {
      onData = (n) => {
        got += n;
        if (got >= answerBytes) resolve();
      };
      socket.write(line);
    });
    out.push(performance.now() - t0);
    if (o.pauseMs) await Bun.sleep(o.pauseMs);
  }
  socket.end();
  return out;
}

/** The p-th percentile of sorted values (NaN when there are none). */
export const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
