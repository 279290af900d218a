import type { SimPool } from "../sim/pool";

/**
 * The demo's shared chain: every `everyMs` a new block (height + 1, random prevhash) reaches each simulated pool after
 * that pool's own delay, so the pools send jobs on the same block at different times, like real pools do.
 */

export type ChainPool = { pool: SimPool; delayMs: number };
export type DemoChain = { readonly height: number; stop(): void };

const randomHex = (bytes: number): string => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("hex");

export function startDemoChain(pools: readonly ChainPool[], everyMs: number, startHeight = 900_000): DemoChain {
  let height = startHeight;
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const block = () => {
    height++;
    const prevhash = randomHex(32);
    for (const { pool, delayMs } of pools) {
      const t = setTimeout(() => {
        timers.delete(t);
        pool.newBlock(height, prevhash);
      }, delayMs);
      timers.add(t);
    }
  };
  block();
  const tick = setInterval(block, everyMs);
  return {
    get height() {
      return height;
    },
    stop() {
      clearInterval(tick);
      for (const t of timers) clearTimeout(t);
    },
  };
}
