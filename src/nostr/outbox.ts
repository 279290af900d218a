/**
 * One relay's outgoing events: those queued while it is down and those sent but not yet acknowledged with OK (re-sent
 * after a reconnect, so delivery is at-least-once). Bounded in count and bytes; what a bound drops is returned to the
 * caller, which counts it.
 */

export type Out = { id: string; frame: string };

export class Outbox {
  queue: Out[] = [];
  /** Frame bytes in `queue` (kept in enqueue/trim; recounted where the queue is replaced, which is rare). */
  queueBytes = 0;
  readonly inflight = new Map<string, Out>();

  constructor(private readonly maxCount: number, private readonly maxBytes: number) {}

  /** Held for when the relay is back; returns how many of the oldest were dropped to stay in bounds. */
  enqueue(out: Out): number {
    this.queue.push(out);
    this.queueBytes += out.frame.length;
    return this.trim();
  }

  /** Written to the socket; kept until its OK. A relay that never answers OK must not grow us: the oldest is forgotten. */
  sent(out: Out): void {
    this.inflight.set(out.id, out);
    if (this.inflight.size > this.maxCount) {
      const first = this.inflight.keys().next();
      if (!first.done) this.inflight.delete(first.value);
    }
  }

  /** The relay answered OK (true or false); false when the id was not waiting. */
  answered(id: string): boolean {
    return this.inflight.delete(id);
  }

  /** On (re)connect: unacknowledged first (they were sent before the outage), then the queue, in publish order. */
  takeAll(): Out[] {
    const pending = [...this.inflight.values(), ...this.queue];
    this.inflight.clear();
    this.queue = [];
    this.queueBytes = 0;
    return pending;
  }

  /** The socket was lost: what was sent but not acknowledged may be lost with it, so it goes back to the queue's front. */
  requeueUnanswered(): number {
    if (this.inflight.size === 0) return 0;
    this.queue = [...this.inflight.values(), ...this.queue];
    this.queueBytes = this.queue.reduce((n, o) => n + o.frame.length, 0);
    this.inflight.clear();
    return this.trim();
  }

  /** The pool closed: the queue is dropped; returns how many. */
  dropQueue(): number {
    const n = this.queue.length;
    this.queue = [];
    this.queueBytes = 0;
    return n;
  }

  get settled(): boolean {
    return this.queue.length === 0 && this.inflight.size === 0;
  }

  /** Oldest first, past the count or the byte bound (one event always fits). */
  private trim(): number {
    let over = Math.max(0, this.queue.length - this.maxCount);
    let bytes = this.queueBytes;
    for (let i = 0; i < over; i++) bytes -= this.queue[i]!.frame.length;
    while (bytes > this.maxBytes && over < this.queue.length - 1) bytes -= this.queue[over++]!.frame.length;
    if (over > 0) {
      this.queue.splice(0, over);
      this.queueBytes = bytes;
    }
    return over;
  }
}
