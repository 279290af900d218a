/**
 * Job generation and bookkeeping for the simulated pool: realistic coinbase halves, merkle branches,
 * stale tracking and duplicate detection, all bounded in memory.
 */
import type { JsonValue } from "../stratum/json";
import { bytesToHex, type NotifyJob } from "../stratum/header";

export interface SimJob extends NotifyJob {
  clean_jobs: boolean;
  height: number;
}

const randomHex = (bytes: number): string => bytesToHex(crypto.getRandomValues(new Uint8Array(bytes)));
const le = (n: number, bytes: number): string => {
  let s = "";
  for (let i = 0; i < bytes; i++) s += ((Math.floor(n / 256 ** i) & 0xff) >>> 0).toString(16).padStart(2, "0");
  return s;
};
const hex32be = (n: number): string => (n >>> 0).toString(16).padStart(8, "0");

/**
 * Coinbase transaction split around the 8 extranonce bytes, as pools do: version, one input spending
 * nothing, scriptSig = BIP34 height ‖ push(extranonce1 ‖ extranonce2) ‖ push(tag), one P2WPKH output.
 */
export function coinbaseParts(height: number, tag: string, extranonceBytes: number, outputScript?: string): { coinb1: string; coinb2: string } {
  const tagHex = bytesToHex(new TextEncoder().encode(tag)).slice(0, 2 * 75);
  const tagPush = le(tagHex.length / 2, 1) + tagHex;
  const heightPush = "03" + le(height, 3);
  const scriptLen = heightPush.length / 2 + 1 + extranonceBytes + tagPush.length / 2;
  const coinb1 =
    "01000000" + "01" + "00".repeat(32) + "ffffffff" + le(scriptLen, 1) + heightPush + le(extranonceBytes, 1);
  const value = le(312_500_000 + Math.floor(Math.random() * 50_000_000), 8); // subsidy + some fees
  const script = outputScript ?? "0014" + randomHex(20);
  const coinb2 = tagPush + "ffffffff" + "01" + value + le(script.length / 2, 1) + script + "00000000";
  return { coinb1, coinb2 };
}

export interface JobBookOptions {
  maxJobs: number;
  maxSharesPerJob: number;
  extranonceBytes: number;
  nbits: string;
  version: string;
  tag: string;
  /** The coinbase output's script (hex); default a random P2WPKH. */
  outputScript?: string;
}

/** Jobs in issue order; a clean job makes all earlier ones stale. */
export class JobBook {
  private readonly jobs = new Map<string, SimJob>();
  private readonly shares = new Map<string, Set<string>>();
  private seq = 0;
  private height = 840_000 + Math.floor(Math.random() * 10_000);
  private prevhash = randomHex(32);
  current: SimJob | null = null;

  constructor(private readonly o: JobBookOptions) {}

  /**
   * The next clean job builds on this block instead of a random one: several simulated pools fed the same blocks
   * (a shared chain, as in the demo) send jobs on the same prevhash and height.
   */
  adopt(height: number, prevhash: string): void {
    this.height = height;
    this.prevhash = prevhash;
    this.adopted = true;
  }
  private adopted = false;

  /** Issues a new job; `clean` starts a new block (new prevhash) and drops the earlier jobs. */
  next(clean: boolean): SimJob {
    if (clean || this.current === null) {
      if (this.current !== null && !this.adopted) {
        this.height++;
        this.prevhash = randomHex(32);
      }
      this.adopted = false;
      this.jobs.clear();
      this.shares.clear();
    }
    const { coinb1, coinb2 } = coinbaseParts(this.height, this.o.tag, this.o.extranonceBytes, this.o.outputScript);
    const branches = Array.from({ length: Math.floor(Math.random() * 4) }, () => randomHex(32));
    const job: SimJob = {
      job_id: (++this.seq).toString(16),
      prevhash: this.prevhash,
      coinb1,
      coinb2,
      merkle_branch: branches,
      version: this.o.version,
      nbits: this.o.nbits,
      ntime: hex32be(Math.floor(Date.now() / 1000)),
      clean_jobs: clean || this.jobs.size === 0,
      height: this.height,
    };
    this.jobs.set(job.job_id, job);
    while (this.jobs.size > this.o.maxJobs) {
      const oldest = this.jobs.keys().next().value;
      if (oldest === undefined) break;
      this.jobs.delete(oldest);
      this.shares.delete(oldest);
    }
    this.current = job;
    return job;
  }

  get(jobId: string): SimJob | undefined {
    return this.jobs.get(jobId);
  }

  has(jobId: string): boolean {
    return this.jobs.has(jobId);
  }

  /** Remembers a share; false when it was seen before. Oldest keys are forgotten past the bound. */
  remember(jobId: string, key: string): boolean {
    let set = this.shares.get(jobId);
    if (!set) this.shares.set(jobId, (set = new Set()));
    if (set.has(key)) return false;
    set.add(key);
    if (set.size > this.o.maxSharesPerJob) {
      const first = set.values().next().value;
      if (first !== undefined) set.delete(first);
    }
    return true;
  }
}

export function notifyParams(job: SimJob, clean: boolean): JsonValue[] {
  return [job.job_id, job.prevhash, job.coinb1, job.coinb2, [...job.merkle_branch], job.version, job.nbits, job.ntime, clean];
}
