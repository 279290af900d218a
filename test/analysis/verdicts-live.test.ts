import { afterAll, beforeAll, expect, test } from "bun:test";
import type { MessageRecord } from "../../src/capture/records";
import type { HashScope } from "../../src/server";
import { startSimPool, type SimPool } from "../../src/sim/pool";
import { startTestHashScope } from "../helpers/hashscope";
import { until } from "../helpers/net";
import { readSse } from "../helpers/sse";
import { DIFF, miner, nonce, submit } from "./helpers";

/**
 * Every verdict produced on purpose, through a real HashScope in front of the simulated pool, by a client that crafts
 * each kind of share. A "liar" worker gets dishonest answers from the pool (it rejects that worker's valid shares and
 * accepts its bad ones), so the disagreement check has something to find.
 */

let pool: SimPool;
let blockPool: SimPool;
let hs: HashScope;
let hsBlock: HashScope;
afterAll(async () => {
  await Promise.all([hs?.stop(), hsBlock?.stop()]);
  await Promise.all([pool?.stop(), blockPool?.stop()]);
});
beforeAll(async () => {
  const liar = (_ok: boolean, params: unknown) => Array.isArray(params) && params[0] === "liar";
  pool = await startSimPool({ difficulty: DIFF, lie: liar });
  // A network target so easy (regtest's nbits) that every share that meets the pool's difficulty solves a block.
  blockPool = await startSimPool({ difficulty: DIFF, nbits: "207fffff" });
  hs = await startTestHashScope(pool.port);
  hsBlock = await startTestHashScope(blockPool.port);
});

async function submits(hsx: HashScope, count: number): Promise<MessageRecord[]> {
  const url = `http://127.0.0.1:${hsx.apiPort}/api/messages?method=mining.submit&direction=miner_to_pool&limit=100`;
  let list: MessageRecord[] = [];
  // The verdict is on the submit at once; the pool's answer joins it when captured.
  for (let i = 0; i < 100; i++) {
    list = (await (await fetch(url)).json()) as MessageRecord[];
    if (list.length >= count && list.every((s) => s.analysis?.type === "submit" && s.analysis.pool_result !== null)) break;
    await Bun.sleep(50);
  }
  return list.reverse();
}

test("every verdict, each compared with the pool's answer; agrees=false finds exactly the lies", async () => {
  const m = await miner(hs.proxyPort);
  const job = m.jobs[0]!;
  const good = nonce(m, job, "00000001", true);
  const low = nonce(m, job, "00000002", false);
  const later = (parseInt(job.ntime, 16) + 8000).toString(16).padStart(8, "0");
  await submit(m, ["honest", job.job_id, "00000001", job.ntime, good]); // valid
  await submit(m, ["honest", job.job_id, "00000001", job.ntime, good]); // duplicate
  await submit(m, ["honest", job.job_id, "00000002", job.ntime, low]); // low_difficulty
  await submit(m, ["honest", "nope", "00000001", job.ntime, good]); // unknown_job
  await submit(m, ["honest", job.job_id, "0001", job.ntime, good]); // bad_extranonce2_size
  await submit(m, ["honest", job.job_id, "00000001", later, good]); // bad_ntime
  await submit(m, ["honest", job.job_id, "00000003", job.ntime, good, "e0000000"]); // bad_version_bits
  await submit(m, ["honest", job.job_id]); // malformed
  const good4 = nonce(m, job, "00000004", true);
  await submit(m, ["liar", job.job_id, "00000004", job.ntime, good4]); // valid, but the pool rejects it
  const low5 = nonce(m, job, "00000005", false);
  await submit(m, ["liar", job.job_id, "00000005", job.ntime, low5]); // low, but the pool accepts it
  pool.newJob(true);
  await until(() => m.jobs.length > 1, 5000, "the clean job");
  const good6 = nonce(m, job, "00000006", true);
  await submit(m, ["honest", job.job_id, "00000006", job.ntime, good6]); // stale

  const list = await submits(hs, 11);
  const seen = list.map((s) => (s.analysis?.type === "submit" ? [s.analysis.verdict, s.analysis.pool_result, s.analysis.agrees] : null));
  expect(seen).toEqual([
    ["valid", "accepted", true],
    ["duplicate", "rejected", true],
    ["low_difficulty", "rejected", true],
    ["unknown_job", "rejected", true],
    ["bad_extranonce2_size", "rejected", true],
    ["bad_ntime", "rejected", true],
    ["bad_version_bits", "rejected", true],
    ["malformed", "rejected", true],
    ["valid", "rejected", false],
    ["low_difficulty", "accepted", false],
    ["stale", "rejected", true],
  ]);
  const first = list[0]!.analysis!;
  expect(first.type === "submit" && first.hash).toMatch(/^[0-9a-f]{64}$/);
  // The pool computed the same hash for it (the sim logs its own check).
  expect(pool.outcomes.some((o) => o.accepted && first.type === "submit" && o.hashHex === first.hash)).toBe(true);

  const api = `http://127.0.0.1:${hs.apiPort}/api/messages`;
  const disagree = (await (await fetch(`${api}?agrees=false`)).json()) as MessageRecord[];
  // Each lie: the submit and the pool's answer to it.
  expect(disagree.map((d) => `${d.kind}:${d.analysis?.type === "submit" ? d.analysis.verdict : "-"}`).sort()).toEqual([
    "request:low_difficulty", "request:valid", "response:low_difficulty", "response:valid",
  ]);
  // The live stream takes the same filter (here resumed from the start, so it replays what matched).
  const ctl = new AbortController();
  const streamed = await readSse(
    await fetch(`http://127.0.0.1:${hs.apiPort}/api/stream?agrees=false`, { headers: { "last-event-id": "0" }, signal: ctl.signal }),
    4,
  );
  ctl.abort();
  expect(streamed.map((e) => e.data.id).sort()).toEqual(disagree.map((d) => d.id).sort());
  const stale = (await (await fetch(`${api}?verdict=stale`)).json()) as MessageRecord[];
  expect(stale.length).toBe(2);
  // A notify carries the decoded job: the sim's coinbase pays one P2WPKH output at the sim's height.
  const notify = ((await (await fetch(`${api}?method=mining.notify&limit=1`)).json()) as MessageRecord[])[0]!;
  expect(notify.analysis).toMatchObject({ type: "notify", new_block: true, coinbase: { tag: "/HashScope sim/", outputs: [{ type: "p2wpkh" }] } });

  // The session's figures and /metrics count the same.
  const session = (await (await fetch(`http://127.0.0.1:${hs.apiPort}/api/sessions/${list[0]!.session_id}`)).json()) as {
    analysis: { submits: number; by_verdict: Record<string, number>; by_pool_result: Record<string, number>; disagreements: number; clean_jobs: number; best_share_difficulty: number; hashrate_hs: { m1: number }; latency_by_method: Record<string, { count: number; p50_ms: number }> };
  };
  expect(session.analysis).toMatchObject({
    submits: 11,
    by_verdict: { valid: 2, duplicate: 1, low_difficulty: 2, unknown_job: 1, bad_extranonce2_size: 1, bad_ntime: 1, bad_version_bits: 1, malformed: 1, stale: 1 },
    by_pool_result: { accepted: 2, rejected: 9 },
    disagreements: 2,
    clean_jobs: 2,
  });
  expect(session.analysis.best_share_difficulty).toBeGreaterThanOrEqual(DIFF);
  expect(session.analysis.hashrate_hs.m1).toBeGreaterThan(0);
  expect(session.analysis.latency_by_method["mining.submit"]!.count).toBe(11);
  const metrics = await (await fetch(`http://127.0.0.1:${hs.apiPort}/metrics`)).text();
  expect(metrics).toContain("# HELP hashscope_pool_disagreements_total ");
  expect(metrics).toContain("# TYPE hashscope_pool_latency_seconds histogram");
  expect(metrics).toMatch(/^hashscope_pool_disagreements_total 2$/m);
  expect(metrics).toMatch(/^hashscope_share_verdicts_total\{verdict="stale"\} 1$/m);
  expect(metrics).toMatch(/^hashscope_pool_latency_seconds_count\{method="mining.submit"\} 11$/m);
  expect(metrics).toMatch(/^hashscope_worker_hashrate_hashes_per_second\{worker="honest",window="1m"\} \d/m);
  // Every sample line belongs to a family announced with HELP and TYPE.
  const families = new Set([...metrics.matchAll(/^# TYPE (\S+) /gm)].map((x) => x[1]));
  for (const line of metrics.split("\n").filter((l) => l && !l.startsWith("#")))
    expect(families.has(line.split(/[{ ]/)[0]!.replace(/_(bucket|sum|count)$/, ""))).toBe(true);
  m.client.close();
});

test("block_candidate: a share meeting the network target", async () => {
  const m = await miner(hsBlock.proxyPort);
  const job = m.jobs[0]!;
  await submit(m, ["honest", job.job_id, "00000001", job.ntime, nonce(m, job, "00000001", true)]);
  const [s] = await submits(hsBlock, 1);
  expect(s!.analysis).toMatchObject({ type: "submit", verdict: "block_candidate", pool_result: "accepted", agrees: true });
  const blocks = (await (await fetch(`http://127.0.0.1:${hsBlock.apiPort}/api/messages?share=block`)).json()) as MessageRecord[];
  expect(blocks.map((b) => b.id)).toEqual([s!.id]);
  m.client.close();
});
