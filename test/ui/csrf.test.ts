import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Page, Request as PwRequest } from "playwright-core";
import { until } from "../helpers/net";
import { chromium } from "playwright-core";
import { CHROMIUM_ARGS, CHROMIUM_PATH, watchErrors } from "../helpers/browser";
import { startUiWorld, type UiWorld } from "./fixture";

/**
 * A page on another origin, opened by the operator in the same browser, tries to change things: auto-submitted
 * forms (the classic CSRF), a no-cors fetch, and a frame of the session page (clickjacking). Nothing may change,
 * with and without a token, from another site and from the same host on another port.
 */

const TOKEN = "csrf-browser-token-123456";

/** The attacker's site: one page per attempt (a top-level form post shows its answer; a framed one is blocked). */
function attackerSite(target: string, sessionId: string, messageId: string): Record<string, string> {
  const s = encodeURIComponent(sessionId);
  const page = (body: string) => `<!doctype html><html><body>${body}</body></html>`;
  const form = (action: string, fields: Record<string, string>) =>
    page(`<form id="f" method="post" action="${target}${action}">${Object.entries(fields)
      .map(([k, v]) => `<input name="${k}" value="${v}">`)
      .join("")}</form><script>document.getElementById("f").submit()</script>`);
  return {
    "/auto-replay": form(`/sessions/${s}/auto-replay`, { enabled: "true", count: "100" }),
    "/broadcast": form(`/api/sessions/${s}/broadcast`, { enabled: "true", repeat_count: "100" }),
    "/disconnect": form(`/sessions/${s}/disconnect`, {}),
    "/replay": form(`/messages/${messageId}/replay`, {}),
    "/fetch": page(`<script>
      fetch("${target}/api/sessions/${s}/disconnect", { method: "POST", mode: "no-cors", credentials: "include" });
      fetch("${target}/api/sessions/${s}/auto-replay", { method: "POST", mode: "no-cors", credentials: "include",
        headers: { "content-type": "text/plain" }, body: '{"enabled":true,"count":100}' });</script>`),
    "/frame": page(`<iframe id="framed" src="${target}/sessions/${s}"></iframe>`),
  };
}

const FORMS = ["/auto-replay", "/broadcast", "/disconnect", "/replay"];

/** Every attempt from `origin`; returns the statuses HashScope gave the four form posts. */
async function attack(w: UiWorld, page: Page, origin: string): Promise<number[]> {
  const ours = (r: PwRequest) => r.url().startsWith(w.base) && r.method() === "POST";
  const statuses: number[] = [];
  for (const path of FORMS) {
    const answer = page.waitForResponse((r) => ours(r.request()));
    await page.goto(`${origin}${path}`);
    statuses.push((await answer).status());
  }
  // no-cors fetches: the page may not read the answer (CORP same-origin), so count that they were sent and ended.
  let ended = 0;
  const count = (r: PwRequest) => void (ours(r) && ended++);
  page.on("requestfinished", count);
  page.on("requestfailed", count);
  await page.goto(`${origin}/fetch`);
  await until(() => ended >= 2, 10_000, "the two fetches");
  await page.goto(`${origin}/frame`);
  return statuses;
}

function expectUnchanged(w: UiWorld): void {
  const s = w.hs.store.listSessions("live");
  expect(s.length).toBe(1); // not disconnected
  expect(s[0]!.broadcast.enabled).toBe(false);
  expect(w.hs.autoReplay!.get(s[0]!.id).enabled).toBe(false);
}

for (const mode of ["open (loopback, no token)", "with a token, signed in"] as const) {
  describe(mode, () => {
    let w: UiWorld;
    let evil: ReturnType<typeof Bun.serve>;
    beforeAll(async () => {
      w = await startUiWorld(mode.startsWith("with") ? { API_TOKEN: TOKEN } : {});
      w.miner({ worker: "victim.rig" });
      await until(() => w.hs.store.listSessions("live").length === 1 && w.hs.store.query({ method: "mining.submit" }, 1).length > 0, 10_000, "live session");
      const s = w.hs.store.listSessions("live")[0]!;
      const m = w.hs.store.query({ session_id: s.id, method: "mining.submit" }, 1)[0]!;
      const site = attackerSite(w.base, s.id, m.id);
      evil = Bun.serve({
        hostname: "127.0.0.1",
        port: 0,
        fetch: (r) => new Response(site[new URL(r.url).pathname] ?? "", { headers: { "content-type": "text/html" } }),
      });
    }, 40_000);
    afterAll(async () => {
      evil?.stop(true);
      await w?.stop();
    }, 20_000);

    const signedIn = async (): Promise<Page> => {
      const page = await w.page();
      if (mode.startsWith("with")) {
        await page.goto(`${w.base}/login?token=${TOKEN}`);
        expect(new URL(page.url()).pathname).toBe("/");
      } else await page.goto(`${w.base}/`); // the session cookie (CSRF only) is handed out here
      expect((await page.context().cookies()).map((c) => c.name)).toContain("hashscope_session");
      return page;
    };

    for (const [label, origin] of [
      ["another site (localhost vs 127.0.0.1)", () => `http://localhost:${evil.port}`],
      ["the same host on another port", () => `http://127.0.0.1:${evil.port}`],
    ] as const)
      test(`a page on ${label} can change nothing and cannot frame the session page`, async () => {
        const page = await signedIn();
        const statuses = await attack(w, page, origin());
        expect(statuses).toEqual([403, 403, 403, 403]);
        expectUnchanged(w);
        // The framed session page is refused (frame-ancestors 'none'): no Disconnect button inside it.
        const frames = page.frames().filter((f) => f !== page.mainFrame());
        expect(frames.length).toBe(1);
        expect(await frames[0]!.$("#disconnect").catch(() => null)).toBeNull();
        await page.context().close();
      }, 30_000);

    test("our own pages still work under the CSP: the forms carry the CSRF token, Alpine runs, no console errors", async () => {
      const page = await signedIn();
      const errors = watchErrors(page);
      const id = w.hs.store.listSessions("live")[0]!.id;
      await page.goto(`${w.base}/sessions/${encodeURIComponent(id)}`);
      expect(await page.$$eval('form[method="post"]', (fs) => fs.every((f) => (f.querySelector('input[name="_csrf"]') as HTMLInputElement | null)?.value.length === 43))).toBe(true);
      await page.fill('input[name="count"]', "2");
      await page.click("#auto-replay-on");
      await page.waitForSelector("#auto-replay-off");
      expect(w.hs.autoReplay!.get(id)).toEqual({ enabled: true, count: 2 });
      await page.click("#auto-replay-off");
      await page.waitForSelector("#auto-replay-on");
      expect(w.hs.autoReplay!.get(id).enabled).toBe(false);
      // An hx-post outside any form (no hidden field) carries the token from the page's meta tag.
      await page.evaluate((sid) => {
        const b = document.createElement("button");
        b.id = "probe";
        b.setAttribute("hx-post", `/sessions/${encodeURIComponent(sid)}/auto-replay`);
        b.setAttribute("hx-vals", '{"enabled":"true","count":"3"}');
        b.setAttribute("hx-target", "#session-controls");
        b.setAttribute("hx-swap", "outerHTML");
        document.body.append(b);
        (window as unknown as { htmx: { process(e: Element): void } }).htmx.process(b);
      }, id);
      await page.click("#probe");
      await page.waitForSelector("#auto-replay-off");
      expect(w.hs.autoReplay!.get(id)).toEqual({ enabled: true, count: 3 });
      await page.click("#auto-replay-off");
      await page.waitForSelector("#auto-replay-on");
      await page.goto(`${w.base}/messages`);
      await page.waitForFunction(() => document.getElementById("indicator")?.getAttribute("data-state") === "live");
      await page.click("#pause");
      expect(await page.textContent("#pause")).toBe("Resume"); // an Alpine expression, evaluated by the CSP build
      // Every page, live ones included, runs without a CSP violation or script error.
      const msg = w.hs.store.query({ method: "mining.submit" }, 1)[0]!;
      for (const p of ["/", "/sessions", "/agents", "/docs", `/messages/${msg.id}`, "/login"]) {
        await page.goto(`${w.base}${p}`);
        await page.waitForLoadState("load");
      }
      await page.goto(`${w.base}/`);
      // The overview cards follow the stats events through the store method the CSP build can call.
      await page.waitForFunction(() => document.getElementById("indicator")?.getAttribute("data-state") === "live");
      expect(errors).toEqual([]);
      await page.context().close();
    }, 30_000);
  });
}

test("DNS rebinding: a name the attacker points at 127.0.0.1 reaches HashScope's port but gets 421, page and API", async () => {
  const w = await startUiWorld();
  // The resolver rule plays the attacker's DNS: rebind.test now resolves to loopback (no traffic leaves the machine).
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, "--host-resolver-rules=MAP rebind.test 127.0.0.1"], timeout: 30_000 });
  try {
    const page = await (await browser.newContext()).newPage();
    for (const p of ["/", "/api/sessions", "/api/export", "/api/stream"]) {
      const r = await page.goto(`http://rebind.test:${w.hs.apiPort}${p}`);
      expect(r?.status(), p).toBe(421);
      expect(await page.content(), p).not.toContain("session");
    }
    // The same page under an allowed name works (the rule changed nothing else).
    expect((await page.goto(`${w.base}/api/sessions`))?.status()).toBe(200);
  } finally {
    await browser.close();
    await w.stop();
  }
}, 40_000);
