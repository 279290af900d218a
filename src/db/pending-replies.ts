/**
 * Requests posted to a worker thread (the database writer and reader), each waiting for the answer that carries its id.
 * Answers come back in any order; a failed thread fails everything still waiting.
 */
export class PendingReplies<T> {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (value: T) => void; reject: (err: Error) => void }>();

  /** A new request id, and the promise its answer settles. */
  open(): [number, Promise<T>] {
    const id = this.nextId++;
    const done = new Promise<T>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    return [id, done];
  }

  /** The answer to `id`: an error message, or null and the value. Unknown ids (already failed) are ignored. */
  settle(id: number, error: string | null, value: T): void {
    const w = this.waiting.get(id);
    this.waiting.delete(id);
    if (error !== null) w?.reject(new Error(error));
    else w?.resolve(value);
  }

  failAll(err: Error): void {
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
  }
}
