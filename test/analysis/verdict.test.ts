import { describe, expect, test } from "bun:test";
import { JobBook } from "../../src/analysis/job-book";
import { judgeSubmit, NTIME_WINDOW_S, withPoolAnswer, type SubmitFieldsIn } from "../../src/analysis/verdict";

// The genesis block as a Stratum job: its coinbase split around the extranonces, no branches.
const COINBASE =
  "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000";
const GENESIS = {
  job_id: "g",
  prevhash: "0".repeat(64),
  coinb1: COINBASE.slice(0, 100),
  coinb2: COINBASE.slice(116),
  merkle_branch: [],
  version: "00000001",
  nbits: "1d00ffff",
  ntime: "495fab29",
};
const EN1 = COINBASE.slice(100, 108);
/** The genesis block's own share: it solves the block. */
const BLOCK_SHARE: SubmitFieldsIn = { job_id: "g", extranonce2: COINBASE.slice(108, 116), ntime: "495fab29", nonce: "7c2bac1d", version_bits: null };
/** The next nonce: an ordinary share of tiny difficulty (≈ 9.9e-10), valid at the pool difficulty the tests set. */
const SHARE: SubmitFieldsIn = { ...BLOCK_SHARE, nonce: "7c2bac1e" };
const POOL_DIFF = 1e-10;

function book(o: { difficulty?: number | null; nbits?: string; mask?: string | null; en1?: string | null } = {}): JobBook {
  const b = new JobBook({ maxJobs: 4, maxSharesPerJob: 8, maxBytes: 1024 * 1024 });
  b.add({ ...GENESIS, nbits: o.nbits ?? GENESIS.nbits }, [], true, {
    difficulty: o.difficulty === undefined ? POOL_DIFF : o.difficulty,
    extranonce1: o.en1 === undefined ? EN1 : o.en1,
    extranonce2_size: 4,
    version_mask: o.mask === undefined ? "1fffe000" : o.mask,
  });
  return b;
}

describe("verdicts", () => {
  test("block_candidate: the genesis share, with the genesis block hash and difficulty ≈ 2536.43 (even above the pool's)", () => {
    const a = judgeSubmit(book({ difficulty: 4096 }), BLOCK_SHARE);
    expect(a).toMatchObject({ verdict: "block_candidate", hash: "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f", network_difficulty: 1 });
    expect(a.difficulty!).toBeCloseTo(2536.43, 1);
  });
  test("valid: an ordinary share at or above the job's difficulty", () => {
    const a = judgeSubmit(book(), SHARE);
    expect(a).toMatchObject({ verdict: "valid", reason: null, target_difficulty: POOL_DIFF });
    expect(a.difficulty!).toBeGreaterThan(POOL_DIFF);
    expect(a.difficulty!).toBeLessThan(1);
  });
  test("low_difficulty: below the job's difficulty; no difficulty set counts as 1", () => {
    expect(judgeSubmit(book({ difficulty: 1e-3 }), SHARE).verdict).toBe("low_difficulty");
    expect(judgeSubmit(book({ difficulty: null }), SHARE)).toMatchObject({ verdict: "low_difficulty", target_difficulty: 1 });
  });
  test("duplicate: the same job, extranonce2, ntime, nonce and version bits twice (case-insensitive)", () => {
    const b = book();
    expect(judgeSubmit(b, SHARE).verdict).toBe("valid");
    expect(judgeSubmit(b, { ...SHARE, nonce: SHARE.nonce.toUpperCase() }).verdict).toBe("duplicate");
  });
  test("unknown_job and stale (a clean_jobs notify retires every earlier job)", () => {
    const b = book();
    expect(judgeSubmit(b, { ...SHARE, job_id: "nope" }).verdict).toBe("unknown_job");
    b.add({ ...GENESIS, job_id: "h", prevhash: "1".repeat(64) }, [], true, { difficulty: 1, extranonce1: EN1, extranonce2_size: 4, version_mask: null });
    expect(judgeSubmit(b, SHARE).verdict).toBe("stale");
  });
  test("the book is bounded: the oldest job is forgotten, then unknown", () => {
    const b = book();
    for (let i = 0; i < 4; i++) b.add({ ...GENESIS, job_id: `n${i}` }, [], false, { difficulty: 1, extranonce1: EN1, extranonce2_size: 4, version_mask: null });
    expect(b.size).toBe(4);
    expect(judgeSubmit(b, SHARE).verdict).toBe("unknown_job");
  });
  test("the book is bounded in bytes: 64 KiB notifies push out older jobs, the newest stays whatever its size", () => {
    const b = new JobBook({ maxJobs: 64, maxSharesPerJob: 4096, maxBytes: 256 * 1024 });
    const ctx = { difficulty: 1, extranonce1: EN1, extranonce2_size: 4, version_mask: null };
    const big = "ab".repeat(32 * 1024); // 64 Ki characters, 128 KiB as a JS string
    for (let i = 0; i < 10; i++) b.add({ ...GENESIS, job_id: `big${i}` }, [`big${i}`, "00", big, ""], false, ctx);
    expect(b.bytes).toBeLessThanOrEqual(256 * 1024);
    expect(b.get("big9")).toBeDefined();
    expect(b.get("big0")).toBeUndefined();
    b.add({ ...GENESIS, job_id: "huge" }, ["huge", "00", big + big + big, ""], false, ctx);
    expect(b.size).toBe(1);
    expect(b.get("huge")).toBeDefined();
    // Share keys count too: a miner sending endless distinct shares for one job cannot pass the bound.
    const small = new JobBook({ maxJobs: 4, maxSharesPerJob: 1_000_000, maxBytes: 64 * 1024 });
    small.add({ ...GENESIS, job_id: "s" }, ["s"], false, ctx);
    const entry = small.get("s")!;
    for (let i = 0; i < 5000; i++) small.remember(entry, `key-${i}-${"f".repeat(40)}`);
    expect(small.bytes).toBeLessThanOrEqual(64 * 1024);
    expect(entry.shares.size).toBeGreaterThan(0);
    expect(entry.shares.has(`key-4999-${"f".repeat(40)}`)).toBe(true);
  });
  test("bad_extranonce2_size, bad_ntime (before the job, or past the window), bad_version_bits", () => {
    expect(judgeSubmit(book(), { ...SHARE, extranonce2: "0000" }).verdict).toBe("bad_extranonce2_size");
    expect(judgeSubmit(book(), { ...SHARE, ntime: "495fab28" }).verdict).toBe("bad_ntime");
    const late = (parseInt(SHARE.ntime, 16) + NTIME_WINDOW_S + 1).toString(16);
    expect(judgeSubmit(book(), { ...SHARE, ntime: late }).verdict).toBe("bad_ntime");
    expect(judgeSubmit(book(), { ...SHARE, version_bits: "00000001" }).verdict).toBe("bad_version_bits");
    // Without a negotiated mask no bit may roll.
    expect(judgeSubmit(book({ mask: null }), { ...SHARE, version_bits: "00002000" }).verdict).toBe("bad_version_bits");
    expect(judgeSubmit(book({ mask: null }), { ...SHARE, version_bits: "00000000" }).verdict).toBe("valid");
  });
  test("unverifiable without an extranonce1", () => {
    expect(judgeSubmit(book({ en1: null }), SHARE)).toMatchObject({ verdict: "unverifiable", hash: null });
  });
});

describe("the pool's answer", () => {
  const valid = judgeSubmit(book(), SHARE);
  const low = judgeSubmit(book({ difficulty: 1 }), SHARE);
  test("agrees when it accepts a valid share or rejects a bad one", () => {
    expect(withPoolAnswer(valid, true, null)).toMatchObject({ pool_result: "accepted", pool_error: null, agrees: true });
    expect(withPoolAnswer(low, null, [23, "Low difficulty share", null])).toMatchObject({
      pool_result: "rejected", pool_error: { code: 23, message: "Low difficulty share" }, agrees: true,
    });
  });
  test("disagrees when it rejects a valid share or accepts a bad one; result false or null is a rejection", () => {
    expect(withPoolAnswer(valid, false, null)).toMatchObject({ pool_result: "rejected", agrees: false });
    expect(withPoolAnswer(valid, null, null)).toMatchObject({ pool_result: "rejected", agrees: false });
    expect(withPoolAnswer(low, true, null)).toMatchObject({ pool_result: "accepted", agrees: false });
  });
});

describe("hostile numbers", () => {
  test("an nbits with no target (negative encoding) gives null network difficulty, and the analysis survives JSON", async () => {
    const { Analysis } = await import("../../src/analysis/schema");
    const { SessionAnalyser } = await import("../../src/analysis/session");
    const { emptyFacts } = await import("../../src/capture/records");
    const a = new SessionAnalyser("mainnet");
    const facts = { ...emptyFacts(), extranonce1: EN1, extranonce2_size: 4, difficulty: POOL_DIFF };
    const n = a.notify({ ...GENESIS, nbits: "00800000", clean_jobs: true }, [], facts);
    expect(n.network_difficulty).toBeNull();
    const s = a.submit({ ...SHARE, worker: "w" }, null, "g");
    expect(s.network_difficulty).toBeNull();
    for (const x of [n, s]) expect(Analysis.parse(JSON.parse(JSON.stringify(x)))).toEqual(x);
  });
});
