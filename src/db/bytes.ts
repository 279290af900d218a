/** Little byte codecs for compact columns (analysis-pack.ts): bytes, LEB128 varints, doubles, UTF-8 text, hex. */

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export class ByteWriter {
  private buf = new Uint8Array(64);
  private view = new DataView(this.buf.buffer);
  private n = 0;

  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.n + k));
    next.set(this.buf.subarray(0, this.n));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.n++] = b;
  }

  /** A non-negative safe integer, 7 bits a byte. */
  varint(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) throw new Error(`varint: ${v}`);
    while (v >= 0x80) {
      this.byte((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.byte(v);
  }

  double(v: number): void {
    this.room(8);
    this.view.setFloat64(this.n, v, true);
    this.n += 8;
  }

  /** A double that a float32 holds exactly (the caller checked). */
  float(v: number): void {
    this.room(4);
    this.view.setFloat32(this.n, v, true);
    this.n += 4;
  }

  /** A varint byte length, then the UTF-8 (the caller checked the string is well formed). */
  text(s: string): void {
    const utf8 = encoder.encode(s);
    this.varint(utf8.length);
    this.room(utf8.length);
    this.buf.set(utf8, this.n);
    this.n += utf8.length;
  }

  /** Lower-case hex of an even length, as its bytes. */
  hex(h: string): void {
    const b = Buffer.from(h, "hex");
    this.room(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.n);
  }
}

export class ByteReader {
  private readonly view: DataView;
  private at = 0;
  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private take(k: number): number {
    if (this.at + k > this.buf.length) throw new Error("bytes: truncated");
    const at = this.at;
    this.at += k;
    return at;
  }

  byte(): number {
    return this.buf[this.take(1)]!;
  }

  varint(): number {
    let v = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= 0x80;
    }
    throw new Error("bytes: varint too long");
  }

  double(): number {
    return this.view.getFloat64(this.take(8), true);
  }

  float(): number {
    return this.view.getFloat32(this.take(4), true);
  }

  text(): string {
    const len = this.varint();
    const at = this.take(len);
    return decoder.decode(this.buf.subarray(at, at + len));
  }

  hex(len: number): string {
    const at = this.take(len);
    return Buffer.from(this.buf.subarray(at, at + len)).toString("hex");
  }
}
