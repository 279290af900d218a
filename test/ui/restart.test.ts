import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import { createApp } from "../../src/http/app";
import type { HashScope } from "../../src/server";
import { startSimMiner } from "../../src/sim/miner";
import { startSimPool, type SimPool } from "../../src/sim/pool";
import { uiRoutes } from "../../src/ui/routes";
import { launchBrowser, rowSeqs, watchErrors } from "../helpers/browser";
import { startTestHashScope } from "../helpers/hashscope";
import { until } from "../helpers/net";
import { tempDir } from "../db/fixtures";
import { UI_DIFFICULTY } from "./fixture";

const tmp = tempDir();
let pool: SimPool;
let browser: Browser;

beforeAll(async () => {
  pool = await startSimPool({ difficulty: UI_DIFFICULTY, jobIntervalMs: 0 });
  browser = await launchBrowser();
}, 40_000);

afterAll(async () => {
  await browser?.close().catch(() => {});
  await pool?.stop();
  tmp.cleanup();
}, 20_000);

/** The pages of `hs` on their own HTTP server, so the page's connection can be cut while HashScope still captures. */
const serveUi = (hs: HashScope, port: number) =>
  createApp(hs, [uiRoutes(hs)]).listen({ hostname: "127.0.0.1", port, reusePort: false, idleTimeout: 60 });

const miner = (hs: HashScope, worker: string) =>
  startSimMiner({ host: "127.0.0.1", port: hs.proxyPort, worker, maxHashesPerSecond: 8_000, batchSize: 1024, maxSeconds: 30 });

test("after a full restart: a page cut off before it gets the rows it never saw; the sessions page keeps the last run's sessions through live updates", async () => {
  const env = { DATABASE_URL: tmp.url("ui-restart.db") };
  const first = await startTestHashScope(pool.port, env);
  let app = serveUi(first, 0);
  const port = app.server!.port!;
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
  page.setDefaultTimeout(10_000);
  const errors = watchErrors(page);
  let second: HashScope | null = null;
  try {
    await page.goto(`http://127.0.0.1:${port}/messages`);
    await page.waitForSelector('#indicator[data-state="live"]');
    const m1 = miner(first, "before.rig");
    await page.waitForFunction(() => document.querySelectorAll("#rows tr").length >= 10, undefined, { timeout: 15_000 });

    // Cut the page off; HashScope keeps capturing rows the page never gets; then HashScope itself stops.
    await app.stop(true);
    await page.waitForSelector('#indicator[data-state="reconnecting"]');
    const shownBefore = Math.max(...(await rowSeqs(page)));
    await until(() => first.store.lastSeq >= shownBefore + 8, 15_000, "rows the page did not see");
    await first.stop();
    await m1.stop();
    const lastOfFirstRun = first.store.lastSeq;

    // A new HashScope on the same database serves the page again on the same port.
    second = await startTestHashScope(pool.port, env);
    app = serveUi(second, port);
    await page.waitForSelector('#indicator[data-state="live"]', { timeout: 15_000 });
    await page.waitForFunction((t) => [...document.querySelectorAll("#rows tr")].some((r) => Number(r.getAttribute("data-seq")) === t), lastOfFirstRun);
    // Then the new run's own traffic.
    const m2 = miner(second, "after.rig");
    await page.waitForFunction((t) => [...document.querySelectorAll("#rows tr")].some((r) => Number(r.getAttribute("data-seq")) > t), lastOfFirstRun, {
      timeout: 15_000,
    });
    await m2.stop();

    const seqs = await rowSeqs(page);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    // Exactly the history over the same range (disk for the first run, memory for the second): nothing lost or doubled.
    const lo = Math.min(...seqs);
    const hi = Math.max(...seqs);
    const stored = (await second.db!.since({}, lo - 1, 10_000)).filter((m) => m.seq <= hi).map((m) => m.seq);
    expect([...seqs].reverse()).toEqual(stored);
    expect(seqs.filter((s) => s > shownBefore && s <= lastOfFirstRun).length).toBe(lastOfFirstRun - shownBefore);
    const expected = /ERR_INCOMPLETE_CHUNKED_ENCODING|ERR_CONNECTION_REFUSED|network error|Failed to fetch/;
    expect(errors.filter((e) => !expected.test(e))).toEqual([]);

    // The sessions page lists the first run's sessions (now closed, from disk), and its live updates keep them.
    const firstRun = first.store.listSessions("all").map((s) => s.id);
    await page.goto(`http://127.0.0.1:${port}/sessions`);
    await page.waitForSelector('#indicator[data-state="live"]');
    const listed = () => page.$$eval("#sessions-live tr[data-session]", (rows) => rows.map((r) => r.getAttribute("data-session")));
    for (const id of firstRun) expect(await listed()).toContain(id);
    const m3 = miner(second, "third.rig"); // a new session: the live part of the page is re-rendered
    await page.waitForFunction(() => document.querySelector("#sessions-live")?.textContent?.includes("third.rig"), undefined, { timeout: 15_000 });
    await m3.stop();
    for (const id of firstRun) expect(await listed()).toContain(id);
    // Older closed sessions, server-rendered: the ones listed after a given one.
    const closed = await second.db!.sessions("closed", 100);
    const older = await (await fetch(`http://127.0.0.1:${port}/sessions?before=${closed[0]!.id}`)).text();
    for (const s of closed.slice(1)) expect(older).toContain(`data-session="${s.id}"`);
    expect(older).not.toContain(`data-session="${closed[0]!.id}"`);
  } finally {
    await page.context().close();
    await app.stop(true);
    await second?.stop();
  }
}, 60_000);
