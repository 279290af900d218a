import type { Direction, MessageRecord } from "./records";
import { FiguresTracker } from "../analysis/figures";
import type { SessionFigures } from "../analysis/schema";

/**
 * The figures of every session and of all together, fed with each captured message (after its analysis). A session's
 * figures outlive its capture state, so closed sessions still show theirs; past MAX_FIGURES the oldest of sessions that
 * have ended are forgotten.
 */
export const MAX_FIGURES = 4096;

export class FiguresRegistry {
  private readonly bySession = new Map<string, FiguresTracker>();
  private readonly total = new FiguresTracker(performance.now(), Date.now());

  /** `isOpen`: whether a session is still being captured (those are never forgotten). */
  constructor(private readonly isOpen: (sessionId: string) => boolean) {}

  open(sessionId: string): void {
    this.bySession.set(sessionId, new FiguresTracker(performance.now(), Date.now()));
    if (this.bySession.size > MAX_FIGURES)
      for (const id of this.bySession.keys()) {
        if (this.bySession.size <= MAX_FIGURES) break;
        if (!this.isOpen(id)) this.bySession.delete(id);
      }
  }

  session(sessionId: string): SessionFigures | null {
    return this.bySession.get(sessionId)?.snapshot(performance.now(), Date.now()) ?? null;
  }

  all(): SessionFigures {
    return this.total.snapshot(performance.now(), Date.now());
  }

  forEach(fn: (sessionId: string, f: FiguresTracker) => void): void {
    for (const [id, f] of this.bySession) fn(id, f);
  }

  /** One captured message; `answered` is the request it answers, when paired. */
  tally(m: MessageRecord, answered: { method: string; direction: Direction } | null, mono: number, wall: number): void {
    const f = this.bySession.get(m.session_id);
    for (const t of f ? [f, this.total] : [this.total]) {
      const a = m.analysis;
      if (a?.type === "submit") {
        if (m.kind === "request") t.submit(a, mono);
        else if (a.pool_result !== null) t.answer(a, mono);
      } else if (a?.type === "notify") t.notify(a, mono, wall);
      // Pool latency: answers to requests that went to the pool.
      if (answered && answered.direction !== "pool_to_miner" && m.latency_ms !== null) t.latencyOf(answered.method, m.latency_ms);
    }
  }
}
