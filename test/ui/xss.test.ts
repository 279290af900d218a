import { expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { screenshot, watchErrors } from "../helpers/browser";
import { until } from "../helpers/net";
import { useUiWorld, type UiWorld } from "./fixture";

/** Hostile text from traffic: if any of it ran, window.__xss would be set. */
const SCRIPT = "<script>window.__xss=1</script>";
const IMG = `<img src=x onerror="window.__xss=1">`;
const ATTR = `"><img src=x onerror=window.__xss=1>`;
const WORKER = `${SCRIPT}${ATTR}`;
const AGENT = `${IMG}'onmouseover='window.__xss=1`;
const SHOW = `pool says:\n${SCRIPT}\r\n${IMG}`;

let w: UiWorld;
useUiWorld((world) => (w = world));

const xssRan = (page: Page) => page.evaluate(() => "__xss" in window);
/** No element from traffic made it into the DOM as markup. */
const injected = (page: Page) => page.evaluate(() => document.querySelectorAll("main script, main img, [onerror], [onmouseover]").length);

test("hostile worker name, user agent and show_message arrive live and are shown as text", async () => {
  const stream = await w.page();
  const errors = watchErrors(stream);
  await stream.goto(`${w.base}/messages`);
  await stream.waitForSelector('#indicator[data-state="live"]');
  const sessions = await w.page();
  await sessions.goto(`${w.base}/sessions`);
  await sessions.waitForSelector('#indicator[data-state="live"]');

  w.miner({ worker: WORKER, userAgent: AGENT, badShareRatio: 0.3 });
  await until(() => w.hs.store.query({ method: "mining.submit" }, 1).length > 0, 15_000, "a submit");
  w.pool.sendToAll(JSON.stringify({ id: null, method: "client.show_message", params: [SHOW] }));
  await until(() => w.hs.store.query({ method: "client.show_message" }, 1).length > 0, 5000, "show_message captured");

  // Live (SSE) path: the text shows up verbatim, nothing runs.
  await stream.waitForFunction((t) => document.querySelector("#rows")!.textContent!.includes(t), WORKER);
  await stream.waitForFunction(() => document.querySelector("#rows")!.textContent!.includes("pool says:"));
  const rowsText = (await stream.textContent("#rows"))!;
  expect(rowsText).toContain(`worker ${WORKER}`);
  expect(rowsText).toContain(`agent ${AGENT}`);
  // Table cells clip long text (the full text is on the session page); the clipped part is still plain text.
  await sessions.waitForFunction((t) => document.querySelector("#sessions-live")!.textContent!.includes(t), SCRIPT);
  for (const p of [stream, sessions]) {
    expect(await xssRan(p)).toBe(false);
    expect(await injected(p)).toBe(0);
  }
  expect(errors).toEqual([]);
  await stream.context().close();
  await sessions.context().close();
}, 40_000);

test("server-rendered pages escape everything from traffic", async () => {
  const session = w.hs.store.listSessions("all").find((s) => s.workers.includes(WORKER))!;
  expect(session.user_agent).toBe(AGENT);
  const show = w.hs.store.query({ method: "client.show_message" }, 1)[0]!;
  const submit = w.hs.store.query({ method: "mining.submit", kind: "request" }, 1)[0]!;
  const subscribe = w.hs.store.query({ method: "mining.subscribe", kind: "request", session_id: session.id }, 1)[0]!;
  const pages: [string, string[]][] = [
    ["/", [SCRIPT, IMG]],
    ["/messages", [WORKER]],
    ["/messages?method=mining.subscribe", [AGENT]],
    [`/messages?q=${encodeURIComponent(SCRIPT)}`, [WORKER]],
    ["/sessions", [SCRIPT, IMG]],
    [`/sessions/${session.id}`, [WORKER, AGENT]],
    [`/messages/${show.id}`, ["pool says:", SCRIPT, IMG]],
    [`/messages/${submit.id}`, [WORKER]],
    [`/messages/${subscribe.id}`, [AGENT]],
  ];
  const page = await w.page();
  for (const [path, texts] of pages) {
    await page.goto(`${w.base}${path}`);
    const text = (await page.textContent("main"))!;
    for (const t of texts) expect(text).toContain(t);
    expect(await xssRan(page)).toBe(false);
    expect(await injected(page)).toBe(0);
  }
  // The search box gives the query back as its value, not as markup.
  await page.goto(`${w.base}/messages?q=${encodeURIComponent(ATTR)}`);
  expect(await page.inputValue('input[name="q"]')).toBe(ATTR);
  // The exact raw line (newline escapes included) is shown on the detail page.
  await page.goto(`${w.base}/messages/${show.id}`);
  expect(await page.textContent("#raw")).toBe(show.raw!);
  await page.goto(`${w.base}/sessions/${session.id}`);
  await screenshot(page, "ui-session-hostile.png");
  expect(await xssRan(page)).toBe(false);
  await page.context().close();
}, 30_000);
