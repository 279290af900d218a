import { describe, expect, test } from "bun:test";
import { newRingBuffer, RingReader, RingWriter } from "../../src/proxy/thread/ring";
import { prng } from "../helpers/net";

describe("relay ring (single producer, single consumer, bounded in bytes)", () => {
  test("records come out whole and in order across many wrap-arounds; a record that does not fit is refused, not waited for", () => {
    const sab = newRingBuffer(4096);
    const w = new RingWriter(sab);
    const r = new RingReader(sab);
    const rand = prng(8);
    let written = 0;
    let refused = 0;
    const got: number[] = [];
    for (let round = 0; round < 2000; round++) {
      for (let k = Math.floor(rand() * 6); k >= 0; k--) {
        const len = Math.floor(rand() * 700);
        if (w.write(3, written & 1, written, 1000 + written, 2000 + written, new Uint8Array(len).fill(written & 0xff))) written++;
        else refused++;
      }
      expect(w.used).toBeLessThanOrEqual(w.capacity);
      if (rand() < 0.7)
        r.read((rec) => {
          const i = rec.index;
          got.push(i);
          expect(rec.type).toBe(3);
          expect(rec.direction).toBe(i & 1);
          expect(rec.wallMs).toBe(1000 + i);
          expect(rec.monoMs).toBe(2000 + i);
          expect(rec.payload.every((b) => b === (i & 0xff))).toBe(true);
        });
    }
    r.read((rec) => got.push(rec.index));
    expect(got).toEqual(Array.from({ length: written }, (_, i) => i));
    expect(refused).toBeGreaterThan(0); // the bound was reached
    expect(r.used).toBe(0);
  });

  test("a payload in parts is one record; a record bigger than the ring never fits", () => {
    const sab = newRingBuffer(1024);
    const w = new RingWriter(sab);
    const r = new RingReader(sab);
    expect(w.write(1, 0, 7, 0, 0, [new Uint8Array([1, 2]), new Uint8Array([3])])).toBe(true);
    expect(w.write(1, 0, 8, 0, 0, new Uint8Array(2000))).toBe(false);
    const out: number[][] = [];
    r.read((rec) => out.push([rec.index, ...rec.payload]));
    expect(out).toEqual([[7, 1, 2, 3]]);
  });

  test("a sleeping reader is woken by the next record, and only then", async () => {
    const sab = newRingBuffer(1024);
    const w = new RingWriter(sab);
    const r = new RingReader(sab);
    w.write(1, 0, 1, 0, 0, new Uint8Array(1));
    await r.waitForData(); // data waiting: at once, no wake-up needed
    r.read(() => {});
    expect(r.wakeups).toBe(0);
    const woken = r.waitForData();
    setTimeout(() => w.write(1, 0, 2, 0, 0, new Uint8Array(1)), 10);
    await woken;
    expect(r.wakeups).toBe(1);
    w.write(1, 0, 3, 0, 0, new Uint8Array(1)); // the reader is not asleep: no notify
    expect(r.wakeups).toBe(1);
  });
});
