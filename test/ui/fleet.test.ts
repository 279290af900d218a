import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Socket, TCPSocketListener } from "bun";
import type { Browser, Page } from "playwright-core";
import { startAgent, type AgentHandle } from "../../agent/agent";
import { loadAgentConfig } from "../../agent/config";
import { loadKeys } from "../../src/nostr/keys";
import { startRelay, type RelayHandle } from "../../src/relay/server";
import type { HashScope } from "../../src/server";
import { startSimMiner, type SimMiner } from "../../src/sim/miner";
import { startSimPool, type SimPool } from "../../src/sim/pool";
import { launchBrowser, screenshot, watchErrors } from "../helpers/browser";
import { startTestHashScope } from "../helpers/hashscope";
import { until } from "../helpers/net";
import { UI_DIFFICULTY } from "./fixture";

/**
 * The fleet page with the real Nostr side: HashScope (Nostr on) + in-process relay + two in-process agents + sim pool
 * + sim miner. Broadcast is switched on by clicking the session page's toggle; the agents' counts then rise live.
 * One agent has a hostile id and region, the other talks to a pool whose reject message is hostile.
 */

const RUN = "ui-fleet-test";
const HOSTILE_ID = "<script>window.__xss=1</script>";
const HOSTILE_REGION = `<img src=x onerror="window.__xss=1">`;
const HOSTILE_REJECT = `<img src=x onerror="window.__xss=2">nope`;

/** A pool that lets anyone in and rejects every share with a hostile message. */
function startHostilePool(): TCPSocketListener<{ buf: string }> {
  const answer = (s: Socket<{ buf: string }>, id: unknown, result: unknown, error: unknown = null) =>
    s.write(`${JSON.stringify({ id, result, error })}\n`);
  return Bun.listen<{ buf: string }>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(s) {
        s.data = { buf: "" };
      },
      data(s, chunk) {
        s.data.buf += chunk.toString();
        let nl: number;
        while ((nl = s.data.buf.indexOf("\n")) >= 0) {
          const line = s.data.buf.slice(0, nl);
          s.data.buf = s.data.buf.slice(nl + 1);
          const m = JSON.parse(line) as { id: unknown; method: string };
          if (m.method === "mining.subscribe") answer(s, m.id, [[["mining.notify", "1"]], "0000beef", 4]);
          else if (m.method === "mining.authorize") answer(s, m.id, true);
          else if (m.method === "mining.submit") answer(s, m.id, null, [23, HOSTILE_REJECT, null]);
          else answer(s, m.id, null, [20, "unsupported", null]);
        }
      },
    },
  });
}

let pool: SimPool;
let hostile: TCPSocketListener<{ buf: string }>;
let relay: RelayHandle;
let hs: HashScope;
let agents: AgentHandle[] = [];
let miner: SimMiner;
let browser: Browser;
let base: string;

const agentEnv = (poolPort: number, id: string, region: string) =>
  loadAgentConfig({
    POOL_HOST: `127.0.0.1:${poolPort}`,
    RUN_ID: RUN,
    NOSTR_RELAY_URL: relay.url,
    NOSTR_MITM_PUBKEY: hs.nostr!.keys.pk,
    AGENT_ID: id,
    AGENT_REGION: region,
    TELEMETRY_INTERVAL_SEC: "0.5",
    SUBMIT_TIMEOUT_MS: "3000",
  });
const agentOpts = { poolInitialBackoffMs: 100, relayInitialBackoffMs: 100 };

beforeAll(async () => {
  pool = await startSimPool({ difficulty: UI_DIFFICULTY, jobIntervalMs: 0 });
  hostile = startHostilePool();
  relay = startRelay({ hostname: "127.0.0.1", port: 0 });
  hs = await startTestHashScope(pool.port, { NOSTR_ENABLED: "true", NOSTR_RELAY_URL: relay.url, RUN_ID: RUN, TELEMETRY_INTERVAL_SEC: "1" });
  base = `http://127.0.0.1:${hs.apiPort}`;
  // AGENT_ID is checked at the agent's own start; a forged or foreign agent can still send any id: show it as text.
  agents = [
    startAgent({ ...agentEnv(pool.port, "x", HOSTILE_REGION), agentId: HOSTILE_ID }, loadKeys(undefined), agentOpts),
    startAgent(agentEnv(hostile.port, "agent-b", "lab-b"), loadKeys(undefined), agentOpts),
  ];
  await until(() => agents.every((a) => a.pool.isReady) && (hs.fleet?.counts().online ?? 0) === 2, 8000, "two agents online");
  miner = startSimMiner({ host: "127.0.0.1", port: hs.proxyPort, worker: "fleet.rig1", maxHashesPerSecond: 8_000, batchSize: 1024, maxSeconds: 40 });
  miner.ready.catch(() => {});
  browser = await launchBrowser();
}, 30_000);

afterAll(async () => {
  await miner?.stop();
  await browser?.close().catch(() => {});
  await Promise.allSettled(agents.map((a) => a.stop(300)));
  await hs?.stop();
  await relay?.stop();
  hostile?.stop(true);
  await pool?.stop();
}, 20_000);

const xssRan = (page: Page) => page.evaluate(() => "__xss" in window);
const injected = (page: Page) => page.evaluate(() => document.querySelectorAll("main script, main img, [onerror]").length);
/** The number in a card's counter (`received`, `attempted`, ...); the card is found by the agent's visible name. */
const counter = (page: Page, agentId: string, key: string) =>
  page.evaluate(
    ([id, k]) => {
      const card = [...document.querySelectorAll<HTMLElement>("article.agent")].find((c) => c.dataset.agent === id);
      return Number(card?.querySelector(`dd[data-k="${k}"]`)?.textContent?.replace(/,/g, "") ?? "-1");
    },
    [agentId, key] as const,
  );

test("broadcast toggled on the session page; fleet counts rise live; hostile names and reasons are text", async () => {
  const fleet = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  fleet.setDefaultTimeout(10_000);
  const errors = watchErrors(fleet);
  await fleet.goto(`${base}/agents`);
  await fleet.waitForSelector('#indicator[data-state="live"]');
  expect(await fleet.locator("article.agent").count()).toBe(2);
  expect(await counter(fleet, "agent-b", "received")).toBe(0);

  await until(() => hs.store.listSessions("live").some((s) => s.workers.includes("fleet.rig1")), 10_000, "miner session");
  const session = hs.store.listSessions("live").find((s) => s.workers.includes("fleet.rig1"))!;
  const sp = await fleet.context().newPage();
  await sp.goto(`${base}/sessions/${session.id}`);
  expect(await sp.textContent("#broadcast-state")).toBe("off");
  await sp.fill('input[name="repeat_count"]', "2");
  await sp.click("#broadcast-on");
  await sp.waitForSelector('#broadcast-state:text-is("on")');
  expect(await sp.textContent("#controls-notice")).toContain("repeat 2×");
  expect(hs.store.getSession(session.id)!.broadcast).toEqual({ enabled: true, repeat_count: 2 });
  await screenshot(sp, "ui-session-controls.png");
  await sp.close();

  // Counts arrive on the still-open fleet page over SSE (no reload) and keep going up.
  await fleet.waitForFunction(() => Number(document.querySelector('article[data-agent="agent-b"] dd[data-k="attempted"]')?.textContent) > 0, null, { timeout: 15_000 });
  // The two agents report on their own clocks: wait for the hostile-named one's card too.
  await fleet.waitForFunction(
    (id) => [...document.querySelectorAll<HTMLElement>("article.agent")].some((c) => c.dataset.agent === id && Number(c.querySelector('dd[data-k="received"]')?.textContent?.replace(/,/g, "")) > 0),
    HOSTILE_ID,
    { timeout: 15_000 },
  );
  const first = await counter(fleet, HOSTILE_ID, "received");
  expect(first).toBeGreaterThan(0);
  await until(() => agents[0]!.stats.received > first + 2, 10_000, "more shares");
  await fleet.waitForFunction(
    ([id, n]) => [...document.querySelectorAll<HTMLElement>("article.agent")].some((c) => c.dataset.agent === id && Number(c.querySelector('dd[data-k="received"]')?.textContent?.replace(/,/g, "")) > n),
    [HOSTILE_ID, first] as const,
    { timeout: 10_000 },
  );
  expect(await counter(fleet, HOSTILE_ID, "attempted")).toBeGreaterThan(0);
  // repeat_count 2: agent-b (everything rejected) attempts twice per share event.
  await fleet.waitForFunction(() => document.querySelector('article[data-agent="agent-b"]')?.textContent?.includes("nope"));
  const text = (await fleet.textContent("main"))!;
  expect(text).toContain(HOSTILE_ID);
  expect(text).toContain(HOSTILE_REGION);
  expect(text).toContain(`23 ${HOSTILE_REJECT}`);
  expect(await fleet.textContent("#fleet-summary")).toContain("2 of 2 agents online");
  expect(await xssRan(fleet)).toBe(false);
  expect(await injected(fleet)).toBe(0);
  await screenshot(fleet, "ui-fleet.png");
  expect(errors).toEqual([]);

  // Without JavaScript the same page is complete, server-rendered.
  const off = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
  await off.goto(`${base}/agents`);
  expect(await off.locator("article.agent").count()).toBe(2);
  expect(await off.textContent("main")).toContain(HOSTILE_ID);
  expect(await injected(off)).toBe(0);
  await off.context().close();

  // An agent that stops reporting turns offline on the open page (the registry's sweep publishes it).
  await agents[1]!.stop(300);
  await fleet.waitForSelector('article[data-agent="agent-b"] .st.bad:text-is("offline")', { timeout: 8000 });
  await fleet.context().close();
}, 30_000);

test("a new agent's card takes its place in id order; \"last seen\" keeps ageing between reports", async () => {
  const page = await (await browser.newContext()).newPage();
  page.setDefaultTimeout(10_000);
  const errors = watchErrors(page);
  await page.goto(`${base}/agents`);
  await page.waitForSelector('#indicator[data-state="live"]');
  const order = () => page.$$eval("article.agent", (cards) => cards.map((c) => (c as HTMLElement).dataset.agent));
  expect(await order()).toEqual(hs.fleet!.list().map((a) => a.agent_id));

  // An id that sorts between the two present ones: its card must not just go at the end.
  agents.push(startAgent(agentEnv(pool.port, "agent-a", "lab-a"), loadKeys(undefined), agentOpts));
  await page.waitForSelector('article[data-agent="agent-a"]');
  expect(await order()).toEqual([HOSTILE_ID, "agent-a", "agent-b"]);
  expect(hs.fleet!.list().map((a) => a.agent_id)).toEqual([HOSTILE_ID, "agent-a", "agent-b"]);

  // agent-b was stopped by the test above: no report re-renders its card, yet its age moves on.
  const ageText = () => page.textContent('article[data-agent="agent-b"] [data-age]');
  const shown = await ageText();
  expect(shown).toMatch(/^\d+ (s|min) ago$/);
  await page.waitForFunction(
    (t) => document.querySelector('article[data-agent="agent-b"] [data-age]')?.textContent !== t,
    shown,
    { timeout: 5000 },
  );
  expect(errors).toEqual([]);
  await page.context().close();
}, 20_000);

test("block propagation fills in live: a new block on the pool shows as a row and in the chart; hostile agent ids stay text", async () => {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.setDefaultTimeout(10_000);
  const errors = watchErrors(page);
  await page.goto(`${base}/agents`);
  await page.waitForSelector('#indicator[data-state="live"]');
  const height = pool.newJob(true).height;
  const label = height.toLocaleString("en-US");
  // HashScope's miner and the agents on the sim pool get the new block; their reports re-send the section.
  await page.waitForFunction(
    (h) => [...document.querySelectorAll("#fleet-blocks table.blocks tbody tr")].some((tr) => tr.querySelector("td")?.textContent === h && tr.querySelectorAll("td b").length >= 2),
    label,
    { timeout: 15_000 },
  );
  const row = page.locator("#fleet-blocks table.blocks tbody tr", { hasText: label }).first();
  expect(await row.locator("td b", { hasText: "first" }).count()).toBe(1);
  expect(await page.locator("#fleet-blocks svg.blocks-chart circle").count()).toBeGreaterThanOrEqual(2);
  expect(await page.textContent("#fleet-blocks thead")).toContain(HOSTILE_ID);
  // Latency per region, side by side: one row per agent, the sim pool's agents with connect/subscribe/authorize times.
  const latencyRow = page.locator("#fleet-latency tbody tr", { hasText: "agent-a" });
  await latencyRow.waitFor();
  expect(await latencyRow.locator("td").nth(3).textContent()).toMatch(/ms \/ .* \/ .* \(1\)$/);
  expect(await latencyRow.locator("td").nth(4).textContent()).toBe("—"); // no TLS to this pool
  expect(await page.locator("#fleet-latency tbody tr").count()).toBe(hs.fleet!.list().length);
  // Behaviour checks: agent-b's pool refused every replayed share with its (hostile) message, shown as text.
  const checksRow = page.locator("#fleet-checks tbody tr", { hasText: "agent-b" });
  expect(await checksRow.locator("td").nth(3).textContent()).toContain(`23 ${HOSTILE_REJECT}`);
  expect(await checksRow.locator("td .st.ok").first().textContent()).toMatch(/^refused \d+$/);
  expect(await page.textContent("#fleet-checks dl")).toContain("a refusal is the right answer");
  expect(await xssRan(page)).toBe(false);
  expect(await injected(page)).toBe(0);
  // The section is replaced whenever the block board changes (live): scroll whatever element is there now.
  await page.evaluate(() => document.querySelector("#fleet-blocks")?.scrollIntoView());
  await screenshot(page, "ui-fleet-blocks.png");
  expect(errors).toEqual([]);
  await page.context().close();
}, 25_000);

test("Replay on a submit's detail page shows the pool's answer and links to the captured pair", async () => {
  const submit = hs.store.query({ method: "mining.submit", kind: "request", direction: "miner_to_pool" }, 1)[0]!;
  const page = await (await browser.newContext()).newPage();
  page.setDefaultTimeout(10_000);
  await page.goto(`${base}/messages/${submit.id}`);
  expect(await page.inputValue('input[name="nonce"]')).toBe((submit.json as { params: string[] }).params[4]!);
  await page.fill('input[name="nonce"]', "00000000");
  await page.click("#replay");
  await page.waitForSelector("#replay-result .notice");
  const result = (await page.textContent("#replay-result"))!;
  expect(result).toMatch(/Pool answered (accepted|rejected)/);
  const links = await page.$$eval("#replay-result a", (as) => as.map((a) => a.getAttribute("href")));
  expect(links.length).toBe(2);
  await page.locator("#replay-result").scrollIntoViewIfNeeded();
  await screenshot(page, "ui-replay.png");
  await page.click("#replay-result a >> nth=1");
  await page.waitForURL(/\/messages\/\d+$/);
  expect(await page.textContent("h1")).toContain("mining.submit");
  await page.context().close();
}, 20_000);

test("with Nostr off, the broadcast form answers 409 with the reason (plain post and htmx); the auto-replay form works", async () => {
  const plain = await startTestHashScope(pool.port);
  const m = startSimMiner({ host: "127.0.0.1", port: plain.proxyPort, worker: "solo.rig", maxHashesPerSecond: 2_000, maxSeconds: 10 });
  m.ready.catch(() => {});
  try {
    await until(() => plain.store.listSessions("live").length === 1, 5000, "session");
    const id = plain.store.listSessions("live")[0]!.id;
    const url = `http://127.0.0.1:${plain.apiPort}/sessions/${id}/broadcast`;
    const form = { "content-type": "application/x-www-form-urlencoded" };
    const r = await fetch(url, { method: "POST", headers: form, body: "enabled=true&repeat_count=3", redirect: "manual" });
    expect(r.status).toBe(409);
    const page = await r.text();
    expect(page).toContain("<h1>Session");
    expect(page).toContain("Nostr is disabled");
    const h = await fetch(url, { method: "POST", headers: { ...form, "hx-request": "true" }, body: "enabled=true&repeat_count=3" });
    expect(h.status).toBe(409);
    expect(await h.text()).toMatch(/^<div id="session-controls"><p class="notice bad"[^>]*>Nostr is disabled/);
    expect(plain.store.getSession(id)!.broadcast.enabled).toBe(false);
    // Turning it off is always allowed; without JavaScript the answer is a redirect back to the session.
    const offR = await fetch(url, { method: "POST", headers: form, body: "enabled=false", redirect: "manual" });
    expect(offR.status).toBe(303);
    expect(offR.headers.get("location")).toBe(`/sessions/${id}`);
    // The auto-replay form: same answers (fragment with htmx, redirect without, 422 for a bad count).
    const arUrl = `http://127.0.0.1:${plain.apiPort}/sessions/${id}/auto-replay`;
    const on = await fetch(arUrl, { method: "POST", headers: { ...form, "hx-request": "true" }, body: "enabled=true&count=2" });
    expect(on.status).toBe(200);
    expect(await on.text()).toContain("Auto-replay on (2× per submit).");
    expect(plain.autoReplay!.get(id)).toEqual({ enabled: true, count: 2 });
    const badCount = await fetch(arUrl, { method: "POST", headers: { ...form, "hx-request": "true" }, body: "enabled=true&count=500" });
    expect(badCount.status).toBe(422);
    expect(await badCount.text()).toContain("count must be a whole number from 1 to 100");
    const arOff = await fetch(arUrl, { method: "POST", headers: form, body: "enabled=false", redirect: "manual" });
    expect(arOff.status).toBe(303);
    expect(plain.autoReplay!.get(id).enabled).toBe(false);
  } finally {
    await m.stop();
    await plain.stop();
  }
}, 15_000);
