/**
 * Pure Stratum v1 share math (docs/protocol.md#share-hash): coinbase, merkle root, 80-byte header, version rolling,
 * share hash and difficulty. No I/O. Hex in Stratum fields is big-endian unless noted.
 */
import type { Notify, Submit } from "./decode/requests";
import { isHex, stratumPrevhashToHeader } from "./prevhash";

/** Default BIP320 general-purpose version bits, used when no mask was negotiated. */
export const DEFAULT_VERSION_MASK = "1fffe000";

/** 0xFFFF·2^208: the target of difficulty 1 (pool difficulty, "pdiff"). */
export const DIFF1_TARGET = 0xffffn << 208n;
const DIFF1_NUMBER = Number(DIFF1_TARGET);

/** T with its array fields read-only: the share math never changes a job, so it takes frozen ones too. */
type ReadOnlyArrays<T> = { [K in keyof T]: T[K] extends (infer U)[] ? readonly U[] : T[K] };

/** Fields of a decoded `mining.notify` job that matter for the hash (the schema's type, docs/protocol.md#share-hash). */
export type NotifyJob = ReadOnlyArrays<Pick<Notify, "job_id" | "prevhash" | "coinb1" | "coinb2" | "merkle_branch" | "version" | "nbits" | "ntime">>;

/** Fields of a decoded `mining.submit` that matter for the hash. */
export type SubmitFields = Pick<Submit, "extranonce2" | "ntime" | "nonce" | "version_bits">;

export interface ShareHash {
  /** sha256d(header) in raw (little-endian integer) byte order. */
  hash: Uint8Array;
  /** Display order, as block explorers show hashes. */
  hashHex: string;
  difficulty: number;
}

export interface HeaderFields {
  /** Big-endian hex, 4 bytes. */
  version: string;
  /** Stratum order (bytes of each 4-byte word swapped), 32 bytes. */
  prevhash: string;
  /** Header byte order, 32 bytes (bytes or hex). */
  merkleRoot: Uint8Array | string;
  ntime: string;
  nbits: string;
  nonce: string;
}

export function hexToBytes(hex: string): Uint8Array {
  if (!isHex(hex)) throw new RangeError(`not hex: ${hex.slice(0, 40)}`);
  // Validated above, so Buffer's native decoder (20× faster than parsing byte by byte) sees only hex.
  const b = Buffer.from(hex, "hex");
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export function bytesToHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += HEX[b];
  return s;
}

/** Hex of exactly `n` bytes, else RangeError naming the field (so pools can reject cleanly). */
export function fixedHex(hex: string, n: number, field: string): Uint8Array {
  if (!isHex(hex, n)) throw new RangeError(`${field} must be ${n} bytes of hex`);
  return hexToBytes(hex);
}

/** Double SHA-256. `out` (32 bytes) avoids an allocation in hot loops. */
export function sha256d(bytes: Uint8Array, out: Uint8Array = new Uint8Array(32)): Uint8Array {
  Bun.SHA256.hash(bytes, out);
  Bun.SHA256.hash(out, out);
  return out;
}

export function buildCoinbase(coinb1: string, extranonce1: string, extranonce2: string, coinb2: string): Uint8Array {
  return hexToBytes(coinb1 + extranonce1 + extranonce2 + coinb2);
}

/** Folds the branches (already in header byte order) into the coinbase hash. */
export function merkleRoot(coinbaseHash: Uint8Array, branches: readonly (string | Uint8Array)[]): Uint8Array {
  let root = coinbaseHash;
  const pair = new Uint8Array(64);
  for (const b of branches) {
    const branch = typeof b === "string" ? fixedHex(b, 32, "merkle branch") : b;
    if (branch.length !== 32) throw new RangeError("merkle branch must be 32 bytes");
    pair.set(root, 0);
    pair.set(branch, 32);
    root = sha256d(pair);
  }
  return root;
}

/** Big-endian 4-byte hex → little-endian bytes written at `off`. */
function putLE32(out: Uint8Array, off: number, hex: string, field: string): void {
  const b = fixedHex(hex, 4, field);
  for (let i = 0; i < 4; i++) out[off + i] = b[3 - i]!;
}

const headerPrevhash = (prevhash: string): Uint8Array => {
  if (!isHex(prevhash, 32)) throw new RangeError("prevhash must be 32 bytes of hex");
  return hexToBytes(stratumPrevhashToHeader(prevhash));
};

/** The header with prevhash already in header byte order. */
function writeHeader(version: string, prevhash: Uint8Array, root: Uint8Array, ntime: string, nbits: string, nonce: string): Uint8Array {
  const h = new Uint8Array(80);
  putLE32(h, 0, version, "version");
  h.set(prevhash, 4);
  if (root.length !== 32) throw new RangeError("merkle root must be 32 bytes");
  h.set(root, 36);
  putLE32(h, 68, ntime, "ntime");
  putLE32(h, 72, nbits, "nbits");
  putLE32(h, 76, nonce, "nonce");
  return h;
}

export function buildHeader(f: HeaderFields): Uint8Array {
  const root = typeof f.merkleRoot === "string" ? fixedHex(f.merkleRoot, 32, "merkle root") : f.merkleRoot;
  return writeHeader(f.version, headerPrevhash(f.prevhash), root, f.ntime, f.nbits, f.nonce);
}

const u32 = (hex: string, field: string): number => {
  fixedHex(hex, 4, field);
  return parseInt(hex, 16) >>> 0;
};
const hex32 = (n: number): string => (n >>> 0).toString(16).padStart(8, "0");

/**
 * BIP310 version rolling: `(job & ~mask) | (bits & mask)`. No bits → the job version. No mask
 * (configure not seen) → the BIP320 default mask.
 */
export function rollVersion(jobVersionHex: string, versionBitsHex: string | null, maskHex: string | null): string {
  const job = u32(jobVersionHex, "version");
  if (versionBitsHex === null) return hex32(job);
  const bits = u32(versionBitsHex, "version_bits");
  const mask = u32(maskHex ?? DEFAULT_VERSION_MASK, "version mask");
  return hex32((job & ~mask) | (bits & mask));
}

/** True when the rolled bits stay inside the negotiated mask (pools reject the rest). */
export function versionBitsWithinMask(versionBitsHex: string, maskHex: string): boolean {
  return ((u32(versionBitsHex, "version_bits") & ~u32(maskHex, "version mask")) >>> 0) === 0;
}

/** Raw hash bytes → display order (full byte reverse). */
export function hashToDisplayHex(hash: Uint8Array): string {
  return bytesToHex(Uint8Array.from(hash).reverse());
}

/** The hash as a little-endian 256-bit integer, as a double (relative error ~1e-16). */
function hashAsNumber(hash: Uint8Array): number {
  const dv = new DataView(hash.buffer, hash.byteOffset, 32);
  let v = 0;
  for (let i = 28; i >= 0; i -= 4) v = v * 4294967296 + dv.getUint32(i, true);
  return v;
}

/** Share difficulty 0xFFFF·2^208 / hash. A zero hash gives Infinity. */
export function hashDifficulty(hash: Uint8Array): number {
  if (hash.length !== 32) throw new RangeError("hash must be 32 bytes");
  return DIFF1_NUMBER / hashAsNumber(hash);
}

/** Compact nbits (big-endian hex) → target: mantissa·256^(exponent−3). Negative encodings → 0. */
export function nbitsToTarget(nbits: string): bigint {
  const n = u32(nbits, "nbits");
  const exp = n >>> 24;
  const mantissa = BigInt(n & 0x007fffff);
  if (n & 0x00800000) return 0n;
  return exp >= 3 ? mantissa << BigInt(8 * (exp - 3)) : mantissa >> BigInt(8 * (3 - exp));
}

/** Difficulty of a target, e.g. the network difficulty from `nbitsToTarget`. */
export function targetToDifficulty(target: bigint): number {
  return target === 0n ? Infinity : DIFF1_NUMBER / Number(target);
}

/** Merkle root (header byte order) for one extranonce pair of a job. */
export function jobMerkleRoot(job: NotifyJob, extranonce1: string, extranonce2: string): Uint8Array {
  const coinbase = buildCoinbase(job.coinb1, extranonce1, extranonce2, job.coinb2);
  return merkleRoot(sha256d(coinbase), job.merkle_branch);
}

/** The parts of a job every share of it has in common, as bytes: decoded once per job, not once per share. */
export interface PreparedJob {
  job: NotifyJob;
  coinb1: Uint8Array;
  coinb2: Uint8Array;
  branches: Uint8Array[];
  /** Header byte order. */
  prevhash: Uint8Array;
}

export function prepareJob(job: NotifyJob): PreparedJob {
  return {
    job,
    coinb1: hexToBytes(job.coinb1),
    coinb2: hexToBytes(job.coinb2),
    branches: job.merkle_branch.map((b) => fixedHex(b, 32, "merkle branch")),
    prevhash: headerPrevhash(job.prevhash),
  };
}

/** A share's hash from a prepared job, with the merkle root it used (header byte order). Throws RangeError on bad hex. */
export function preparedShareHash(
  p: PreparedJob,
  extranonce1: string,
  submit: SubmitFields,
  versionMask: string | null,
): ShareHash & { root: Uint8Array } {
  const en = hexToBytes(extranonce1 + submit.extranonce2);
  const coinbase = new Uint8Array(p.coinb1.length + en.length + p.coinb2.length);
  coinbase.set(p.coinb1, 0);
  coinbase.set(en, p.coinb1.length);
  coinbase.set(p.coinb2, p.coinb1.length + en.length);
  const root = merkleRoot(sha256d(coinbase), p.branches);
  const version = rollVersion(p.job.version, submit.version_bits, versionMask);
  const hash = sha256d(writeHeader(version, p.prevhash, root, submit.ntime, p.job.nbits, submit.nonce));
  return { hash, hashHex: hashToDisplayHex(hash), difficulty: hashDifficulty(hash), root };
}

/**
 * The hash a pool computes for a submit. Throws RangeError on malformed hex fields.
 * `versionMask` is the negotiated mask (null → BIP320 default when version_bits are sent).
 */
export function shareHash(a: {
  job: NotifyJob;
  extranonce1: string;
  submit: SubmitFields;
  versionMask: string | null;
}): ShareHash {
  const { hash, hashHex, difficulty } = preparedShareHash(prepareJob(a.job), a.extranonce1, a.submit, a.versionMask);
  return { hash, hashHex, difficulty };
}
