import {
  bytesToHex,
  nbitsToTarget,
  preparedShareHash,
  prepareJob,
  targetToDifficulty,
  versionBitsWithinMask,
  type PreparedJob,
  type SubmitFields,
} from "../stratum/header";
import type { RequestOf } from "../stratum/methods";
import { isHex } from "../stratum/prevhash";
import { submitOutcome } from "../stratum/outcome";
import type { BookJob, JobBook } from "./job-book";
import { ACCEPTABLE, type SubmitAnalysis, type Verdict } from "./schema";

/**
 * A miner's submit judged the way pools check it (docs/analysis.md), before the pool answers; then the pool's answer
 * compared with that verdict. Pure apart from the job book's duplicate memory.
 */

/** How far past the job's ntime a share's ntime may go (s), as common pool software enforces (bitcoind's 2 h rule). */
export const NTIME_WINDOW_S = 7200;

/** What the verdict reads of a decoded submit (its schema's type). */
export type SubmitFieldsIn = SubmitFields & Pick<RequestOf<"mining.submit">, "job_id">;

const blank = (job_id: string | null): SubmitAnalysis => ({
  type: "submit",
  verdict: "valid",
  reason: null,
  hash: null,
  difficulty: null,
  target_difficulty: null,
  network_difficulty: null,
  job_id,
  job_message_id: null,
  merkle_root: null,
  pool_result: null,
  pool_error: null,
  agrees: null,
});

const judged = (base: SubmitAnalysis, verdict: Verdict, reason: string | null): SubmitAnalysis => ({ ...base, verdict, reason });

/** A submit whose params did not decode. */
export function malformedSubmit(reason: string, jobId: string | null): SubmitAnalysis {
  return judged(blank(jobId), "malformed", reason);
}

export function judgeSubmit(book: JobBook, s: SubmitFieldsIn): SubmitAnalysis {
  const base = blank(s.job_id);
  const entry = book.get(s.job_id);
  if (!entry) return judged(base, "unknown_job", `job ${s.job_id} was never sent on this session (or is too old to remember)`);
  const { job } = entry;
  const target_difficulty = entry.difficulty ?? 1;
  const networkTarget = nbitsToTarget(job.nbits);
  const netDiff = targetToDifficulty(networkTarget);
  const withJob: SubmitAnalysis = { ...base, job_message_id: entry.messageId, target_difficulty, network_difficulty: Number.isFinite(netDiff) ? netDiff : null };
  if (entry.stale) return judged(withJob, "stale", `job ${s.job_id} was replaced by a clean_jobs notify`);
  if (entry.extranonce2_size !== null && !isHex(s.extranonce2, entry.extranonce2_size))
    return judged(withJob, "bad_extranonce2_size", `extranonce2 must be ${entry.extranonce2_size} bytes, got ${s.extranonce2.length / 2}`);
  const dt = parseInt(s.ntime, 16) - parseInt(job.ntime, 16);
  if (!isHex(s.ntime, 4) || dt < 0 || dt > NTIME_WINDOW_S)
    return judged(withJob, "bad_ntime", `ntime ${s.ntime} is ${dt} s from the job's ${job.ntime} (allowed 0..${NTIME_WINDOW_S})`);
  // Without a negotiated mask no bit may be rolled.
  const mask = entry.version_mask ?? "00000000";
  if (s.version_bits !== null && !versionBitsWithinMask(s.version_bits, mask))
    return judged(withJob, "bad_version_bits", `version bits ${s.version_bits} are outside the mask ${mask}`);
  if (entry.extranonce1 === null) return judged(withJob, "unverifiable", "no extranonce1 known for this session (subscribe not seen)");

  let share: ReturnType<typeof preparedShareHash>;
  try {
    share = preparedShareHash(prepared(entry), entry.extranonce1, s, mask);
  } catch (err) {
    // Hex the decoder let through but the header cannot take (e.g. an odd-length extranonce1 from the pool).
    return judged(withJob, "unverifiable", err instanceof Error ? err.message : String(err));
  }
  const { hashHex, difficulty, root } = share;
  // A zero hash has infinite difficulty; JSON cannot carry that, so it is stored as the largest finite number.
  const hashed: SubmitAnalysis = { ...withJob, hash: hashHex, difficulty: Number.isFinite(difficulty) ? difficulty : Number.MAX_VALUE, merkle_root: bytesToHex(root) };
  if (BigInt(`0x${hashHex}`) <= networkTarget) {
    book.remember(entry, shareKey(s));
    return judged(hashed, "block_candidate", null);
  }
  // Pools check the difficulty before the duplicate, and remember only shares that passed it.
  if (difficulty < target_difficulty)
    return judged(hashed, "low_difficulty", `difficulty ${difficulty.toPrecision(6)} is below the job's ${target_difficulty}`);
  if (!book.remember(entry, shareKey(s))) return judged(hashed, "duplicate", "the same share was already submitted for this job");
  return judged(hashed, "valid", null);
}

/** Each job decoded once for all its shares (kept beside the book entry, gone with it). */
const prepCache = new WeakMap<BookJob, PreparedJob>();

function prepared(entry: BookJob): PreparedJob {
  let p = prepCache.get(entry);
  if (!p) prepCache.set(entry, (p = prepareJob(entry.job)));
  return p;
}

const shareKey = (s: SubmitFieldsIn): string =>
  `${s.extranonce2}:${s.ntime}:${s.nonce}:${s.version_bits ?? ""}`.toLowerCase();

/** The submit's analysis once the pool answered it. */
export function withPoolAnswer(a: SubmitAnalysis, result: unknown, error: unknown): SubmitAnalysis {
  const o = submitOutcome(result, error);
  const pool_result = o.ok ? "accepted" : "rejected";
  // An unverifiable share has no truth to compare with.
  const agrees = a.verdict === "unverifiable" ? null : o.ok === ACCEPTABLE.has(a.verdict);
  return { ...a, pool_result, pool_error: o.ok ? null : { code: o.code, message: o.message }, agrees };
}
