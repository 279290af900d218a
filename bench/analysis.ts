/**
 * What analysis costs per message, on the capture side (never the relay's path): a miner's submit judged (hash and
 * verdict), the pool's answer compared, a notify decoded (coinbase with @scure/btc-signer, payout check), and the
 * figures updated. Baseline in the same run: hashing one 80-byte header twice (sha256d), the least any share check
 * must do. Run by hand: `bun run bench/analysis.ts [iterations]`.
 */
import { FiguresTracker } from "../src/analysis/figures";
import { SessionAnalyser, type DecodedNotify, type DecodedSubmit } from "../src/analysis/session";
import { emptyFacts } from "../src/capture/records";
import { sha256d } from "../src/stratum/header";
import { displayToStratumPrevhash } from "../src/stratum/prevhash";
import { BLOCK_881423 as B } from "../test/analysis/block-881423";

const N = Number(process.argv[2] ?? 20_000);

const facts = {
  ...emptyFacts(),
  extranonce1: B.extranonce1,
  extranonce2_size: 4,
  difficulty: 65536,
  version_mask: "1fffe000",
  workers: [`${B.payout_address}.rig1`],
};
// A mainnet-sized job: block 881,423's coinbase (2 outputs) and its 11 merkle branches.
/** `fresh`: a different coinbase every time (the first session to see a job); else the same job again (other sessions). */
const notify = (i: number, fresh = true): DecodedNotify => ({
  job_id: i.toString(16),
  prevhash: displayToStratumPrevhash(B.prevhash_display),
  // The last 4 bytes of coinb1 are the pool's time push in the scriptSig: vary them so no decode is reused.
  coinb1: fresh ? B.coinb1.slice(0, -8) + (i >>> 0).toString(16).padStart(8, "0") : B.coinb1,
  coinb2: B.coinb2,
  merkle_branch: [...B.merkle_branch],
  version: "20000000",
  nbits: B.nbits,
  ntime: B.ntime,
  clean_jobs: false,
});

function time(label: string, n: number, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(n, 2000); i++) fn(i); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn(i);
  const us = ((performance.now() - t0) * 1000) / n;
  console.log(`${label.padEnd(58)} ${us.toFixed(2).padStart(8)} µs`);
  return us;
}

const header = new Uint8Array(80);
const out = new Uint8Array(32);
const base = time("baseline: sha256d of one 80-byte header", N * 5, (i) => {
  header[76] = i & 0xff;
  sha256d(header, out);
});

const a = new SessionAnalyser("mainnet");
a.notify(notify(0), [], facts);
const figures = new FiguresTracker(performance.now(), Date.now());
let t = 0;
const submitUs = time("submit: verdict (merkle root, header, hash, checks) + figures", N, (i) => {
  const s: DecodedSubmit = {
    worker: "w", job_id: "0", extranonce2: (i >>> 0).toString(16).padStart(8, "0"), ntime: B.ntime,
    nonce: ((i * 2654435761) >>> 0).toString(16).padStart(8, "0"), version_bits: null,
  };
  const v = a.submit(s, null, "0");
  figures.submit(v, (t += 1));
});
const answerUs = time("answer: pool result compared (agrees) + figures", N, () => {
  const v = a.submit({ worker: "w", job_id: "nope", extranonce2: "00000000", ntime: B.ntime, nonce: "00000000", version_bits: null }, null, "nope");
  figures.answer(a.answer(v, null, [21, "Job not found", null]), (t += 1));
});
const notifyUs = time("notify, new coinbase: job book + decode + payout check + figures", N, (i) => {
  const n = a.notify(notify(i + 1), [], facts);
  figures.notify(n, (t += 1), Date.now());
});
const notifySameUs = time("notify, coinbase already decoded (same job, other sessions)", N, (i) => {
  const n = a.notify(notify(i + 1, false), [], facts);
  figures.notify(n, (t += 1), Date.now());
});
const snapUs = time("snapshot of a session's figures (API, page, once a second)", 2000, () => figures.snapshot(t, Date.now()));

console.log(`\nratios to the baseline: submit ${(submitUs / base).toFixed(1)}×, answer ${(answerUs / base).toFixed(1)}×, notify ${(notifyUs / base).toFixed(1)}× (same job ${(notifySameUs / base).toFixed(1)}×), snapshot ${(snapUs / base).toFixed(1)}×`);
console.log(`budget: submit ${submitUs < 50 ? "within" : "OVER"} 50 µs, notify ${notifyUs < 100 ? "within" : "OVER"} 100 µs`);
