/**
 * mining.submit validation for the simulated pool, in the order real pools check: shape, session
 * state, job, field sizes, version bits, duplicate, difficulty. The hash is computed for real.
 */
import { isHex } from "../stratum/prevhash";
import { shareHash, versionBitsWithinMask, type ShareHash } from "../stratum/header";
import type { JobBook } from "./jobs";

export type StratumError = [number, string, null];

export type SubmitVerdict =
  | { ok: true; worker: string; jobId: string; share: ShareHash }
  | { ok: false; worker: string | null; jobId: string | null; error: StratumError; share: ShareHash | null };

export interface SubmitContext {
  subscribed: boolean;
  isAuthorized: (worker: string) => boolean;
  extranonce1: string;
  extranonce2Size: number;
  /** Negotiated by mining.configure; null means version rolling was not negotiated. */
  versionMask: string | null;
  jobs: JobBook;
  /** Difficulty in force when this connection was sent the job. */
  jobDifficulty: (jobId: string) => number | undefined;
}

/** How far ntime may move past the job's ntime (seconds), like common pool software. */
const NTIME_WINDOW_S = 7200;

export function checkSubmit(params: unknown, ctx: SubmitContext): SubmitVerdict {
  const bad = (code: number, msg: string, worker: string | null = null, jobId: string | null = null, share: ShareHash | null = null): SubmitVerdict => ({
    ok: false,
    worker,
    jobId,
    error: [code, msg, null],
    share,
  });
  if (!Array.isArray(params) || params.length < 5 || !params.slice(0, 5).every((p) => typeof p === "string")) {
    return bad(20, "Invalid params");
  }
  const [worker, jobId, extranonce2, ntime, nonce] = params as string[] as [string, string, string, string, string];
  const versionBits: unknown = params[5];
  if (!ctx.subscribed) return bad(25, "Not subscribed", worker, jobId);
  if (!ctx.isAuthorized(worker)) return bad(24, "Unauthorized worker", worker, jobId);
  const job = ctx.jobs.get(jobId);
  const diff = ctx.jobDifficulty(jobId);
  if (!job || diff === undefined) return bad(21, "Job not found", worker, jobId);
  if (!isHex(extranonce2, ctx.extranonce2Size)) return bad(20, "Invalid extranonce2 size", worker, jobId);
  if (!isHex(ntime, 4)) return bad(20, "Invalid ntime", worker, jobId);
  const dt = parseInt(ntime, 16) - parseInt(job.ntime, 16);
  if (dt < 0 || dt > NTIME_WINDOW_S) return bad(20, "Ntime out of range", worker, jobId);
  if (!isHex(nonce, 4)) return bad(20, "Invalid nonce", worker, jobId);
  let bits: string | null = null;
  if (versionBits !== undefined && versionBits !== null) {
    if (typeof versionBits !== "string" || !isHex(versionBits, 4)) return bad(20, "Invalid version bits", worker, jobId);
    if (!versionBitsWithinMask(versionBits, ctx.versionMask ?? "00000000")) {
      return bad(20, "Invalid version bits", worker, jobId);
    }
    bits = versionBits;
  }
  const share = shareHash({
    job,
    extranonce1: ctx.extranonce1,
    submit: { extranonce2, ntime, nonce, version_bits: bits },
    versionMask: ctx.versionMask ?? "00000000",
  });
  const key = `${ctx.extranonce1}:${extranonce2}:${ntime}:${nonce}:${bits ?? ""}`.toLowerCase();
  if (share.difficulty < diff) return bad(23, "Low difficulty share", worker, jobId, share);
  if (!ctx.jobs.remember(jobId, key)) return bad(22, "Duplicate share", worker, jobId, share);
  return { ok: true, worker, jobId, share };
}
