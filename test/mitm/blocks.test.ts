import { describe, expect, test } from "bun:test";
import { BlockBoard } from "../../src/mitm/blocks";
import type { JobReport } from "../../src/nostr/job-report";

/** Block propagation: first source per block, delays on HashScope's clock, agent clock offsets, bounds. */

const T0 = Date.parse("2026-12-02T00:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();
const PREV_A = "aa".repeat(32);
const PREV_B = "bb".repeat(32);
const job = (prevhash: string, jobId: string, atMs: number, extra: Partial<JobReport> = {}): JobReport => ({
  job_id: jobId,
  prevhash,
  height: 900_001,
  clean_jobs: true,
  merkle_branches: 3,
  coinbase_value_sat: 312_600_000,
  coinbase_outputs: 2,
  empty: false,
  first_on_connection: false,
  received_at: iso(atMs),
  ...extra,
});

describe("block board", () => {
  test("lines up HashScope's own job and two agents' on HashScope's clock; first and ms-later per source", () => {
    const b = new BlockBoard();
    b.ownJob("pool-a:3333", job(PREV_A, "1", T0 + 100));
    // Agent ams runs 5 s behind HashScope: its report stamped T0+1000 (its clock) arrived at T0+6010 (ours).
    b.agentReport("ams-1", "ams", "pool-a:3333", iso(T0 + 1000), [job(PREV_A, "x1", T0 - 4_850)], T0 + 6_010);
    // Agent sin's clock is right; its job came 250 ms after ours, from another pool, as an empty template.
    b.agentReport("sin-1", "sin", "pool-b:3333", iso(T0 + 1000), [job(PREV_A, "y1", T0 + 350, { empty: true, merkle_branches: 0 })], T0 + 1_004);
    const [blk] = b.list();
    expect(blk!.prevhash).toBe(PREV_A);
    expect(blk!.height).toBe(900_001);
    expect(blk!.first).toEqual({ source: "hashscope", region: null, pool: "pool-a:3333", at: iso(T0 + 100) });
    expect(blk!.sightings.map((s) => [s.source, s.delay_ms, s.offset_ms])).toEqual([
      ["hashscope", 0, 0],
      ["ams-1", 60, 5_010], // T0-4850 + 5010 = T0+160
      ["sin-1", 254, 4], // T0+350 + 4
    ]);
    expect(blk!.sightings[2]).toMatchObject({ pool: "pool-b:3333", region: "sin", empty: true, merkle_branches: 0 });
    expect(b.clocks()).toEqual([
      { agent_id: "ams-1", offset_ms: 5_010, samples: 1 },
      { agent_id: "sin-1", offset_ms: 4, samples: 1 },
    ]);
  });

  test("the offset is the smallest sample (a slow delivery or a stored catch-up report never inflates it)", () => {
    const b = new BlockBoard();
    b.agentReport("a", null, "p:1", iso(T0), [], T0 + 900); // delivered late
    b.agentReport("a", null, "p:1", iso(T0 + 1000), [], T0 + 1_020);
    b.agentReport("a", null, "p:1", iso(T0 - 60_000), [], T0 + 2_000); // an old stored report
    expect(b.offsetMs("a")).toBe(20);
    expect(b.clocks()[0]!.samples).toBe(3);
  });

  test("jobs repeated in later reports count once; later jobs of the same block count, the earliest arrival stays", () => {
    const b = new BlockBoard();
    const j1 = job(PREV_A, "1", T0);
    const j2 = job(PREV_A, "2", T0 + 30_000, { clean_jobs: false });
    b.agentReport("a", "ams", "p:1", iso(T0 + 1), [j1], T0 + 2);
    b.agentReport("a", "ams", "p:1", iso(T0 + 30_001), [j1, j2], T0 + 30_002);
    b.agentReport("a", "ams", "p:1", iso(T0 + 60_001), [j1, j2, job(PREV_B, "3", T0 + 60_000)], T0 + 60_002);
    const blocks = b.list();
    expect(blocks.map((x) => x.prevhash)).toEqual([PREV_B, PREV_A]); // newest first
    expect(blocks[1]!.sightings).toHaveLength(1);
    expect(blocks[1]!.sightings[0]).toMatchObject({ job_id: "1", jobs: 2, clean_jobs: true });
    expect(b.counters).toEqual({ jobs: 3, blocks: 2, evicted: 0, sources_refused: 0 });
  });

  test("a source that connected while the block was current is 'joined': no delay, never first", () => {
    const b = new BlockBoard();
    b.agentReport("late", null, "p:1", iso(T0), [job(PREV_A, "1", T0 - 5_000, { first_on_connection: true })], T0);
    b.ownJob("p:1", job(PREV_A, "2", T0 - 1_000));
    b.agentReport("late", null, "p:1", iso(T0 + 1), [job(PREV_A, "3", T0 - 500)], T0 + 1);
    const [blk] = b.list();
    expect(blk!.first?.source).toBe("hashscope");
    expect(blk!.sightings.map((s) => [s.source, s.joined, s.delay_ms, s.jobs])).toEqual([
      ["late", true, null, 2],
      ["hashscope", false, 0, 1],
    ]);
  });

  test("pools side by side: blocks delivered, first, median delay, empty templates, newest coinbase and fees", () => {
    const b = new BlockBoard();
    // Block A: pool-a first (HashScope), pool-b 300 ms later with an empty template.
    b.ownJob("pool-a:1", job(PREV_A, "1", T0));
    b.agentReport("x", "sin", "pool-b:1", iso(T0), [job(PREV_A, "9", T0 + 300, { empty: true, merkle_branches: 0, coinbase_value_sat: 312_500_000 })], T0);
    // Block B: pool-b first this time, pool-a 100 ms later.
    b.agentReport("x", "sin", "pool-b:1", iso(T0 + 600_000), [job(PREV_B, "10", T0 + 600_000, { height: 900_002 })], T0 + 600_000);
    b.ownJob("pool-a:1", job(PREV_B, "2", T0 + 600_100, { height: 900_002, coinbase_value_sat: 312_512_345 }));
    const pools = b.pools();
    expect(pools.map((p) => [p.pool, p.sources, p.blocks, p.first, p.delay_ms_p50, p.empty_templates])).toEqual([
      ["pool-a:1", ["hashscope"], 2, 1, 0, 0],
      ["pool-b:1", ["x"], 2, 1, 0, 1],
    ]);
    expect(pools[0]!.last).toEqual({ height: 900_002, coinbase_value_sat: 312_512_345, fees_sat: 12_345, coinbase_outputs: 2, merkle_branches: 3 });
    const [newest] = b.list();
    expect(newest!.sightings.map((s) => [s.source, s.delay_ms, s.fees_sat])).toEqual([
      ["x", 0, 312_600_000 - 312_500_000],
      ["hashscope", 100, 12_345],
    ]);
  });

  test("bounded against forged agent ids: sources per block and agents' clocks", () => {
    const b = new BlockBoard({ maxSources: 3, maxAgents: 4 });
    for (let i = 0; i < 6; i++) b.agentReport(`forged-${i}`, null, "p:1", iso(T0), [job(PREV_A, String(i), T0 + i)], T0 + 10);
    expect(b.list()[0]!.sightings).toHaveLength(3);
    expect(b.counters.sources_refused).toBe(3);
    expect(b.clocks().map((c) => c.agent_id)).toEqual(["forged-2", "forged-3", "forged-4", "forged-5"]);
  });

  test("bounded: past maxBlocks the oldest block is forgotten and counted", () => {
    const b = new BlockBoard({ maxBlocks: 3 });
    for (let i = 0; i < 5; i++) b.ownJob("p:1", job(i.toString(16).padStart(2, "0").repeat(32), String(i), T0 + i * 1000));
    expect(b.list().map((x) => x.prevhash.slice(0, 2))).toEqual(["04", "03", "02"]);
    expect(b.counters).toMatchObject({ blocks: 5, evicted: 2 });
  });
});
