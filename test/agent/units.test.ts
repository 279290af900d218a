import { describe, expect, test } from "bun:test";
import { generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { shareParser } from "../../agent/agent.ts";
import { parseReconnect } from "../../agent/pool-client.ts";
import { AgentStats, percentile } from "../../agent/stats.ts";
import { agentSubmitParams, clampRepeat } from "../../agent/submitter.ts";
import { nextCreatedAt } from "../../agent/telemetry.ts";
import { buildShareEvent } from "../../src/nostr/events.ts";
import { RUN, share } from "./helpers.ts";

describe("agent pieces", () => {
  test("rates are count/window, no spike for one recent submit; percentiles over a bounded window", () => {
    let now = 100_000;
    const s = new AgentStats({ now: () => now, latencyWindow: 4 });
    s.attempt();
    expect(s.rate(10_000)).toBe(0.1);
    expect(s.rate(60_000)).toBeCloseTo(1 / 60, 3);
    now += 11_000;
    expect(s.rate(10_000)).toBe(0);
    for (const ms of [50, 10, 40, 20, 30]) s.record({ kind: "accepted", latencyMs: ms });
    const snap = s.snapshot();
    expect(snap.latency_ms).toEqual({ p50: 20, p90: 40, p99: 40 }); // the 50 fell out of the window of 4
    expect(snap.last_submit_latency_ms).toBe(30);
    s.record({ kind: "timeout", latencyMs: 3000 });
    expect(s.snapshot().last_submit_latency_ms).toBe(30); // a timeout is not a latency
    expect(s.snapshot().submits_timeout_total).toBe(1);
    expect(percentile([], 50)).toBeNull();
  });

  test("reject reasons keyed by code and message, capped; errors keep the last 10", () => {
    const s = new AgentStats({ maxReasons: 2 });
    s.record({ kind: "rejected", latencyMs: 1, code: 21, message: "Job not found" });
    s.record({ kind: "rejected", latencyMs: 1, code: 21, message: "Job not found" });
    s.record({ kind: "rejected", latencyMs: 1, code: null, message: "result false" });
    s.record({ kind: "rejected", latencyMs: 1, code: 23, message: "Low difficulty share" });
    expect(s.snapshot().reject_reasons).toEqual({ "21 Job not found": 2, "null result false": 1, other: 1 });
    for (let i = 0; i < 15; i++) s.error(`e${i}`);
    expect(s.errors).toHaveLength(10);
    expect(s.errors.at(-1)).toEndWith("e14");
  });

  test("submit params: own worker, the miner's params from index 1; repeat clamped to 1..100", () => {
    expect(agentSubmitParams("me.hashscope_agent1", ["miner", "j", "00", "01", "02", "20000000"])).toEqual(["me.hashscope_agent1", "j", "00", "01", "02", "20000000"]);
    expect(agentSubmitParams("me", ["miner", "j", "00"])).toBeNull();
    expect(agentSubmitParams("me", ["miner", 1, "00", "01", "02"])).toBeNull();
    expect([clampRepeat(0), clampRepeat(5), clampRepeat(1e9), clampRepeat(Number.NaN)]).toEqual([1, 5, 100, 1]);
  });

  test("share parser refuses bad signature, wrong author, wrong run, bad schema, and counts each", () => {
    const mitm = generateSecretKey();
    const s = new AgentStats();
    const parse = shareParser({ kind: 30080, runId: RUN, authors: [getPublicKey(mitm)] }, s);
    const good = buildShareEvent(share(["m", "j", "00", "01", "02"]), mitm);
    expect(parse(good).ok).toBe(true);
    expect(parse({ ...good, content: good.content.replace('"seq"', '"seq" ') }).ok).toBe(false);
    expect(parse(buildShareEvent(share(["m", "j", "00", "01", "02"]), generateSecretKey())).ok).toBe(false);
    expect(parse(buildShareEvent(share(["m", "j", "00", "01", "02"], 1, "other"), mitm)).ok).toBe(false);
    expect(parse({ ...good, kind: 1 }).ok).toBe(false);
    expect(s.ignored).toEqual({ bad_signature: 2, wrong_author: 1, wrong_run: 1 });
  });

  test("client.reconnect params; telemetry created_at strictly increases, at most a second ahead", () => {
    const cur = { host: "pool", port: 3333 };
    expect(parseReconnect([], cur, 300)).toEqual({ host: "pool", port: 3333, waitSec: 0 });
    expect(parseReconnect(["other.pool", "4444", 5], cur, 300)).toEqual({ host: "other.pool", port: 4444, waitSec: 5 });
    expect(parseReconnect(["bad host!", 99999, 1e9], cur, 300)).toEqual({ host: "pool", port: 3333, waitSec: 300 });
    expect(nextCreatedAt(null, 100, false)).toBe(100);
    expect(nextCreatedAt(100, 100, false)).toBe(101);
    expect(nextCreatedAt(101, 100, false)).toBeNull();
    expect(nextCreatedAt(101, 100, true)).toBe(102);
  });
});
