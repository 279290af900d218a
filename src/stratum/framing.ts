/**
 * Splits a byte stream into LF-terminated lines for capture. The relay forwards bytes itself; this only
 * decides what gets recorded, so memory per connection stays bounded by maxLineBytes however long a line runs.
 */

export type FramedLine = { bytes: Uint8Array; size_bytes: number; truncated: boolean };

const LF = 0x0a;
const CR = 0x0d;
const INITIAL_CAPACITY = 256;

export class LineFramer {
  private readonly max: number;
  /** Kept prefix of the current partial line; grows on demand up to `max` bytes. */
  private buf: Uint8Array = new Uint8Array(0);
  private kept = 0;
  /** True length of the current partial line, including bytes not kept. */
  private pending = 0;
  /** Whether the last byte seen of the partial line was CR (it may lie beyond the kept prefix). */
  private lastWasCR = false;
  /** After resync: drop bytes until the next LF. */
  private discarding = false;

  constructor(maxLineBytes: number) {
    if (!Number.isInteger(maxLineBytes) || maxLineBytes < 0) {
      throw new RangeError(`maxLineBytes must be a non-negative integer, got ${maxLineBytes}`);
    }
    this.max = maxLineBytes;
  }

  get pendingBytes(): number {
    return this.pending;
  }

  /** Memory held for the partial line (never more than maxLineBytes); lets tests and metrics check the bound. */
  get retainedBytes(): number {
    return this.buf.length;
  }

  push(chunk: Uint8Array): FramedLine[] {
    const out: FramedLine[] = [];
    let start = 0;
    while (start < chunk.length) {
      const lf = chunk.indexOf(LF, start);
      const end = lf === -1 ? chunk.length : lf;
      if (this.discarding) {
        if (lf === -1) return out;
        this.discarding = false;
      } else if (lf !== -1 && this.pending === 0) {
        // Fast path: the whole line is inside this chunk; copy only what is kept.
        out.push(lineFrom(chunk, start, end, this.max, end - start + 1));
      } else {
        this.append(chunk, start, end);
        if (lf === -1) return out;
        out.push(this.take(1));
      }
      start = end + 1;
    }
    return out;
  }

  flush(): FramedLine | null {
    if (this.discarding || this.pending === 0) {
      this.discarding = false;
      this.reset();
      return null;
    }
    return this.take(0);
  }

  resync(): void {
    this.reset();
    this.discarding = true;
  }

  private append(chunk: Uint8Array, from: number, to: number): void {
    const n = to - from;
    if (n === 0) return;
    this.pending += n;
    this.lastWasCR = chunk[to - 1] === CR;
    const room = this.max - this.kept;
    if (room <= 0) return;
    const copy = Math.min(room, n);
    this.ensure(this.kept + copy);
    this.buf.set(chunk.subarray(from, from + copy), this.kept);
    this.kept += copy;
  }

  private ensure(capacity: number): void {
    if (this.buf.length >= capacity) return;
    let size = Math.max(this.buf.length * 2, INITIAL_CAPACITY);
    while (size < capacity) size *= 2;
    const next = new Uint8Array(Math.min(size, this.max));
    next.set(this.buf.subarray(0, this.kept));
    this.buf = next;
  }

  /** Emit the partial line; `terminator` is 1 for a LF-ended line, 0 at EOF. */
  private take(terminator: number): FramedLine {
    const content = this.pending - (this.lastWasCR ? 1 : 0);
    const line: FramedLine = {
      bytes: this.buf.slice(0, Math.min(content, this.kept)),
      size_bytes: this.pending + terminator,
      truncated: content > this.max,
    };
    this.reset();
    return line;
  }

  private reset(): void {
    this.pending = 0;
    this.kept = 0;
    this.lastWasCR = false;
    // Drop a big buffer so an idle connection does not hold a long line's worth of memory.
    if (this.buf.length > INITIAL_CAPACITY * 16) this.buf = new Uint8Array(0);
  }
}

function lineFrom(chunk: Uint8Array, start: number, end: number, max: number, size: number): FramedLine {
  const contentEnd = end > start && chunk[end - 1] === CR ? end - 1 : end;
  const content = contentEnd - start;
  return {
    bytes: chunk.slice(start, start + Math.min(content, max)),
    size_bytes: size,
    truncated: content > max,
  };
}
