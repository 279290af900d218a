import { afterAll, beforeAll, expect, test } from "bun:test";
import type { MessageRecord, SessionRecord } from "../../src/capture/records";
import type { SubmitAnalysis } from "../../src/analysis/schema";
import type { HashScope } from "../../src/server";
import { startSimMiner } from "../../src/sim/miner";
import { startSimPool, type SimPool } from "../../src/sim/pool";
import { startTestHashScope } from "../helpers/hashscope";
import { until } from "../helpers/net";

let pool: SimPool;
let hs: HashScope;

beforeAll(async () => {
  pool = await startSimPool({ jobIntervalMs: 500 });
  hs = await startTestHashScope(pool.port);
});
afterAll(async () => {
  await hs.stop();
  await pool.stop();
});

test("simulated miners through the proxy: every share reaches the pool and the capture agrees with the pool", async () => {
  const miners = [0, 1].map((i) =>
    startSimMiner({
      host: "127.0.0.1",
      port: hs.proxyPort,
      worker: `bc1qtest.rig${i}`,
      userAgent: "simminer/1.0",
      badShareRatio: 0.3,
      maxShares: 6,
      maxSeconds: 20,
    }),
  );
  await Promise.all(miners.map((m) => m.done));
  for (const m of miners) await m.stop();
  await until(() => hs.store.listSessions("closed").length === 2, 5000, "both sessions closed");
  // Capture decodes beside the relay, a moment after the bytes went through: wait until it has seen every answer.
  const submittedNow = miners.reduce((n, m) => n + m.stats.submitted, 0);
  await until(
    () => hs.store.listSessions("all").reduce((n, s) => n + s.counters.accepted + s.counters.rejected, 0) === submittedNow,
    5000,
    "capture to decode every answer",
  );

  const sessions = hs.store.listSessions("all");
  const submitted = miners.reduce((n, m) => n + m.stats.submitted, 0);
  const accepted = miners.reduce((n, m) => n + m.stats.accepted, 0);
  expect(submitted).toBeGreaterThanOrEqual(4);
  // The pool validated every share for real; the capture's counts must match the pool's answers exactly.
  expect(pool.stats.submits).toBe(submitted);
  expect(pool.stats.accepted).toBe(accepted);
  expect(sessions.reduce((n, s) => n + s.counters.submits, 0)).toBe(submitted);
  expect(sessions.reduce((n, s) => n + s.counters.accepted, 0)).toBe(pool.stats.accepted);
  expect(sessions.reduce((n, s) => n + s.counters.rejected, 0)).toBe(pool.stats.rejected);
  for (const s of sessions as SessionRecord[]) {
    expect(s.user_agent).toBe("simminer/1.0");
    expect(s.extranonce1).toMatch(/^[0-9a-f]{8}$/);
    expect(s.close_reason).toBe("miner_closed");
  }
  const base = `http://127.0.0.1:${hs.apiPort}`;
  const answers = (await (await fetch(`${base}/api/messages?method=mining.submit&kind=response&limit=1000`)).json()) as MessageRecord[];
  expect(answers.length).toBe(submitted);
  expect(answers.every((m) => m.reply_to !== null && m.latency_ms !== null && m.latency_ms >= 0)).toBe(true);
  expect(answers.filter((m) => m.decoded?.ok === true).length).toBe(accepted);

  // HashScope's own verdict agrees with the pool on every share, and its hashes are the pool's.
  const submits = (await (await fetch(`${base}/api/messages?method=mining.submit&kind=request&limit=1000`)).json()) as MessageRecord[];
  // A duplicate has the same hash as its original, so one hash can carry several verdicts.
  const ours = new Map<string, SubmitAnalysis[]>();
  for (const m of submits) {
    const a = m.analysis as SubmitAnalysis;
    expect(a.type).toBe("submit");
    expect(a.agrees).toBe(true);
    if (a.hash !== null) ours.set(a.hash, [...(ours.get(a.hash) ?? []), a]);
    else expect(["unknown_job", "stale"]).toContain(a.verdict); // the deliberately stale job ids
  }
  const hashed = pool.outcomes.filter((o) => o.hashHex !== null);
  expect(hashed.length).toBeGreaterThan(0);
  for (const o of hashed) {
    const list = ours.get(o.hashHex!)!;
    expect(list).toBeDefined();
    expect(list[0]!.difficulty!).toBeCloseTo(o.shareDifficulty!, 6);
    const verdicts = list.map((a) => a.verdict);
    if (o.accepted) expect(verdicts).toContain("valid");
    if (o.error?.[0] === 23) expect(verdicts).toContain("low_difficulty");
    if (o.error?.[0] === 22) expect(verdicts).toContain("duplicate");
  }
  // The share filter finds exactly the submits below their target: the ones the pool rejected as low difficulty.
  const low = (await (await fetch(`${base}/api/messages?share=low&limit=1000`)).json()) as MessageRecord[];
  expect(low.length).toBe(pool.stats.rejectedByCode["23"] ?? 0);
  expect(low.every((m) => m.method === "mining.submit" && m.analysis?.type === "submit" && m.analysis.verdict === "low_difficulty")).toBe(true);
  const disagree = (await (await fetch(`${base}/api/messages?agrees=false`)).json()) as MessageRecord[];
  expect(disagree).toEqual([]);
}, 40_000);
