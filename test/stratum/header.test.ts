import { describe, expect, test } from "bun:test";
import {
  buildHeader,
  bytesToHex,
  DIFF1_TARGET,
  hashDifficulty,
  hashToDisplayHex,
  hexToBytes,
  merkleRoot,
  nbitsToTarget,
  rollVersion,
  sha256d,
  shareHash,
  targetToDifficulty,
  versionBitsWithinMask,
} from "../../src/stratum/header";
import { stratumPrevhashToDisplay, stratumPrevhashToHeader } from "../../src/stratum/prevhash";

const GENESIS_HEADER =
  "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c";
const GENESIS_HASH = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f";
// The genesis coinbase transaction (public); its txid is the genesis merkle root.
const GENESIS_COINBASE =
  "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000";
const GENESIS_ROOT_DISPLAY = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b";

const REGTEST_HEADER =
  "00000020bb76da6422b707a90831c421798123293bc5fd377bbeb5198557090900000000fd5418fe788ef961678e4bacdd1fe3903185b9ec63865bb3d2d279bb0eb48c0bf286ef59ffff7f206aae848d";
const REGTEST_HASH = "601ed85039804bcecbbdb53e0ca358aeb8dabef2366fb64c216aac3aba02b716";

const reverseHex = (h: string) => bytesToHex(hexToBytes(h).reverse());

describe("protocol test vectors (docs/protocol.md#test-vectors)", () => {
  test("genesis header hashes to the genesis block hash, difficulty ≈ 2536.43", () => {
    const hash = sha256d(hexToBytes(GENESIS_HEADER));
    expect(hashToDisplayHex(hash)).toBe(GENESIS_HASH);
    expect(hashDifficulty(hash)).toBeCloseTo(2536.43, 1);
  });

  test("genesis header rebuilt from Stratum-style fields", () => {
    const header = buildHeader({
      version: "00000001",
      prevhash: "0".repeat(64),
      merkleRoot: reverseHex(GENESIS_ROOT_DISPLAY),
      ntime: "495fab29",
      nbits: "1d00ffff",
      nonce: "7c2bac1d",
    });
    expect(bytesToHex(header)).toBe(GENESIS_HEADER);
  });

  test("genesis share through shareHash: coinbase split around the extranonces", () => {
    // Any split works: coinb1 ‖ en1 ‖ en2 ‖ coinb2 must just rebuild the transaction.
    const coinb1 = GENESIS_COINBASE.slice(0, 100);
    const en1 = GENESIS_COINBASE.slice(100, 108);
    const en2 = GENESIS_COINBASE.slice(108, 116);
    const coinb2 = GENESIS_COINBASE.slice(116);
    const job = {
      job_id: "g",
      prevhash: "0".repeat(64),
      coinb1,
      coinb2,
      merkle_branch: [],
      version: "00000001",
      nbits: "1d00ffff",
      ntime: "495fab29",
    };
    const r = shareHash({
      job,
      extranonce1: en1,
      submit: { extranonce2: en2, ntime: "495fab29", nonce: "7c2bac1d", version_bits: null },
      versionMask: null,
    });
    expect(r.hashHex).toBe(GENESIS_HASH);
    expect(r.difficulty).toBeCloseTo(2536.43, 1);
  });

  test("prevhash conversion vector", () => {
    const stratum = "4d16b6f85af6e2198f44ae2a6de67f78487ae5611b77c6c0440b921e00000000";
    expect(stratumPrevhashToDisplay(stratum)).toBe("00000000440b921e1b77c6c0487ae5616de67f788f44ae2a5af6e2194d16b6f8");
  });

  test("regtest header: hash, and rebuilt from fields with nonce 8d84ae6a", () => {
    expect(hashToDisplayHex(sha256d(hexToBytes(REGTEST_HEADER)))).toBe(REGTEST_HASH);
    const headerPrev = REGTEST_HEADER.slice(8, 72);
    const header = buildHeader({
      version: "20000000",
      prevhash: stratumPrevhashToHeader(headerPrev), // the swap is its own inverse
      merkleRoot: REGTEST_HEADER.slice(72, 136),
      ntime: "59ef86f2",
      nbits: "207fffff",
      nonce: "8d84ae6a",
    });
    expect(bytesToHex(header)).toBe(REGTEST_HEADER);
  });
});

describe("pieces", () => {
  test("hex round trip and validation", () => {
    expect(bytesToHex(hexToBytes("00ff10Ab"))).toBe("00ff10ab");
    expect(() => hexToBytes("abc")).toThrow();
    expect(() => hexToBytes("zz")).toThrow();
  });

  test("merkle root folds branches in order", () => {
    const cb = sha256d(hexToBytes("01"));
    const b1 = bytesToHex(sha256d(hexToBytes("02")));
    const b2 = bytesToHex(sha256d(hexToBytes("03")));
    const step1 = sha256d(Uint8Array.from([...cb, ...hexToBytes(b1)]));
    const step2 = sha256d(Uint8Array.from([...step1, ...hexToBytes(b2)]));
    expect(bytesToHex(merkleRoot(cb, []))).toBe(bytesToHex(cb));
    expect(bytesToHex(merkleRoot(cb, [b1, b2]))).toBe(bytesToHex(step2));
    expect(() => merkleRoot(cb, ["00"])).toThrow();
  });

  test("version rolling", () => {
    expect(rollVersion("20000000", null, "1fffe000")).toBe("20000000");
    expect(rollVersion("20000000", "00002000", "1fffe000")).toBe("20002000");
    expect(rollVersion("20000000", "ffffffff", "1fffe000")).toBe("3fffe000");
    expect(rollVersion("20000000", "00004000", null)).toBe("20004000");
    expect(versionBitsWithinMask("1fffe000", "1fffe000")).toBe(true);
    expect(versionBitsWithinMask("00001000", "1fffe000")).toBe(false);
  });

  test("nbits to target and difficulty", () => {
    expect(nbitsToTarget("1d00ffff")).toBe(DIFF1_TARGET);
    expect(targetToDifficulty(nbitsToTarget("1d00ffff"))).toBe(1);
    expect(nbitsToTarget("207fffff")).toBe(0x7fffffn << 232n);
    expect(nbitsToTarget("02008000")).toBe(0x80n);
    expect(nbitsToTarget("1d80ffff")).toBe(0n);
  });

  test("difficulty of an all-zero hash is Infinity; of a hash equal to diff-1 target is 1", () => {
    expect(hashDifficulty(new Uint8Array(32))).toBe(Infinity);
    const h = hexToBytes(DIFF1_TARGET.toString(16).padStart(64, "0")).reverse();
    expect(hashDifficulty(h)).toBe(1);
  });

  test("buildHeader rejects wrong field sizes", () => {
    const ok = { version: "20000000", prevhash: "0".repeat(64), merkleRoot: "0".repeat(64), ntime: "00000000", nbits: "1d00ffff", nonce: "00000000" };
    expect(buildHeader(ok).length).toBe(80);
    expect(() => buildHeader({ ...ok, nonce: "000000" })).toThrow(RangeError);
    expect(() => buildHeader({ ...ok, prevhash: "00" })).toThrow(RangeError);
  });
});
