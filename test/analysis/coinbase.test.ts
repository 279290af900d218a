import { expect, test } from "bun:test";
import { decodeCoinbaseTx, decodeJobCoinbase, paysWorker } from "../../src/analysis/coinbase";
import { SessionAnalyser } from "../../src/analysis/session";
import { emptyFacts } from "../../src/capture/records";
import { bytesToHex, hexToBytes, jobMerkleRoot } from "../../src/stratum/header";
import { displayToStratumPrevhash } from "../../src/stratum/prevhash";
import { BLOCK_881423 as B } from "./block-881423";

const job = { coinb1: B.coinb1, coinb2: B.coinb2 };
const fullTx = hexToBytes(B.coinb1 + B.extranonce1 + B.extranonce2 + B.coinb2);

test("block 881,423's coinbase: height, tag, outputs with types, addresses and values, total", () => {
  const cb = decodeCoinbaseTx(fullTx, "mainnet");
  expect(cb.height).toBe(881_423);
  expect(cb.tag).toContain("/mined by 256 Foundation/");
  expect(cb.tag).toContain("Apollo");
  expect(cb.outputs.map((o) => [o.type, o.address, o.value_sats])).toEqual([
    ["p2wpkh", "bc1qce93hy5rhg02s6aeu7mfdvxg76x66pqqtrvzs3", 314_616_437],
    ["witness_commitment", null, 0],
  ]);
  expect(cb.total_sats).toBe(314_616_437);
});

test("the job's coinbase with a zero extranonce2 decodes the same outputs (what a notify shows before any share)", () => {
  const cb = decodeJobCoinbase(job, B.extranonce1, 4, "mainnet");
  expect(cb.height).toBe(881_423);
  expect(cb.outputs[0]!.address).toBe(B.payout_address);
});

test("the job's merkle root with the block's extranonces is the block's merkle root", () => {
  const j = { ...job, job_id: "x", prevhash: displayToStratumPrevhash(B.prevhash_display), merkle_branch: B.merkle_branch, version: "20000000", nbits: B.nbits, ntime: B.ntime };
  expect(bytesToHex(jobMerkleRoot(j, B.extranonce1, B.extranonce2))).toBe(B.merkle_root);
});

test("the block's own share through a session: block_candidate with the block's hash, the notify decoded and its payout checked", () => {
  const a = new SessionAnalyser("mainnet");
  const facts = { ...emptyFacts(), extranonce1: B.extranonce1, extranonce2_size: 4, difficulty: 65536, version_mask: "1fffe000", workers: [`${B.payout_address}.rig1`] };
  const notify = {
    job_id: "81", prevhash: displayToStratumPrevhash(B.prevhash_display), coinb1: B.coinb1, coinb2: B.coinb2,
    merkle_branch: [...B.merkle_branch], version: "20000000", nbits: B.nbits, ntime: B.ntime, clean_jobs: true,
  };
  const n = a.notify(notify, [], facts);
  expect(n).toMatchObject({ new_block: true, prevhash: B.prevhash_display, coinbase: { height: 881_423 } });
  expect(n.network_difficulty).toBeCloseTo(108_105_433_845_147, -3); // 108.1 T, as explorers show for this block
  expect(n.pays_worker).toEqual({ address: B.payout_address, pays: true, value_sats: 314_616_437, share_of_total: 1 });
  // Version 2e596000 = job version 20000000 rolled with bits 0e596000 inside the mask 1fffe000.
  const s = a.submit({ worker: "w", job_id: "81", extranonce2: B.extranonce2, ntime: B.ntime, nonce: B.nonce, version_bits: "0e596000" }, null, "81");
  expect(s).toMatchObject({ verdict: "block_candidate", hash: B.hash, merkle_root: B.merkle_root, target_difficulty: 65536 });
});

test("payout check the other way: a worker address the coinbase does not pay", () => {
  const cb = decodeCoinbaseTx(fullTx, "mainnet");
  expect(paysWorker(cb, "bc1qrwsx8fs0l6z7ugp5cvzy6lhss7jlyru3kg9s8y.rig", "mainnet")).toEqual({
    address: "bc1qrwsx8fs0l6z7ugp5cvzy6lhss7jlyru3kg9s8y", pays: false, value_sats: 0, share_of_total: 0,
  });
  // Not an address (or one of another network): no payout check at all.
  expect(paysWorker(cb, "alice.rig1", "mainnet")).toBeNull();
  expect(paysWorker(cb, `${B.payout_address}.rig`, "regtest")).toBeNull();
});

test("BITCOIN_NETWORK sets the prefixes: the same script reads as tb1… on testnet and bcrt1… on regtest", () => {
  expect(decodeCoinbaseTx(fullTx, "testnet").outputs[0]!.address).toStartWith("tb1q");
  expect(decodeCoinbaseTx(fullTx, "signet").outputs[0]!.address).toStartWith("tb1q");
  expect(decodeCoinbaseTx(fullTx, "regtest").outputs[0]!.address).toStartWith("bcrt1q");
});

test("extranonce bytes never become tag text: the job's coinbase is decoded with zeros in their place", () => {
  // 57593269 is "WY2i" in ASCII, a run of four printable characters.
  const cb = decodeJobCoinbase(job, "57593269", 4, "mainnet");
  expect(cb.tag).not.toContain("WY2i");
  expect(cb.tag).toContain("/mined by 256 Foundation/");
});

test("bytes that are no transaction throw (the notify then carries coinbase_error)", () => {
  expect(() => decodeCoinbaseTx(hexToBytes("0100"), "mainnet")).toThrow();
  const a = new SessionAnalyser("mainnet");
  const n = a.notify({ job_id: "1", prevhash: "00".repeat(32), coinb1: "01", coinb2: "02", merkle_branch: [], version: "20000000", nbits: B.nbits, ntime: B.ntime, clean_jobs: false }, [], emptyFacts());
  expect(n.coinbase).toBeNull();
  expect(n.coinbase_error).toBeString();
});
