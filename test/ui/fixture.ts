import { afterAll, beforeAll } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { startSimPool, type SimPool } from "../../src/sim/pool";
import { startSimMiner, type SimMiner, type SimMinerOptions } from "../../src/sim/miner";
import type { HashScope } from "../../src/server";
import { startTestHashScope } from "../helpers/hashscope";
import { launchBrowser } from "../helpers/browser";

/** A sim pool, HashScope (with the UI) in front of it, and a browser; miners are started by each test. */
export type UiWorld = {
  pool: SimPool;
  hs: HashScope;
  browser: Browser;
  base: string;
  miners: SimMiner[];
  miner(o: Partial<SimMinerOptions> & { worker: string }): SimMiner;
  page(width?: number): Promise<Page>;
  stop(): Promise<void>;
};

/** Very low difficulty (4,096 hashes a share) and a throttled hash rate: a few shares a second for next to no CPU. */
export const UI_DIFFICULTY = 2 ** -20;

/** `env`: extra HashScope settings, e.g. API_TOKEN. */
export async function startUiWorld(env: Record<string, string> = {}): Promise<UiWorld> {
  const pool = await startSimPool({ difficulty: UI_DIFFICULTY, jobIntervalMs: 0 });
  const hs = await startTestHashScope(pool.port, env);
  let browser: Browser;
  try {
    browser = await launchBrowser();
  } catch (e) {
    await hs.stop();
    await pool.stop();
    throw e;
  }
  const miners: SimMiner[] = [];
  const base = `http://127.0.0.1:${hs.apiPort}`;
  return {
    pool,
    hs,
    browser,
    base,
    miners,
    miner(o) {
      const m = startSimMiner({ host: "127.0.0.1", port: hs.proxyPort, maxHashesPerSecond: 8_000, batchSize: 1024, maxSeconds: 60, ...o });
      m.ready.catch(() => {});
      miners.push(m);
      return m;
    },
    async page(width = 1280) {
      const ctx = await browser.newContext({ viewport: { width, height: 860 } });
      const p = await ctx.newPage();
      p.setDefaultTimeout(10_000);
      return p;
    },
    async stop() {
      await Promise.allSettled(miners.map((m) => m.stop()));
      await browser.close().catch(() => {});
      await hs.stop();
      await pool.stop();
    },
  };
}

/** One UiWorld for a test file: started before its tests, stopped after them; `use` receives it. */
export function useUiWorld(use: (w: UiWorld) => void, env: Record<string, string> = {}): void {
  let w: UiWorld | undefined;
  beforeAll(async () => {
    w = await startUiWorld(env);
    use(w);
  }, 40_000);
  afterAll(async () => {
    await w?.stop();
  }, 20_000);
}
