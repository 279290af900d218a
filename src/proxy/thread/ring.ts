/**
 * A single-producer/single-consumer ring of records in a SharedArrayBuffer, bounded in bytes: the relay thread writes,
 * the main thread reads. Writing is a memcpy and one `Atomics.store`; the consumer is woken (`Atomics.notify`) only
 * when it said it sleeps. A record that does not fit is refused (the caller decides what that means); nothing waits.
 *
 * Layout: a control block of Int32 slots, then `capacity` bytes of records, each 8-byte aligned:
 *   u32 size (header + payload, aligned; 0 = "wrap to the start"), u8 type, u8 direction, u16 unused,
 *   u32 session index, u32 payload length, f64 wall ms, f64 monotonic ms, payload.
 */
const W = 0; // write offset
const R = 1; // read offset
const SLEEPING = 2; // 1 while the consumer waits for a notify
const WAKEUPS = 3; // notifies the writer sent
const CTRL_SLOTS = 8;
const CTRL_BYTES = CTRL_SLOTS * 4;
export const RECORD_HEADER = 32;

export type RingRecord = {
  type: number;
  direction: number;
  index: number;
  wallMs: number;
  monoMs: number;
  /** A view into the ring: valid only until the next `read` returns (copy what you keep). */
  payload: Uint8Array;
};

const align8 = (n: number): number => (n + 7) & ~7;

export function newRingBuffer(capacityBytes: number): SharedArrayBuffer {
  return new SharedArrayBuffer(CTRL_BYTES + align8(Math.max(capacityBytes, 4 * RECORD_HEADER)));
}

class RingView {
  protected readonly ctrl: Int32Array;
  protected readonly bytes: Uint8Array;
  protected readonly view: DataView;
  readonly capacity: number;
  constructor(sab: SharedArrayBuffer) {
    this.ctrl = new Int32Array(sab, 0, CTRL_SLOTS);
    this.bytes = new Uint8Array(sab, CTRL_BYTES);
    this.view = new DataView(sab, CTRL_BYTES);
    this.capacity = this.bytes.byteLength;
  }
  /** Times the writer woke a sleeping consumer. */
  get wakeups(): number {
    return Atomics.load(this.ctrl, WAKEUPS);
  }
  /** Bytes written and not yet read (records and their headers). */
  get used(): number {
    const w = Atomics.load(this.ctrl, W);
    const r = Atomics.load(this.ctrl, R);
    return w >= r ? w - r : this.capacity - r + w;
  }
}

export class RingWriter extends RingView {
  /** Write one record with `parts` as its payload (concatenated); false when it does not fit now. */
  write(type: number, direction: number, index: number, wallMs: number, monoMs: number, parts: Uint8Array | Uint8Array[]): boolean {
    const list = parts instanceof Uint8Array ? [parts] : parts;
    let len = 0;
    for (const p of list) len += p.byteLength;
    const size = align8(RECORD_HEADER + len);
    const cap = this.capacity;
    let w = Atomics.load(this.ctrl, W);
    const r = Atomics.load(this.ctrl, R);
    // One byte always stays free so that w === r means empty.
    if (w >= r) {
      const toEnd = cap - w;
      if (size > toEnd || (size === toEnd && r === 0)) {
        // Does not fit before the end: wrap, if it fits before the reader.
        if (size >= r) return false;
        this.view.setUint32(w, 0, true);
        w = 0;
      }
    } else if (size >= r - w) return false;
    const v = this.view;
    v.setUint32(w, size, true);
    v.setUint8(w + 4, type);
    v.setUint8(w + 5, direction);
    v.setUint32(w + 8, index, true);
    v.setUint32(w + 12, len, true);
    v.setFloat64(w + 16, wallMs, true);
    v.setFloat64(w + 24, monoMs, true);
    let at = w + RECORD_HEADER;
    for (const p of list) {
      this.bytes.set(p, at);
      at += p.byteLength;
    }
    const next = w + size;
    Atomics.store(this.ctrl, W, next === cap ? 0 : next);
    if (Atomics.load(this.ctrl, SLEEPING) === 1) {
      Atomics.store(this.ctrl, SLEEPING, 0);
      Atomics.notify(this.ctrl, W);
      Atomics.add(this.ctrl, WAKEUPS, 1);
    }
    return true;
  }
}

export class RingReader extends RingView {
  /**
   * Hand each waiting record to `fn` (oldest first), at most `maxBytes` of records; returns the bytes read. The space
   * of what was read is given back to the writer at the end (and every 64 KiB, so a long drain frees room early).
   */
  read(fn: (rec: RingRecord) => void, maxBytes = Number.POSITIVE_INFINITY): number {
    const cap = this.capacity;
    const w = Atomics.load(this.ctrl, W);
    let r = Atomics.load(this.ctrl, R);
    let done = 0;
    let sinceStore = 0;
    const v = this.view;
    while (r !== w && done < maxBytes) {
      const size = v.getUint32(r, true);
      if (size === 0) {
        r = 0;
        continue;
      }
      const len = v.getUint32(r + 12, true);
      fn({
        type: v.getUint8(r + 4),
        direction: v.getUint8(r + 5),
        index: v.getUint32(r + 8, true),
        wallMs: v.getFloat64(r + 16, true),
        monoMs: v.getFloat64(r + 24, true),
        payload: this.bytes.subarray(r + RECORD_HEADER, r + RECORD_HEADER + len),
      });
      r += size;
      if (r === cap) r = 0;
      done += size;
      sinceStore += size;
      if (sinceStore >= 65536) {
        Atomics.store(this.ctrl, R, r);
        sinceStore = 0;
      }
    }
    Atomics.store(this.ctrl, R, r);
    return done;
  }

  /**
   * Resolves when there is something to read (at once if there is). Sets the flag that makes the writer notify,
   * then checks again, so a record written in between is not missed.
   */
  async waitForData(): Promise<void> {
    const w = Atomics.load(this.ctrl, W);
    if (w !== Atomics.load(this.ctrl, R)) return;
    Atomics.store(this.ctrl, SLEEPING, 1);
    if (Atomics.load(this.ctrl, W) !== w) {
      Atomics.store(this.ctrl, SLEEPING, 0);
      return;
    }
    const res = Atomics.waitAsync(this.ctrl, W, w);
    if (res.async) await res.value;
    Atomics.store(this.ctrl, SLEEPING, 0);
  }

  /** Wake a `waitForData` (when stopping). */
  wake(): void {
    Atomics.notify(this.ctrl, W);
  }
}
