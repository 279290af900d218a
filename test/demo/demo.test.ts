import { afterAll, expect, test } from "bun:test";
import type { BlockView, PoolView } from "../../src/mitm/blocks";
import { until } from "../helpers/net";
import { spawnScript, type ChildProcess } from "../helpers/procs";

/**
 * `bun run demo` as a child process: two simulated pools on one simulated chain, two agents "in two regions" through
 * delaying links (ams → pool A, sin → pool B), HashScope's miners on pool A. The block-propagation table fills in.
 */

let demo: ChildProcess | null = null;
afterAll(async () => {
  await demo?.stop(5000);
});

test("the demo's block table lines up HashScope's miners and both agents on the same blocks, across two pools", async () => {
  demo = spawnScript("demo", ["src/demo/main.ts"], { DEMO_API_PORT: "0", DEMO_BLOCK_MS: "1500" });
  let api = 0;
  await until(() => {
    const m = /Open http:\/\/127\.0\.0\.1:(\d+)\//.exec(demo!.output());
    if (m) api = Number(m[1]);
    return api > 0;
  }, 15_000, "the demo's start lines");
  const pools = /simulated pools {2}A stratum\+tcp:\/\/127\.0\.0\.1:(\d+) · B stratum\+tcp:\/\/127\.0\.0\.1:(\d+)/.exec(demo.output());
  expect(pools).not.toBeNull();

  const full = (b: BlockView) => b.sightings.filter((s) => !s.joined).length === 3;
  let blocks: BlockView[] = [];
  const end = performance.now() + 25_000;
  while (!blocks.some(full) && performance.now() < end) {
    await Bun.sleep(300);
    blocks = ((await (await fetch(`http://127.0.0.1:${api}/api/fleet/blocks`)).json()) as { blocks: BlockView[] }).blocks;
  }
  const blk = blocks.find(full);
  expect(blk).toBeDefined();
  expect(blk!.sightings.map((s) => s.source).sort()).toEqual(["agent-ams", "agent-sin", "hashscope"]);
  const by = Object.fromEntries(blk!.sightings.map((s) => [s.source, s]));
  // HashScope's miners are on pool A; the agents reach theirs through their links, sin's on the other pool.
  expect(by.hashscope!.pool).toBe(`127.0.0.1:${pools![1]}`);
  expect(by["agent-ams"]!.region).toBe("ams");
  expect(by["agent-sin"]!.region).toBe("sin");
  expect(new Set(blk!.sightings.map((s) => s.pool)).size).toBe(3);
  // One chain: the same height from both pools' coinbases.
  for (const s of blk!.sightings) expect(s.height).toBe(blk!.height);
  expect(blk!.height).toBeGreaterThan(900_000);

  // The fleet page shows the table.
  const page = await (await fetch(`http://127.0.0.1:${api}/agents`)).text();
  expect(page).toContain('id="fleet-blocks"');
  expect(page).toContain('id="fleet-pools"');
  // Pools side by side: pool A (HashScope's miners) and each agent's target, each with blocks delivered.
  const poolViews = ((await (await fetch(`http://127.0.0.1:${api}/api/fleet/blocks`)).json()) as { pools: PoolView[] }).pools;
  expect(poolViews.map((p) => p.pool).sort()).toEqual([...new Set(blk!.sightings.map((s) => s.pool))].sort());
  for (const p of poolViews) expect(p.blocks).toBeGreaterThan(0);
  // The simulated templates pay fees: a coinbase above the subsidy.
  for (const p of poolViews) expect(p.last?.fees_sat ?? -1).toBeGreaterThanOrEqual(0);
  expect(page).toContain(blk!.height!.toLocaleString("en-US"));
  expect(await demo.stop(5000)).toBe(0);
}, 60_000);
