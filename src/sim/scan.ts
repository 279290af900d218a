/**
 * Nonce scanning for the simulated miner: one header template per (job, extranonce2, version),
 * nonces written in place, sha256d into a reused buffer. Pure CPU, no I/O.
 */
import { buildHeader, hashDifficulty, jobMerkleRoot, type NotifyJob } from "../stratum/header";

export interface Work {
  job: NotifyJob;
  extranonce1: string;
  extranonce2: string;
  /** Full rolled version (big-endian hex). */
  version: string;
  /** What goes into mining.submit's 6th param, or null when not rolling. */
  versionBits: string | null;
  difficulty: number;
}

export interface Found {
  nonce: string;
  difficulty: number;
}

export class NonceScanner {
  private readonly header: Uint8Array;
  private readonly view: DataView;
  private readonly out = new Uint8Array(32);
  private readonly outView = new DataView(this.out.buffer);
  /** Cheap pre-filter: the hash's top 32 bits must not exceed this (see scan()). */
  private readonly topLimit: number;
  next = 0;
  hashes = 0;

  constructor(readonly work: Work) {
    this.header = buildHeader({
      version: work.version,
      prevhash: work.job.prevhash,
      merkleRoot: jobMerkleRoot(work.job, work.extranonce1, work.extranonce2),
      ntime: work.job.ntime,
      nbits: work.job.nbits,
      nonce: "00000000",
    });
    this.view = new DataView(this.header.buffer);
    // target = 0xFFFF·2^208 / d, so its top 32-bit word is 0xFFFF / 2^16 / d.
    this.topLimit = 0xffff / 65536 / work.difficulty;
  }

  get exhausted(): boolean {
    return this.next > 0xffffffff;
  }

  /** Hashes up to `count` nonces; returns the shares found meeting the work's difficulty. */
  scan(count: number): Found[] {
    const found: Found[] = [];
    const end = Math.min(this.next + count, 0x100000000);
    for (let n = this.next; n < end; n++) {
      this.view.setUint32(76, n, true);
      Bun.SHA256.hash(this.header, this.out);
      Bun.SHA256.hash(this.out, this.out);
      if (this.outView.getUint32(28, true) > this.topLimit) continue;
      const difficulty = hashDifficulty(this.out);
      if (difficulty >= this.work.difficulty) found.push({ nonce: (n >>> 0).toString(16).padStart(8, "0"), difficulty });
    }
    this.hashes += end - this.next;
    this.next = end;
    return found;
  }
}
