import { describe, expect, test } from "bun:test";
import { type FramedLine, LineFramer } from "../../src/stratum/framing";
import { prng } from "../helpers/net";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const texts = (lines: FramedLine[]) => lines.map((l) => dec(l.bytes));


function frameAll(framer: LineFramer, chunks: Uint8Array[]): FramedLine[] {
  const out: FramedLine[] = [];
  for (const c of chunks) out.push(...framer.push(c));
  const last = framer.flush();
  if (last) out.push(last);
  return out;
}

describe("LineFramer", () => {
  test("splits LF lines; size_bytes counts the terminator", () => {
    const f = new LineFramer(1024);
    const lines = f.push(enc('{"id":1}\n{"id":2}\n'));
    expect(texts(lines)).toEqual(['{"id":1}', '{"id":2}']);
    expect(lines.map((l) => l.size_bytes)).toEqual([9, 9]);
    expect(lines.every((l) => !l.truncated)).toBe(true);
    expect(f.pendingBytes).toBe(0);
    expect(f.flush()).toBeNull();
  });

  test("CRLF: one CR trimmed, size includes CR and LF", () => {
    const f = new LineFramer(1024);
    const lines = f.push(enc("abc\r\nx\r\r\n\r\n"));
    expect(texts(lines)).toEqual(["abc", "x\r", ""]);
    expect(lines.map((l) => l.size_bytes)).toEqual([5, 4, 2]);
  });

  test("empty lines are reported", () => {
    const lines = new LineFramer(16).push(enc("\n\n"));
    expect(lines).toHaveLength(2);
    expect(lines.map((l) => [l.bytes.length, l.size_bytes])).toEqual([
      [0, 1],
      [0, 1],
    ]);
  });

  test("a line split across chunks, CR and LF in different chunks", () => {
    const f = new LineFramer(1024);
    expect(f.push(enc('{"id":'))).toEqual([]);
    expect(f.pendingBytes).toBe(6);
    expect(f.push(enc("7}\r"))).toEqual([]);
    expect(f.pendingBytes).toBe(9);
    const lines = f.push(enc("\nnext"));
    expect(texts(lines)).toEqual(['{"id":7}']);
    expect(lines[0]?.size_bytes).toBe(10);
    expect(f.pendingBytes).toBe(4);
  });

  test("no trailing newline: flush returns the partial line once", () => {
    const f = new LineFramer(1024);
    expect(f.push(enc('{"id":1}\n{"id":2}'))).toHaveLength(1);
    const last = f.flush();
    expect(last && dec(last.bytes)).toBe('{"id":2}');
    expect(last?.size_bytes).toBe(8);
    expect(last?.truncated).toBe(false);
    expect(f.flush()).toBeNull();
  });

  test("flush trims a dangling CR but counts it", () => {
    const f = new LineFramer(1024);
    f.push(enc("abc\r"));
    const last = f.flush();
    expect(last && dec(last.bytes)).toBe("abc");
    expect(last?.size_bytes).toBe(4);
  });

  test("lines do not alias the pushed chunk", () => {
    const chunk = enc("hello\n");
    const [line] = new LineFramer(64).push(chunk);
    chunk.fill(0x41);
    expect(line && dec(line.bytes)).toBe("hello");
  });

  test("limit: exactly maxLineBytes is whole, one more is truncated", () => {
    const f = new LineFramer(4);
    const lines = f.push(enc("abcd\nabcd\r\nabcde\n"));
    expect(texts(lines)).toEqual(["abcd", "abcd", "abcd"]);
    expect(lines.map((l) => l.truncated)).toEqual([false, false, true]);
    expect(lines.map((l) => l.size_bytes)).toEqual([5, 6, 6]);
  });

  test("limit across chunks: the CR beyond the kept prefix is still trimmed", () => {
    const f = new LineFramer(4);
    f.push(enc("ab"));
    f.push(enc("cd\r"));
    const [line] = f.push(enc("\n"));
    expect(line && dec(line.bytes)).toBe("abcd");
    expect(line?.truncated).toBe(false);
    expect(line?.size_bytes).toBe(6);
  });

  test("1 MiB+ line: truncated capture, true size, memory bounded", () => {
    const max = 4096;
    const f = new LineFramer(max);
    const block = new Uint8Array(64 * 1024).fill(0x61);
    const total = 1024 * 1024 + 123;
    let fed = 0;
    while (fed + block.length < total) {
      expect(f.push(block)).toEqual([]);
      fed += block.length;
      expect(f.pendingBytes).toBe(fed);
      expect(f.retainedBytes).toBeLessThanOrEqual(max);
    }
    const tail = new Uint8Array(total - fed + 1).fill(0x62);
    tail[tail.length - 1] = 0x0a;
    const lines = f.push(tail);
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line?.truncated).toBe(true);
    expect(line?.size_bytes).toBe(total + 1);
    expect(line?.bytes.length).toBe(max);
    expect(line?.bytes.every((b) => b === 0x61)).toBe(true);
    expect(f.pendingBytes).toBe(0);
    // A later normal line is framed normally.
    expect(texts(f.push(enc("ok\n")))).toEqual(["ok"]);
  });

  test("a huge line in a single chunk is truncated too", () => {
    const big = new Uint8Array(2 * 1024 * 1024 + 1).fill(0x7a);
    big[big.length - 1] = 0x0a;
    const [line] = new LineFramer(1000).push(big);
    expect(line?.bytes.length).toBe(1000);
    expect(line?.size_bytes).toBe(big.length);
    expect(line?.truncated).toBe(true);
  });

  test("truncated partial line at EOF", () => {
    const f = new LineFramer(3);
    f.push(enc("abcdef"));
    expect(f.retainedBytes).toBeLessThanOrEqual(3);
    const last = f.flush();
    expect(last && dec(last.bytes)).toBe("abc");
    expect(last?.size_bytes).toBe(6);
    expect(last?.truncated).toBe(true);
  });

  test("resync drops the partial line and everything up to the next LF", () => {
    const f = new LineFramer(64);
    expect(texts(f.push(enc("one\ntw")))).toEqual(["one"]);
    f.resync();
    expect(f.pendingBytes).toBe(0);
    expect(f.push(enc("o-rest-of-"))).toEqual([]);
    expect(f.pendingBytes).toBe(0);
    expect(texts(f.push(enc("line\nthree\nfo")))).toEqual(["three"]);
    const last = f.flush();
    expect(last && dec(last.bytes)).toBe("fo");
  });

  test("resync then EOF reports nothing", () => {
    const f = new LineFramer(64);
    f.push(enc("abc"));
    f.resync();
    f.push(enc("def"));
    expect(f.flush()).toBeNull();
    expect(texts(f.push(enc("x\n")))).toEqual(["x"]);
  });

  test("resync right before an LF-started chunk drops only that LF", () => {
    const f = new LineFramer(64);
    f.resync();
    expect(texts(f.push(enc("\na\n")))).toEqual(["a"]);
  });
});

describe("LineFramer property: chunking does not matter", () => {
  const ALPHABET = [0x0a, 0x0d, 0x61, 0x7b, 0x22];
  const randomStream = (rnd: () => number): Uint8Array => {
    const n = Math.floor(rnd() * 300);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = rnd() < 0.6 ? (ALPHABET[Math.floor(rnd() * ALPHABET.length)] ?? 0x61) : Math.floor(rnd() * 256);
    }
    return out;
  };
  const randomCuts = (rnd: () => number, data: Uint8Array): Uint8Array[] => {
    const chunks: Uint8Array[] = [];
    let at = 0;
    while (at < data.length) {
      const len = 1 + Math.floor(rnd() * Math.min(40, data.length - at));
      chunks.push(data.subarray(at, at + len));
      at += len;
    }
    return chunks;
  };
  const view = (lines: FramedLine[]) => lines.map((l) => [Array.from(l.bytes), l.size_bytes, l.truncated]);

  test("random streams cut at random points equal one-shot framing (300 seeded cases)", () => {
    const rnd = prng(0x5eed);
    for (let i = 0; i < 300; i++) {
      const data = randomStream(rnd);
      const max = [1, 3, 8, 64, 10_000][i % 5] ?? 8;
      const oneShot = frameAll(new LineFramer(max), [data]);
      const chunked = frameAll(new LineFramer(max), randomCuts(rnd, data));
      expect(view(chunked)).toEqual(view(oneShot));
      expect(chunked.reduce((s, l) => s + l.size_bytes, 0)).toBe(data.length);
    }
  });

  test("with a large limit, lines plus terminators reproduce the input exactly", () => {
    const rnd = prng(42);
    for (let i = 0; i < 300; i++) {
      const data = randomStream(rnd);
      const f = new LineFramer(1 << 20);
      const pushed: FramedLine[] = [];
      for (const c of randomCuts(rnd, data)) pushed.push(...f.push(c));
      const last = f.flush();
      const parts: number[] = [];
      for (const l of pushed) {
        expect(l.truncated).toBe(false);
        parts.push(...l.bytes);
        const term = l.size_bytes - l.bytes.length;
        expect(term === 1 || term === 2).toBe(true);
        if (term === 2) parts.push(0x0d);
        parts.push(0x0a);
      }
      if (last) {
        parts.push(...last.bytes);
        if (last.size_bytes - last.bytes.length === 1) parts.push(0x0d);
      }
      expect(parts).toEqual(Array.from(data));
    }
  });
});
