import { expect, test } from "bun:test";
import { analyseShare } from "../../src/stratum/share-analysis";

// The genesis block as a Stratum job: its coinbase (public) split around the extranonces, no merkle branches.
const COINBASE =
  "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000";
const job = {
  job_id: "g",
  prevhash: "0".repeat(64),
  coinb1: COINBASE.slice(0, 100),
  coinb2: COINBASE.slice(116),
  merkle_branch: [],
  version: "00000001",
  nbits: "1d00ffff",
  ntime: "495fab29",
};
const submit = { job_id: "g", extranonce2: COINBASE.slice(108, 116), ntime: "495fab29", nonce: "7c2bac1d", version_bits: null };
const base = { job, extranonce1: COINBASE.slice(100, 108), versionMask: null, submit };

test("the genesis share: block hash, difficulty ≈ 2536.43, meets any pool target below it, solves the block", () => {
  const a = analyseShare({ ...base, jobDifficulty: 1024 });
  expect(a).toMatchObject({
    ok: true,
    hash: "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f",
    target_difficulty: 1024,
    meets_target: true,
    network_difficulty: 1,
    block_candidate: true,
  });
  if (a.ok) expect(a.difficulty).toBeCloseTo(2536.43, 1);
});

test("a higher pool difficulty than the share reached: meets_target false", () => {
  const a = analyseShare({ ...base, jobDifficulty: 4096 });
  expect(a).toMatchObject({ ok: true, meets_target: false, block_candidate: true });
});

test("no difficulty set yet counts as 1 (SPEC §6)", () => {
  expect(analyseShare({ ...base, jobDifficulty: null })).toMatchObject({ ok: true, target_difficulty: 1 });
});

test("a changed nonce is a different, low share and no block", () => {
  const a = analyseShare({ ...base, jobDifficulty: 1, submit: { ...submit, nonce: "7c2bac1e" } });
  expect(a.ok && a.difficulty < 1).toBe(true);
  expect(a).toMatchObject({ ok: true, meets_target: false, block_candidate: false });
});

test("what cannot be computed says why", () => {
  expect(analyseShare({ ...base, job: null, jobDifficulty: null })).toEqual({
    ok: false,
    reason: "job g was not seen on this session (or is too old to remember)",
  });
  expect(analyseShare({ ...base, extranonce1: null, jobDifficulty: 1 })).toMatchObject({ ok: false });
  expect(analyseShare({ ...base, jobDifficulty: 1, submit: { ...submit, nonce: "zz" } })).toMatchObject({ ok: false });
});
