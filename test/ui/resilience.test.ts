import { expect, test } from "bun:test";
import { createApp } from "../../src/http/app";
import { uiRoutes } from "../../src/ui/routes";
import { rowSeqs, watchErrors } from "../helpers/browser";
import { until } from "../helpers/net";
import { useUiWorld, type UiWorld } from "./fixture";

let w: UiWorld;
useUiWorld((world) => (w = world));

/** A second HTTP server over the same services (same store), so it can be stopped and started on one port. */
const serveUi = (port: number) =>
  createApp(w.hs, [uiRoutes(w.hs)]).listen({ hostname: "127.0.0.1", port, reusePort: false, idleTimeout: 60 });

test("after a server restart the page reconnects by itself and resumes without duplicate or missing rows", async () => {
  let app = serveUi(0);
  const port = app.server!.port!;
  const page = await w.page();
  const errors = watchErrors(page);
  await page.goto(`http://127.0.0.1:${port}/messages`);
  await page.waitForSelector('#indicator[data-state="live"]');
  w.miner({ worker: "restart.rig", badShareRatio: 0.2 });
  await page.waitForFunction(() => document.querySelectorAll("#rows tr").length >= 10, undefined, { timeout: 15_000 });

  await app.stop(true);
  await page.waitForSelector('#indicator[data-state="reconnecting"]');
  const shownBefore = Math.max(...(await rowSeqs(page)));
  // Traffic goes on while the page is cut off: these rows must arrive after the reconnect, once each.
  await until(() => w.hs.store.lastSeq >= shownBefore + 6, 15_000, "traffic during the outage");

  app = serveUi(port);
  try {
    await page.waitForSelector('#indicator[data-state="live"]', { timeout: 15_000 });
    const target = w.hs.store.lastSeq;
    await page.waitForFunction((t) => [...document.querySelectorAll("#rows tr")].some((r) => Number(r.getAttribute("data-seq")) >= t), target);
    // New rows keep coming on the new connection.
    await page.waitForFunction((t) => [...document.querySelectorAll("#rows tr")].some((r) => Number(r.getAttribute("data-seq")) > t), target, { timeout: 15_000 });
    const seqs = await rowSeqs(page);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    // Exactly what the store holds over the same range: the outage lost nothing and repeated nothing.
    const lo = Math.min(...seqs);
    const hi = Math.max(...seqs);
    const stored = w.hs.store.since({}, lo - 1, 10_000).filter((m) => m.seq <= hi).map((m) => m.seq);
    expect([...seqs].reverse()).toEqual(stored);
    // The cut itself shows up as network errors; nothing else may go wrong.
    const expected = /ERR_INCOMPLETE_CHUNKED_ENCODING|ERR_CONNECTION_REFUSED|network error|Failed to fetch/;
    expect(errors.filter((e) => !expected.test(e))).toEqual([]);
  } finally {
    await page.context().close();
    await app.stop(true);
  }
}, 45_000);

test("at 2,000 messages/s the server batches updates (at most 200 rows each) and the page keeps at most 500 rows", async () => {
  const page = await w.page();
  const errors = watchErrors(page);
  await page.goto(`${w.base}/messages`);
  await page.waitForSelector('#indicator[data-state="live"]');
  // Record what each SSE update carried.
  type Probe = { batches: number[]; swapMs: number[] };
  await page.evaluate(() => {
    const probe: Probe = { batches: [], swapMs: [] };
    (window as unknown as { probe: Probe }).probe = probe;
    let start = 0;
    type Msg = CustomEvent<{ message: { data: string; event: string } }>;
    document.addEventListener("htmx:sse:before:message", (e) => {
      if (!(e as Msg).detail.message.event) start = performance.now();
    });
    document.addEventListener("htmx:sse:after:message", (e) => {
      const d = (e as Msg).detail.message;
      if (d.event) return;
      probe.batches.push(d.data.split("<tr ").length - 1);
      probe.swapMs.push(performance.now() - start);
    });
  });
  const miner = w.miner({ worker: "load.rig", maxHashesPerSecond: 1000 });
  await miner.ready;
  const first = w.hs.store.lastSeq;
  const RATE = 2000;
  const SECONDS = 3;
  const t0 = performance.now();
  for (let tick = 0; tick < (SECONDS * 1000) / 10; tick++) {
    for (let i = 0; i < RATE / 100; i++)
      w.pool.sendToAll(JSON.stringify({ id: null, method: "client.show_message", params: [`load ${tick}.${i}`] }));
    const due = t0 + (tick + 1) * 10;
    await Bun.sleep(Math.max(0, due - performance.now()));
  }
  const sendMs = performance.now() - t0;
  await until(() => w.hs.store.lastSeq >= first + RATE * SECONDS, 15_000, "all load captured");
  const last = w.hs.store.lastSeq;
  await page.waitForFunction((t) => Number(document.querySelector("#rows tr")?.getAttribute("data-seq")) >= t, last, { timeout: 15_000 });
  const pageMs = performance.now() - t0;
  const { batches, swapMs } = await page.evaluate(() => (window as unknown as { probe: Probe }).probe);
  const seqs = await rowSeqs(page);
  const total = batches.reduce((a, b) => a + b, 0);
  console.log(
    `load: ${RATE * SECONDS} messages sent in ${sendMs.toFixed(0)} ms; page caught up after ${pageMs.toFixed(0)} ms; ` +
      `${batches.length} SSE updates, ${total} rows, max ${Math.max(...batches)} rows/update, ` +
      `${((total * 1000) / pageMs).toFixed(0)} rows/s into the page; swap+trim per update avg ` +
      `${(swapMs.reduce((a, b) => a + b, 0) / swapMs.length).toFixed(1)} ms, max ${Math.max(...swapMs).toFixed(1)} ms; ${seqs.length} rows kept`,
  );
  expect(seqs.length).toBeLessThanOrEqual(500);
  expect(new Set(seqs).size).toBe(seqs.length);
  expect(seqs[0]).toBeGreaterThanOrEqual(last);
  expect(batches.length).toBeLessThan(total); // batched: fewer updates than rows
  expect(Math.max(...batches)).toBeLessThanOrEqual(200);
  expect(await page.textContent(".live-controls")).toMatch(/\d+ rows skipped at high rate/);
  // History stays one click away: "older" points just past the oldest row kept.
  // (Other traffic keeps arriving, so the link moves on with the oldest row; read it from the page each time.)
  const older = await page.evaluate(() => {
    const rows = document.querySelectorAll("#rows tr");
    return { href: document.querySelector("#older")!.getAttribute("href"), oldest: rows[rows.length - 1]!.getAttribute("data-seq") };
  });
  expect(older.href).toContain(`before=${older.oldest}`);
  await page.click("#older");
  await page.waitForURL(/before=/);
  const before = Number(new URL(page.url()).searchParams.get("before"));
  const hist = await rowSeqs(page);
  expect(hist.length).toBeGreaterThan(0);
  expect(hist[0]).toBeLessThan(before);
  // History pages are not live.
  expect(await page.getAttribute("#rows", "hx-sse:connect")).toBeNull();
  expect(await page.getAttribute("#rows", "data-stream")).toBeNull();
  expect(errors).toEqual([]);
  await page.context().close();
  await miner.stop();
}, 45_000);
