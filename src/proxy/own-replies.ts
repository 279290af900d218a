/**
 * Removes the pool's answers to HashScope's own requests (replays) from the pool→miner byte stream.
 *
 * Idle (no own request pending, nothing held) the filter is a plain pass-through that only remembers whether the
 * last chunk ended a line: one comparison per chunk. While own ids are pending it frames the stream: complete lines
 * that are not own replies are forwarded unchanged (in one buffer per chunk), the line that answers an own id is
 * dropped and handed to its callback, and an unfinished trailing line is held until its newline arrives (bounded:
 * past `maxHeldBytes` it is released and the rest of that line passes through). A stream that was mid-line when
 * filtering began passes through until the next newline, because part of that line is already with the miner.
 */
import { isRecord } from "../stratum/json";

const LF = 0x0a;
const CR = 0x0d;
/** `"hs-` as bytes: every own id is a JSON string starting with this, so other lines skip JSON.parse. */
const MARK = new TextEncoder().encode('"hs-');
const dec = new TextDecoder();

export type OwnReply = { id: string; line: string; json: Record<string, unknown>; monoMs: number };
export type OwnReplyHandler = (reply: OwnReply) => void;

export type OwnReplyOptions = {
  /** Own requests waiting at most (more are refused). */
  maxPending?: number;
  /** Ids given up on (timed out) are still dropped if their answer comes late, for this long. */
  lateMs?: number;
  maxLate?: number;
  maxHeldBytes?: number;
};

/** Own requests waiting at most per session, by default (the relay thread's mirror checks the same bound). */
export const MAX_PENDING_OWN = 1024;

export class OwnReplyFilter {
  private readonly pending = new Map<string, OwnReplyHandler>();
  /** Cancelled ids → until when (monotonic ms) a late answer is still swallowed. */
  private readonly late = new Map<string, number>();
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  /** Inside a line that is already (partly) forwarded: pass bytes through up to the next LF. */
  private passthrough = false;
  private atLineStart = true;
  private active = false;
  private readonly o: Required<OwnReplyOptions>;
  /** Own replies removed from the stream (late ones included). */
  dropped = 0;

  constructor(opts: OwnReplyOptions = {}) {
    this.o = {
      maxPending: opts.maxPending ?? MAX_PENDING_OWN,
      lateMs: opts.lateMs ?? 60_000,
      maxLate: opts.maxLate ?? 1024,
      maxHeldBytes: opts.maxHeldBytes ?? 16 * 1024,
    };
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  get isActive(): boolean {
    return this.active;
  }

  /** Expect an answer to own id `id`; false when too many are pending or the id is taken. */
  expect(id: string, onReply: OwnReplyHandler): boolean {
    if (this.pending.size >= this.o.maxPending || this.pending.has(id)) return false;
    this.pending.set(id, onReply);
    this.late.delete(id);
    if (!this.active) {
      this.active = true;
      this.passthrough = !this.atLineStart;
    }
    return true;
  }

  /**
   * Stop waiting for `id` (timeout); a late answer is still kept from the miner for a while. False when `id` was not
   * pending (its answer was already taken and handed over).
   */
  cancel(id: string, nowMs = performance.now()): boolean {
    if (!this.pending.delete(id)) return false;
    this.late.set(id, nowMs + this.o.lateMs);
    if (this.late.size > this.o.maxLate) this.late.delete(this.late.keys().next().value!);
    return true;
  }

  /** The bytes to forward for `chunk` (the same object when nothing is removed or held). */
  process(chunk: Uint8Array, monoMs: number): Uint8Array {
    if (!this.active) {
      if (chunk.byteLength > 0) this.atLineStart = chunk[chunk.byteLength - 1] === LF;
      return chunk;
    }
    this.expireLate(monoMs);
    const out: Uint8Array[] = [];
    let pos = 0;
    let changed = false;
    while (pos < chunk.byteLength) {
      const lf = chunk.indexOf(LF, pos);
      if (this.passthrough) {
        const end = lf === -1 ? chunk.byteLength : lf + 1;
        out.push(chunk.subarray(pos, end));
        if (lf !== -1) this.passthrough = false;
        pos = end;
        continue;
      }
      if (lf === -1) {
        changed = true;
        this.hold(chunk.subarray(pos), out);
        break;
      }
      const piece = chunk.subarray(pos, lf + 1);
      pos = lf + 1;
      const parts = this.heldBytes > 0 ? [...this.held, piece] : [piece];
      if (this.heldBytes > 0) {
        changed = true;
        this.held = [];
        this.heldBytes = 0;
      }
      if (this.takeOwnReply(parts, monoMs)) changed = true;
      else out.push(...parts);
    }
    if (this.pending.size === 0 && this.late.size === 0 && this.heldBytes === 0) {
      this.active = false;
      this.atLineStart = !this.passthrough;
      this.passthrough = false;
    }
    // Unchanged means every line went out in order, so the pieces are exactly the chunk.
    if (!changed) return chunk;
    return Buffer.concat(out);
  }

  /** Bytes of an unfinished line being held back. */
  get holding(): boolean {
    return this.heldBytes > 0;
  }

  /**
   * Bytes held back (an unfinished line) to forward now: at the end of the stream, or when the line has waited too
   * long for its newline (the relay never delays bytes without bound). The rest of that line then passes through.
   */
  release(): Uint8Array | null {
    if (this.heldBytes === 0) return null;
    const b = Buffer.concat(this.held);
    this.held = [];
    this.heldBytes = 0;
    this.passthrough = true;
    return b;
  }

  private hold(rest: Uint8Array, out: Uint8Array[]): void {
    this.held.push(rest);
    this.heldBytes += rest.byteLength;
    if (this.heldBytes > this.o.maxHeldBytes) {
      // Far longer than any answer to a submit: let it go and pass the rest of the line through.
      out.push(...this.held);
      this.held = [];
      this.heldBytes = 0;
      this.passthrough = true;
    }
  }

  private expireLate(nowMs: number): void {
    for (const [id, until] of this.late) {
      if (until > nowMs) break; // insertion order is expiry order
      this.late.delete(id);
    }
  }

  /** True when the line (split in `parts`, LF included) answers an own id; it is then reported and consumed. */
  private takeOwnReply(parts: Uint8Array[], monoMs: number): boolean {
    if (this.pending.size === 0 && this.late.size === 0) return false;
    const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    if (!contains(bytes, MARK)) return false;
    let end = bytes.byteLength - 1; // the LF
    if (end > 0 && bytes[end - 1] === CR) end--;
    const line = dec.decode(bytes.subarray(0, end));
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      return false;
    }
    if (!isRecord(json)) return false;
    const obj = json;
    const id = obj.id;
    if (typeof id !== "string" || typeof obj.method === "string") return false; // a request from the pool is never ours
    const handler = this.pending.get(id);
    if (handler) {
      this.pending.delete(id);
      this.dropped++;
      try {
        handler({ id, line, json: obj, monoMs });
      } catch (err) {
        console.error("own reply handler failed:", err);
      }
      return true;
    }
    if (this.late.delete(id)) {
      this.dropped++;
      return true;
    }
    return false;
  }
}

function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  const first = needle[0]!;
  for (let i = hay.indexOf(first); i !== -1 && i + needle.byteLength <= hay.byteLength; i = hay.indexOf(first, i + 1)) {
    let k = 1;
    while (k < needle.byteLength && hay[i + k] === needle[k]) k++;
    if (k === needle.byteLength) return true;
  }
  return false;
}

