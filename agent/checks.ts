/**
 * Pool behaviour checks, named as such (docs/nostr.md). Each records the pool's exact answer and whether the pool did
 * what a pool that verifies shares must do:
 * - replay: a miner's share (from HashScope, found on another connection with another extranonce1) submitted on this
 *   connection must be refused. Accepted = the pool credits work it cannot have verified (flagged). When this
 *   connection has the same extranonce1 as the miner's session the share may be valid here: inconclusive.
 * - duplicate: after the pool accepted a share on this connection, the same share again (the event's repeats) must
 *   be refused.
 * - stale: after a clean_jobs notify (new block), a share for the job before it must be refused. The probe's nonce
 *   is arbitrary, so a refusal for another reason (low difficulty) still counts as refused; the answer says which.
 */
import type { TelemetryContent } from "../src/nostr/events.ts";
import type { SubmitResult } from "./stats.ts";
import { reasonKey } from "./stats.ts";

export type ChecksSnapshot = NonNullable<TelemetryContent["checks"]>;
export type CheckName = keyof ChecksSnapshot;
type Verdict = "refused" | "accepted" | "inconclusive";

const MAX_ANSWERS = 20;

/** The pool's answer in words: "accepted", "<code> <message>", "timeout". Null when nothing was answered. */
export function answerOf(r: SubmitResult): string | null {
  if (r.kind === "accepted") return "accepted";
  if (r.kind === "rejected") return reasonKey(r.code, r.message);
  if (r.kind === "timeout") return "timeout";
  return null;
}

export class BehaviourChecks {
  private readonly s: ChecksSnapshot = {
    replay: BehaviourChecks.empty(),
    duplicate: BehaviourChecks.empty(),
    stale: BehaviourChecks.empty(),
  };

  private static empty(): ChecksSnapshot["replay"] {
    return { refused: 0, accepted: 0, inconclusive: 0, answers: {}, last: null };
  }

  /** One share event's results, in the order they were sent (pipelined; a pool answers in order). */
  shareEvent(results: readonly SubmitResult[], sameExtranonce1: boolean): void {
    const firstAnswered = results.findIndex((r) => answerOf(r) !== null && r.kind !== "timeout");
    if (firstAnswered < 0) return;
    const first = results[firstAnswered]!;
    this.record("replay", first, sameExtranonce1 ? "inconclusive" : first.kind === "accepted" ? "accepted" : "refused");
    const acceptedAt = results.findIndex((r) => r.kind === "accepted");
    if (acceptedAt < 0) return;
    for (const r of results.slice(acceptedAt + 1)) {
      if (r.kind === "accepted") this.record("duplicate", r, "accepted");
      else if (r.kind === "rejected") this.record("duplicate", r, "refused");
    }
  }

  stale(r: SubmitResult): void {
    if (r.kind === "accepted") this.record("stale", r, "accepted");
    else if (r.kind === "rejected") this.record("stale", r, "refused");
  }

  snapshot(): ChecksSnapshot {
    const copy = (c: ChecksSnapshot["replay"]) => ({ ...c, answers: { ...c.answers }, last: c.last ? { ...c.last } : null });
    return { replay: copy(this.s.replay), duplicate: copy(this.s.duplicate), stale: copy(this.s.stale) };
  }

  private record(name: CheckName, r: SubmitResult, verdict: Verdict): void {
    const c = this.s[name];
    c[verdict]++;
    const answer = answerOf(r) ?? "none";
    const key = c.answers[answer] === undefined && Object.keys(c.answers).length >= MAX_ANSWERS ? "other" : answer;
    c.answers[key] = (c.answers[key] ?? 0) + 1;
    c.last = { verdict, answer, at: new Date().toISOString() };
  }
}
