import { nbitsToTarget, targetToDifficulty, type NotifyJob } from "../stratum/header";
import type { RequestOf } from "../stratum/methods";
import { stratumPrevhashToDisplay } from "../stratum/prevhash";
import { decodeJobCoinbase, paysWorker } from "./coinbase";
import { DEFAULT_JOB_BOOK_LIMITS, JobBook, type JobBookLimits } from "./job-book";
import type { BitcoinNetwork } from "./network";
import type { Coinbase, NotifyAnalysis, PaysWorker, SessionContext, SubmitAnalysis } from "./schema";
import { judgeSubmit, malformedSubmit, withPoolAnswer } from "./verdict";

/** One session's analysis state: its job book, fed by the capture after the bytes went out (docs/analysis.md). */

/** What analysis reads of a decoded notify and submit: the schemas' types (stratum/methods.ts). */
export type DecodedNotify = NotifyJob & Pick<RequestOf<"mining.notify">, "clean_jobs">;
export type DecodedSubmit = RequestOf<"mining.submit">;

/** JSON has no Infinity: a difficulty that is not finite (target 0, hash 0) is stored as null. */
const finite = (n: number): number | null => (Number.isFinite(n) ? n : null);

export class SessionAnalyser {
  readonly book: JobBook;

  constructor(private readonly network: BitcoinNetwork, limits: JobBookLimits = DEFAULT_JOB_BOOK_LIMITS) {
    this.book = new JobBook(limits);
  }

  notify(n: DecodedNotify, params: unknown[], facts: SessionContext): NotifyAnalysis {
    const ctx = {
      difficulty: facts.difficulty,
      extranonce1: facts.extranonce1,
      extranonce2_size: facts.extranonce2_size,
      version_mask: facts.version_mask,
    };
    const { newBlock } = this.book.add(n, params, n.clean_jobs, ctx);
    let coinbase: Coinbase | null = null;
    let coinbase_error: string | null = null;
    try {
      coinbase = decodeJobCoinbase(n, facts.extranonce1, facts.extranonce2_size, this.network);
    } catch (err) {
      coinbase_error = err instanceof Error ? err.message : String(err);
    }
    let pays: PaysWorker | null = null;
    if (coinbase) for (const w of facts.workers) if ((pays = paysWorker(coinbase, w, this.network))) break;
    return {
      type: "notify",
      job_id: n.job_id,
      coinbase,
      coinbase_error,
      prevhash: stratumPrevhashToDisplay(n.prevhash),
      network_difficulty: finite(targetToDifficulty(nbitsToTarget(n.nbits))),
      new_block: newBlock,
      clean_jobs: n.clean_jobs,
      pays_worker: pays,
      ...ctx,
    };
  }

  /** `decoded` is null when the submit's params did not decode (`error` says why). */
  submit(decoded: DecodedSubmit | null, error: string | null, rawJobId: unknown): SubmitAnalysis {
    if (decoded === null) return malformedSubmit(error ?? "params do not decode", typeof rawJobId === "string" ? rawJobId : null);
    return judgeSubmit(this.book, decoded);
  }

  answer(a: SubmitAnalysis, result: unknown, error: unknown): SubmitAnalysis {
    return withPoolAnswer(a, result, error);
  }
}
