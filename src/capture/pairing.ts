import type { Direction, RpcId } from "./records";

/** A request waiting for its response, keyed by the side that must answer it. */
export type PendingRequest = { messageId: string; method: string; direction: Direction; startMs: number };

/** Which side answers a request sent in `direction`. */
const answeringSide = (direction: Direction): "pool" | "miner" => (direction === "pool_to_miner" ? "miner" : "pool");

/**
 * Pairs JSON-RPC responses with their requests within one session, both ways (pools send requests such as
 * client.get_version too). Bounded: the oldest unanswered request is forgotten first.
 */
export class RequestPairing {
  private readonly pending = new Map<string, PendingRequest>();

  constructor(private readonly max = 4096) {}

  private static key(side: "pool" | "miner", id: RpcId): string {
    return `${side}|${typeof id}|${id}`;
  }

  get size(): number {
    return this.pending.size;
  }

  request(direction: Direction, id: RpcId, req: PendingRequest): void {
    const key = RequestPairing.key(answeringSide(direction), id);
    this.pending.delete(key); // a reused id replaces the older request and moves to the back
    this.pending.set(key, req);
    if (this.pending.size > this.max) this.pending.delete(this.pending.keys().next().value!);
  }

  /** The request a response travelling in `direction` answers, removed from the pending set. */
  response(direction: Direction, id: RpcId): PendingRequest | undefined {
    const side = direction === "pool_to_miner" ? "pool" : "miner";
    const key = RequestPairing.key(side, id);
    const req = this.pending.get(key);
    if (req) this.pending.delete(key);
    return req;
  }
}
