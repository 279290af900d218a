import type { NotifyJob } from "../stratum/header";
import type { JobContext } from "./schema";

/**
 * The jobs one session was sent, as a miner keeps them (docs/analysis.md): each with the difficulty, extranonce and
 * version mask in force when it arrived. A `clean_jobs` notify makes every earlier job stale. Bounded in jobs, in remembered
 * shares per job and in bytes (oldest forgotten first), so a hostile pool (64 KiB notifies) or miner cannot grow it.
 */

export type BookJob = JobContext & {
  job: NotifyJob;
  /** The notify params as sent (share events, replay). */
  params: unknown[];
  stale: boolean;
  /** Share keys submitted for this job (duplicate check). */
  shares: Set<string>;
  /** The notify's message id, set once it is stored (links a share to its job). */
  messageId: string | null;
  /** Roughly what this entry holds in memory: its params' strings and its share keys (UTF-16, so two bytes a character). */
  bytes: number;
};

export type JobBookLimits = { maxJobs: number; maxSharesPerJob: number; maxBytes: number };
export const DEFAULT_JOB_BOOK_LIMITS: JobBookLimits = { maxJobs: 64, maxSharesPerJob: 4096, maxBytes: 1024 * 1024 };

/** Two bytes per character of every string in the params (coinbase halves and merkle branches dominate). */
const paramBytes = (params: unknown[]): number => {
  let n = 0;
  for (const p of params) {
    if (typeof p === "string") n += 2 * p.length;
    else if (Array.isArray(p)) for (const b of p) if (typeof b === "string") n += 2 * b.length;
  }
  return n;
};

export class JobBook {
  private readonly jobs = new Map<string, BookJob>();
  /** Sum of the entries' `bytes`. */
  bytes = 0;
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
    this.drop(job.job_id);
    const bytes = paramBytes(params);
    this.jobs.set(job.job_id, { ...ctx, job, params, stale: false, shares: new Set(), messageId: null, bytes });
    this.bytes += bytes;
    // The newest job always stays, whatever its size: a miner works on it.
    while (this.jobs.size > this.limits.maxJobs || (this.bytes > this.limits.maxBytes && this.jobs.size > 1)) this.drop(this.jobs.keys().next().value!);
    return { newBlock };
  }

  get(jobId: string): BookJob | undefined {
    return this.jobs.get(jobId);
  }

  /** Records a share key; false when this job already saw it. */
  remember(entry: BookJob, key: string): boolean {
    if (entry.shares.has(key)) return false;
    entry.shares.add(key);
    this.account(entry, 2 * key.length);
    while (entry.shares.size > 0 && (entry.shares.size > this.limits.maxSharesPerJob || this.bytes > this.limits.maxBytes)) {
      const oldest = entry.shares.values().next().value!;
      entry.shares.delete(oldest);
      this.account(entry, -2 * oldest.length);
    }
    return true;
  }

  private account(entry: BookJob, delta: number): void {
    entry.bytes += delta;
    this.bytes += delta;
  }

  private drop(jobId: string): void {
    const old = this.jobs.get(jobId);
    if (!old) return;
    this.bytes -= old.bytes;
    this.jobs.delete(jobId);
  }
}
