import type { Direction, RpcId } from "./records";

/** A request waiting for its response, keyed by the side that must answer it. */
export type PendingRequest = { messageId: string; method: string; direction: Direction; startMs: number };

/** Which side answers a request sent in `direction`. */
const answeringSide = (direction: Direction): "pool" | "miner" => (direction === "pool_to_miner" ? "miner" : "pool");

/** Memory one pending entry is counted at: the method text plus a fixed share for the record and its key. */
const entryBytes = (req: PendingRequest): number => 96 + req.method.length * 2;

export type PairingLimits = { maxPending: number; maxBytes: number };

/**
 * Pairs JSON-RPC responses with their requests within one session, both ways (pools send requests such as
 * client.get_version too), first in, first out per (answering side, id): real miners reuse one id for every submit
 * (cpuminer sends all with id 4), and a pool answers them in order, so the first answer belongs to the oldest request
 * with that id. Bounded in count and bytes: past either bound the oldest id's oldest request is forgotten (counted).
 */
export class RequestPairing {
  private readonly pending = new Map<string, PendingRequest[]>();
  private count = 0;
  private bytes = 0;
  /** Requests forgotten at the bound (their answers, if they come, stay unpaired). */
  evicted = 0;

  constructor(private readonly limits: PairingLimits = { maxPending: 4096, maxBytes: 512 * 1024 }) {}

  private static key(side: "pool" | "miner", id: RpcId): string {
    return `${side}|${typeof id}|${id}`;
  }

  get size(): number {
    return this.count;
  }

  get queuedBytes(): number {
    return this.bytes;
  }

  request(direction: Direction, id: RpcId, req: PendingRequest): void {
    const key = RequestPairing.key(answeringSide(direction), id);
    const q = this.pending.get(key);
    if (q) q.push(req);
    else this.pending.set(key, [req]);
    this.count++;
    this.bytes += entryBytes(req);
    while (this.count > this.limits.maxPending || this.bytes > this.limits.maxBytes) this.evictOldest();
  }

  /** The oldest request a response travelling in `direction` answers, removed from the pending set. */
  response(direction: Direction, id: RpcId): PendingRequest | undefined {
    const side = direction === "pool_to_miner" ? "pool" : "miner";
    const key = RequestPairing.key(side, id);
    const q = this.pending.get(key);
    if (!q) return undefined;
    const req = q.shift()!;
    if (q.length === 0) this.pending.delete(key);
    this.count--;
    this.bytes -= entryBytes(req);
    return req;
  }

  /** The id whose queue was started first holds requests at least as old as any other queue's. */
  private evictOldest(): void {
    const first = this.pending.entries().next();
    if (first.done) return;
    const [key, q] = first.value;
    const req = q.shift()!;
    if (q.length === 0) this.pending.delete(key);
    this.count--;
    this.bytes -= entryBytes(req);
    this.evicted++;
  }
}
