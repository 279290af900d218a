import type { NotifyJob } from "../stratum/header";

/**
 * The jobs one session was sent, as a miner keeps them (docs/analysis.md): each with the difficulty, extranonce and
 * version mask in force when it arrived. A `clean_jobs` notify makes every earlier job stale. Bounded in jobs and in
 * remembered shares per job (oldest forgotten first), so a hostile pool or miner cannot grow it.
 */

export type JobContext = {
  difficulty: number | null;
  extranonce1: string | null;
  extranonce2_size: number | null;
  version_mask: string | null;
};

export type BookJob = JobContext & {
  job: NotifyJob;
  /** The notify params as sent (share events, replay). */
  params: unknown[];
  stale: boolean;
  /** Share keys submitted for this job (duplicate check). */
  shares: Set<string>;
  /** The notify's message id, set once it is stored (links a share to its job). */
  messageId: string | null;
};

export type JobBookLimits = { maxJobs: number; maxSharesPerJob: number };
export const DEFAULT_JOB_BOOK_LIMITS: JobBookLimits = { maxJobs: 64, maxSharesPerJob: 4096 };

export class JobBook {
  private readonly jobs = new Map<string, BookJob>();
  /** prevhash of the latest job, for new-block detection. */
  lastPrevhash: string | null = null;

  constructor(private readonly limits: JobBookLimits = DEFAULT_JOB_BOOK_LIMITS) {}

  get size(): number {
    return this.jobs.size;
  }

  /** Adds a job; returns whether its prevhash differs from the previous job's (a new block; the first job counts). */
  add(job: NotifyJob, params: unknown[], cleanJobs: boolean, ctx: JobContext): { newBlock: boolean } {
    if (cleanJobs) for (const j of this.jobs.values()) j.stale = true;
    const newBlock = this.lastPrevhash !== job.prevhash;
    this.lastPrevhash = job.prevhash;
    // A re-sent job id replaces the old entry (and moves to the back of the eviction order).
    this.jobs.delete(job.job_id);
    this.jobs.set(job.job_id, { ...ctx, job, params, stale: false, shares: new Set(), messageId: null });
    while (this.jobs.size > this.limits.maxJobs) this.jobs.delete(this.jobs.keys().next().value!);
    return { newBlock };
  }

  get(jobId: string): BookJob | undefined {
    return this.jobs.get(jobId);
  }

  /** Records a share key; false when this job already saw it. */
  remember(entry: BookJob, key: string): boolean {
    if (entry.shares.has(key)) return false;
    entry.shares.add(key);
    if (entry.shares.size > this.limits.maxSharesPerJob) entry.shares.delete(entry.shares.values().next().value!);
    return true;
  }
}
