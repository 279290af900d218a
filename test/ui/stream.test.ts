import { expect, test } from "bun:test";
import { rowSeqs, screenshot, watchErrors } from "../helpers/browser";
import { until } from "../helpers/net";
import { parseUiQuery } from "../../src/ui/filters";
import { useUiWorld, type UiWorld } from "./fixture";

let w: UiWorld;
useUiWorld((world) => (w = world));

test("rows appear live while a simulated miner runs", async () => {
  const page = await w.page();
  const errors = watchErrors(page);
  await page.goto(`${w.base}/messages`);
  expect(await page.locator("#rows tr").count()).toBe(0); // nothing captured yet: every row below came over SSE
  await page.waitForSelector('#indicator[data-state="live"]');
  w.miner({ worker: "alice.rig1", userAgent: "cgminer/4.12.1", badShareRatio: 0.4 });
  await page.waitForSelector('#rows tr td.c-m a:text-is("mining.submit")', { timeout: 15_000 });
  await page.waitForFunction(() => document.querySelectorAll("#rows tr").length >= 12);
  const seqs = await rowSeqs(page);
  expect(new Set(seqs).size).toBe(seqs.length);
  expect(seqs).toEqual([...seqs].sort((a, b) => b - a)); // newest first
  expect(await page.textContent("#rows")).toContain("alice.rig1");
  await screenshot(page, "ui-stream.png");
  expect(errors).toEqual([]);
  await page.context().close();
}, 30_000);

test("each filter narrows the rows, on the server and in the URL", async () => {
  // Enough traffic of every kind: submits with bad shares (errors) and a second session.
  w.miner({ worker: "bob.s19", userAgent: "bmminer/2.0.0", badShareRatio: 0.5 });
  await until(() => w.hs.store.query({ errors: true }, 1).length > 0 && w.hs.store.listSessions("live").length >= 2, 20_000, "bad shares");
  const page = await w.page();
  await page.goto(`${w.base}/messages`);
  const cellsOf = () =>
    page.$$eval("#rows tr", (trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent ?? "")));
  const bob = w.hs.store.listSessions("live").find((s) => s.workers.includes("bob.s19"))!;
  const cases: { query: string; check: (cells: string[][]) => boolean }[] = [
    { query: `session_id=${bob.id}`, check: (rows) => rows.every((r) => r[1] === `…${bob.id.slice(-8)}`) },
    { query: "direction=pool_to_miner", check: (rows) => rows.every((r) => r[2] === "←") },
    { query: "method=mining.submit", check: (rows) => rows.every((r) => r[3]!.includes("mining.submit")) },
    { query: "kind=response", check: (rows) => rows.every((r) => r[3]!.startsWith("↳")) },
    { query: "errors=1", check: (rows) => rows.every((r) => r[8] === "rejected" || r[8] === "error" || r[8] === "invalid") },
    { query: "q=bob.s19", check: (rows) => rows.every((r) => r[5]!.includes("bob.s19")) },
  ];
  for (const c of cases) {
    await page.goto(`${w.base}/messages?${c.query}`);
    const cells = await cellsOf();
    expect(cells.length).toBeGreaterThan(0);
    expect(c.check(cells)).toBe(true); // every row matches...
    // ...and the filter really narrows: the store holds messages it leaves out.
    const { filter } = parseUiQuery(Object.fromEntries(new URLSearchParams(c.query)));
    expect(w.hs.store.query(filter, 10_000).length).toBeLessThan(w.hs.store.messageCount);
    // The filter is kept in the form (so "Apply" keeps it) and applies to the live stream too.
    // The live view's stream (taken over by the shared stream worker, which keeps it as data-stream).
    const sse = (await page.getAttribute("#rows", "data-stream")) ?? (await page.getAttribute("#rows", "hx-sse:connect"));
    expect(sse).toContain(c.query.split("=")[0]!);
  }
  // Filtering through the form keeps the filter in the URL.
  await page.goto(`${w.base}/messages`);
  await page.selectOption('select[name="direction"]', "miner_to_pool");
  await Promise.all([page.waitForURL(/direction=miner_to_pool/), page.click('form.filters button[type="submit"]')]);
  const dirs = await page.$$eval("#rows td.c-d", (tds) => tds.map((td) => td.textContent));
  expect(dirs.length).toBeGreaterThan(0);
  expect(dirs.every((d) => d === "→")).toBe(true);
  // Live rows under a filter match it too.
  const before = await page.locator("#rows tr").count();
  await page.waitForFunction((n) => document.querySelectorAll("#rows tr").length > n, before, { timeout: 15_000 });
  const live = await page.$$eval("#rows td.c-d", (tds) => tds.map((td) => td.textContent));
  expect(live.every((d) => d === "→")).toBe(true);
  await page.context().close();
}, 40_000);

test("the detail view shows the decoded submit and its paired response", async () => {
  // A submit HashScope could check (the fixture's miners also send the odd share for an unknown job on purpose).
  const submit = w.hs.store
    .query({ method: "mining.submit", kind: "request" }, 100)
    .find((m) => m.analysis?.type === "submit" && m.analysis.hash !== null)!;
  const page = await w.page();
  await page.goto(`${w.base}/messages/${submit.id}`);
  const decoded = await page.textContent("#decoded");
  const d = submit.decoded as Record<string, string>;
  for (const label of ["Worker", "Job", "Extranonce2", "nTime", "Nonce", "Version bits"]) expect(decoded).toContain(label);
  for (const v of [d.worker!, d.job_id!, d.extranonce2!, d.nonce!]) expect(decoded).toContain(v);
  // HashScope's own check of the share, computed like the pool does, with its verdict and the pool's answer.
  const check = await page.textContent("#analysis");
  expect(submit.analysis?.type === "submit" && check?.includes(submit.analysis.hash!)).toBe(true);
  expect(check).toMatch(/HashScope verdict(valid|low difficulty|duplicate|stale|block candidate)/);
  expect(check).toMatch(/Share difficulty.*\(job difficulty .*\)/);
  expect(check).toMatch(/Pool answer(accepted|rejected)/);
  expect(await page.textContent("#raw")).toBe(submit.raw!);
  expect(await page.textContent("main")).toMatch(/Answered by #\d+/);
  await screenshot(page, "ui-detail.png");
  await page.context().close();
}, 20_000);

test("a phone-width page stays usable", async () => {
  const page = await w.page(390);
  await page.goto(`${w.base}/messages`);
  await page.waitForSelector('#indicator[data-state="live"]');
  // No horizontal overflow of the page itself (wide tables scroll inside their own box).
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await screenshot(page, "ui-stream-390.png");
  await page.context().close();
}, 20_000);

test("pause holds new rows and resume shows them, without duplicates", async () => {
  const page = await w.page();
  await page.goto(`${w.base}/messages`);
  await page.waitForSelector('#indicator[data-state="live"]');
  await page.click("#pause");
  await page.waitForSelector('#indicator[data-state="paused"]');
  const frozen = await rowSeqs(page);
  const atPause = w.hs.store.lastSeq;
  await until(() => w.hs.store.lastSeq >= atPause + 4, 15_000, "traffic while paused");
  await page.waitForFunction(() => (window as unknown as { hashscope: { state(): { held: number } } }).hashscope.state().held > 0);
  expect(await rowSeqs(page)).toEqual(frozen);
  await page.click("#pause"); // now "Resume"
  await page.waitForSelector('#indicator[data-state="live"]');
  const seqs = await rowSeqs(page);
  expect(seqs.length).toBeGreaterThan(frozen.length);
  expect(new Set(seqs).size).toBe(seqs.length);
  expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
  await page.context().close();
}, 30_000);

test("the session page's Disconnect button closes the session and the card updates live", async () => {
  const m = w.miner({ worker: "carol.bitaxe" });
  await m.ready;
  await until(() => w.hs.store.listSessions("live").some((s) => s.workers.includes("carol.bitaxe")), 5000, "carol's session");
  const s = w.hs.store.listSessions("live").find((x) => x.workers.includes("carol.bitaxe"))!;
  const page = await w.page();
  await page.goto(`${w.base}/sessions/${s.id}`);
  await page.waitForSelector('#indicator[data-state="live"]');
  expect(await page.textContent("#session-card")).toContain("carol.bitaxe");
  await page.click("#disconnect");
  await page.waitForFunction(() => document.querySelector("#session-card")!.textContent!.includes("disconnected by user"));
  expect(await page.locator("#disconnect").count()).toBe(0);
  expect(w.hs.store.getSession(s.id)!.close_reason).toBe("disconnected_by_api");
  await m.done;
  await page.context().close();
}, 20_000);
