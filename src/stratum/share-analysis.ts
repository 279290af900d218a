import { nbitsToTarget, shareHash, targetToDifficulty, type NotifyJob, type SubmitFields } from "./header";

/**
 * What HashScope itself computes for a miner's submit, the way a pool checks it (SPEC §6): the share's hash and
 * difficulty, the difficulty it had to reach (the one set before its job; 1 until set), and whether it would even
 * solve a block. Pure; the capture runs it after the bytes were forwarded.
 */
export type ShareAnalysis =
  | {
      ok: true;
      /** sha256d(header), display order. */
      hash: string;
      difficulty: number;
      target_difficulty: number;
      meets_target: boolean;
      network_difficulty: number;
      block_candidate: boolean;
    }
  | { ok: false; reason: string };

export type ShareInput = {
  /** The job as notified, or null when this session never saw (or no longer remembers) that job id. */
  job: NotifyJob | null;
  /** Difficulty in force when the job arrived (null: none set yet → 1). */
  jobDifficulty: number | null;
  extranonce1: string | null;
  versionMask: string | null;
  submit: SubmitFields & { job_id: string };
};

export function analyseShare(a: ShareInput): ShareAnalysis {
  if (a.job === null) return { ok: false, reason: `job ${a.submit.job_id} was not seen on this session (or is too old to remember)` };
  if (a.extranonce1 === null) return { ok: false, reason: "no extranonce1 known for this session (subscribe not seen)" };
  try {
    const h = shareHash({ job: a.job, extranonce1: a.extranonce1, submit: a.submit, versionMask: a.versionMask });
    const target = a.jobDifficulty ?? 1;
    const networkTarget = nbitsToTarget(a.job.nbits);
    return {
      ok: true,
      hash: h.hashHex,
      difficulty: h.difficulty,
      target_difficulty: target,
      meets_target: h.difficulty >= target,
      network_difficulty: targetToDifficulty(networkTarget),
      block_candidate: BigInt(`0x${h.hashHex}`) <= networkTarget,
    };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}
