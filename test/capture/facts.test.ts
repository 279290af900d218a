import { describe, expect, test } from "bun:test";
import { emptyFacts, type SessionFacts } from "../../src/capture/records";
import { type FactInput, learnFacts, MAX_WORKERS } from "../../src/capture/facts";
import { decodeRequest, decodeResponse } from "../../src/stratum/methods";

const up = (method: string, params: unknown[]): FactInput => ({
  direction: "miner_to_pool",
  kind: "request",
  method,
  decoded: decodeRequest(method, params).decoded,
});
const down = (method: string, params: unknown[]): FactInput => ({
  direction: "pool_to_miner",
  kind: "notification",
  method,
  decoded: decodeRequest(method, params).decoded,
});
const answer = (method: string, result: unknown, error: unknown = null): FactInput => ({
  direction: "pool_to_miner",
  kind: "response",
  method,
  decoded: decodeResponse(method, result, error).decoded,
});
const run = (msgs: FactInput[], start: SessionFacts = emptyFacts()) => msgs.reduce(learnFacts, start);

describe("learnFacts", () => {
  test("a full handshake fills every fact", () => {
    const facts = run([
      up("mining.configure", [["version-rolling"], { "version-rolling.mask": "1fffe000", "version-rolling.min-bit-count": 2 }]),
      answer("mining.configure", { "version-rolling": true, "version-rolling.mask": "1fffe000" }),
      up("mining.subscribe", ["bmminer/2.0.0"]),
      answer("mining.subscribe", [[["mining.set_difficulty", "1"], ["mining.notify", "1"]], "08000002", 4]),
      up("mining.authorize", ["wallet.rig1", "x"]),
      answer("mining.authorize", true),
      down("mining.set_difficulty", [16384]),
      up("mining.submit", ["wallet.rig1", "bf", "00000001", "504e86ed", "b2957c02"]),
    ]);
    expect(facts).toEqual({
      user_agent: "bmminer/2.0.0",
      workers: ["wallet.rig1"],
      extranonce1: "08000002",
      extranonce2_size: 4,
      difficulty: 16384,
      version_mask: "1fffe000",
    });
  });

  test("returns the same object when nothing changes, and never mutates its input", () => {
    const start = emptyFacts();
    const snapshot = structuredClone(start);
    expect(learnFacts(start, down("mining.notify", []))).toBe(start);
    expect(learnFacts(start, { direction: "miner_to_pool", kind: "invalid", method: null, decoded: null })).toBe(start);
    expect(learnFacts(start, up("mining.ping", []))).toBe(start);
    const withDiff = learnFacts(start, down("mining.set_difficulty", [512]));
    expect(withDiff).not.toBe(start);
    expect(start).toEqual(snapshot);
    expect(learnFacts(withDiff, down("mining.set_difficulty", [512]))).toBe(withDiff);
    const withWorker = learnFacts(withDiff, up("mining.authorize", ["w1", "x"]));
    expect(learnFacts(withWorker, up("mining.submit", ["w1", "j", "00", "504e86ed", "b2957c02"]))).toBe(withWorker);
  });

  test("the latest subscribe wins; one without a user agent changes nothing", () => {
    const a = run([up("mining.subscribe", ["cgminer/4.10"]), up("mining.subscribe", ["cgminer/4.12"])]);
    expect(a.user_agent).toBe("cgminer/4.12");
    expect(learnFacts(a, up("mining.subscribe", []))).toBe(a);
  });

  test("set_extranonce from the pool replaces the subscribe values", () => {
    const f = run([
      answer("mining.subscribe", [["mining.notify", "ae68"], "f8002c90", 4]),
      down("mining.set_extranonce", ["abcd", 6]),
    ]);
    expect([f.extranonce1, f.extranonce2_size]).toEqual(["abcd", 6]);
  });

  test("workers: unique, insertion order, at most MAX_WORKERS", () => {
    const msgs: FactInput[] = [up("mining.authorize", ["b", "x"]), up("mining.authorize", ["a", "x"]), up("mining.authorize", ["b", "x"])];
    for (let i = 0; i < MAX_WORKERS + 10; i++) msgs.push(up("mining.submit", [`w${i}`, "j", "00", "504e86ed", "b2957c02"]));
    const f = run(msgs);
    expect(f.workers).toHaveLength(MAX_WORKERS);
    expect(f.workers.slice(0, 3)).toEqual(["b", "a", "w0"]);
    expect(new Set(f.workers).size).toBe(MAX_WORKERS);
    expect(learnFacts(f, up("mining.authorize", ["late", "x"]))).toBe(f);
  });

  test("hostile worker names are kept as text", () => {
    expect(run([up("mining.authorize", ["<script>alert(1)</script>", "x"])]).workers).toEqual(["<script>alert(1)</script>"]);
  });

  test("version mask from a configure answer or set_version_mask; a refused configure teaches nothing", () => {
    expect(run([answer("mining.configure", { "version-rolling": true, "version-rolling.mask": "007f8000" })]).version_mask).toBe("007f8000");
    expect(run([down("mining.set_version_mask", ["1fffe000"])]).version_mask).toBe("1fffe000");
    const start = emptyFacts();
    expect(learnFacts(start, answer("mining.configure", { "version-rolling": false, "version-rolling.mask": "00000000" }))).toBe(start);
  });

  test("failed or malformed answers teach nothing", () => {
    const start = emptyFacts();
    expect(learnFacts(start, answer("mining.subscribe", null, [20, "Other", null]))).toBe(start);
    expect(learnFacts(start, answer("mining.subscribe", [[], "xyz", 4]))).toBe(start);
    expect(learnFacts(start, down("mining.set_difficulty", ["abc"]))).toBe(start);
  });

  test("direction matters: facts come from the side that owns them", () => {
    const start = emptyFacts();
    // A miner cannot set the session difficulty; suggest_difficulty is only a wish.
    expect(learnFacts(start, { ...down("mining.set_difficulty", [1]), direction: "miner_to_pool" })).toBe(start);
    expect(learnFacts(start, up("mining.suggest_difficulty", [1]))).toBe(start);
    // HashScope's own replays do not add workers; pool-side subscribes do not set the user agent.
    expect(learnFacts(start, { ...up("mining.authorize", ["w", "x"]), direction: "hashscope_to_pool" })).toBe(start);
    expect(learnFacts(start, { ...up("mining.subscribe", ["ua"]), direction: "pool_to_miner" })).toBe(start);
  });

  test("set_difficulty sent as a request with an id still counts", () => {
    expect(learnFacts(emptyFacts(), { ...down("mining.set_difficulty", [2048]), kind: "request" }).difficulty).toBe(2048);
  });
});
