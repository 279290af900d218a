import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { startUiWorld, type UiWorld } from "./fixture";
import { watchErrors } from "../helpers/browser";

/**
 * Eight HashScope tabs in one browser (browsers allow six HTTP/1.1 connections per host): every tab loads, goes live
 * and gets new rows, because all tabs share one stream through a SharedWorker.
 */

let w: UiWorld;
beforeAll(async () => {
  w = await startUiWorld();
});
afterAll(async () => {
  await w.stop();
});

test("eight tabs: all load, all live, all get new rows", async () => {
  const ctx = await w.browser.newContext({ viewport: { width: 1000, height: 700 } });
  const paths = ["/messages", "/", "/sessions", "/messages?direction=miner_to_pool", "/messages?method=mining.submit", "/", "/messages", "/sessions"];
  const pages: Page[] = [];
  const errors: string[][] = [];
  for (const p of paths) {
    const page = await ctx.newPage();
    page.setDefaultTimeout(10_000);
    errors.push(watchErrors(page));
    await page.goto(`${w.base}${p}`);
    await page.waitForSelector('#indicator[data-state="live"]');
    pages.push(page);
  }
  w.miner({ worker: "tabs.rig1", maxShares: 40 });
  // Every message-stream tab gets live rows; every overview/sessions tab shows the new live session.
  for (const [i, page] of pages.entries()) {
    if (paths[i]!.startsWith("/messages")) await page.waitForFunction(() => document.querySelectorAll("#rows tr").length > 0, undefined, { timeout: 20_000 });
    else await page.waitForFunction(() => document.body.textContent!.includes("tabs.rig1"), undefined, { timeout: 20_000 });
  }
  // The overview's figures and charts are replaced live (server-rendered SVG): the first valid share shows up there.
  const overview = pages[1]!;
  await overview.waitForFunction(() => /valid \d/.test(document.querySelector("#total-analysis")?.textContent ?? ""), undefined, { timeout: 20_000 });
  expect(await overview.locator("#total-analysis svg.chart").count()).toBe(3);
  expect(errors.flat()).toEqual([]);
  await ctx.close();
}, 90_000);
