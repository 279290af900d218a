import type { SessionView } from "../sessions/record";
import type { SessionChange } from "../sessions/sessions";

/**
 * Which changed sessions go into the writer's next batch. Every change is saved with the next batch, except that a
 * live session's counters alone (bytes and messages move with nearly every read) are saved at most once per
 * `countersSaveMs`: with 10,000 miners, an upsert per session per batch was ~5,000 a second, as much work for the
 * writer as the messages themselves (BENCHMARKS.md). A deferred save goes out when its window ends, with any other
 * change of that session, at its close, or at shutdown, whichever is first; so the disk's counters of a live session
 * are at most `countersSaveMs` old (what a crash can lose), and final at close.
 */
export class SessionSaves {
  private readonly dirty = new Map<string, SessionView>();
  /** Live sessions by when they were last put in a batch, oldest first (re-inserted on each save). */
  private readonly savedAt = new Map<string, number>();
  /** Live sessions whose counters moved since then, deferred. */
  private readonly late = new Map<string, SessionView>();

  constructor(private readonly countersSaveMs: number) {}

  get size(): number {
    return this.dirty.size;
  }

  changed(s: SessionView, change: SessionChange, nowMs: number): void {
    if (this.dirty.has(s.id)) return; // goes as it is when the batch is taken
    if (change.kind === "counters" && s.closed_at === null) {
      const t = this.savedAt.get(s.id);
      if (t !== undefined && nowMs - t < this.countersSaveMs) {
        this.late.set(s.id, s);
        return;
      }
    }
    this.add(s);
  }

  /** Save `s` with the next batch. */
  add(s: SessionView): void {
    this.late.delete(s.id);
    this.dirty.set(s.id, s);
  }

  /** The sessions for a batch: every changed one and the deferred ones now due. */
  take(nowMs: number): SessionView[] {
    for (const [id, t] of this.savedAt) {
      if (nowMs - t < this.countersSaveMs) break;
      this.savedAt.delete(id);
      const s = this.late.get(id);
      if (s) this.add(s);
    }
    const out = [...this.dirty.values()];
    this.dirty.clear();
    for (const s of out) {
      this.savedAt.delete(s.id);
      if (s.closed_at === null) this.savedAt.set(s.id, nowMs);
    }
    return out;
  }

  /** How long until the oldest save's window ends, when a deferred save waits (null: none waits). */
  nextDueMs(nowMs: number): number | null {
    if (this.late.size === 0) return null;
    for (const t of this.savedAt.values()) return Math.max(1, t + this.countersSaveMs - nowMs);
    return null;
  }
}
