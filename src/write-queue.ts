/** A socket write buffer, shared by the relay, the Stratum client and the simulated pool. */

/**
 * Keeps what `socket.write` did not take and sends it on drain (Bun does not buffer, see stack-notes §1).
 */
export class WriteQueue {
  private chunks: Uint8Array[] = [];
  queued = 0;
  constructor(private readonly write: (b: Uint8Array) => number) {}

  /** Returns false when the socket is closed. */
  push(data: Uint8Array): boolean {
    if (this.queued === 0) {
      const n = this.write(data);
      if (n < 0) return false;
      if (n === data.byteLength) return true;
      data = data.subarray(n);
    }
    this.chunks.push(data);
    this.queued += data.byteLength;
    return true;
  }

  /** Call from the socket's drain handler. */
  flush(): void {
    while (this.chunks.length > 0) {
      const c = this.chunks[0]!;
      const n = this.write(c);
      if (n < 0) return;
      this.queued -= n;
      if (n < c.byteLength) {
        this.chunks[0] = c.subarray(n);
        return;
      }
      this.chunks.shift();
    }
  }
}
