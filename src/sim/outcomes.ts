/** Bounded log of the simulated pool's submit outcomes, with waiting for a matching one (tests). */
import type { StratumError } from "./validate";

export interface SubmitOutcome {
  at: string;
  connId: number;
  worker: string | null;
  jobId: string | null;
  accepted: boolean;
  error: StratumError | null;
  /** Difficulty the share reached (null when it was not hashed). */
  shareDifficulty: number | null;
  /** Difficulty it had to reach. */
  targetDifficulty: number | null;
  hashHex: string | null;
}

export class OutcomeLog {
  /** Oldest first. */
  readonly list: SubmitOutcome[] = [];
  private readonly waiters = new Set<(o: SubmitOutcome) => void>();

  constructor(private readonly max: number) {}

  record(o: SubmitOutcome): void {
    this.list.push(o);
    if (this.list.length > this.max) this.list.splice(0, this.list.length - this.max);
    for (const w of [...this.waiters]) w(o);
  }

  /** Resolves with the first outcome (already logged or future) matching `pred`. */
  waitFor(pred: (o: SubmitOutcome) => boolean, timeoutMs: number): Promise<SubmitOutcome> {
    const found = this.list.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const w = (o: SubmitOutcome) => {
        if (!pred(o)) return;
        this.waiters.delete(w);
        clearTimeout(t);
        resolve(o);
      };
      const t = setTimeout(() => {
        this.waiters.delete(w);
        reject(new Error(`no matching submit outcome within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(w);
    });
  }
}
