import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { RequestPairing, type PendingRequest } from "../../src/capture/pairing";
import type { Direction, RpcId } from "../../src/capture/records";
import type { HashScope } from "../../src/server";
import { startSimPool, type SimPool } from "../../src/sim/pool";
import { startTestHashScope } from "../helpers/hashscope";
import { connectPeer, until } from "../helpers/net";

const req = (messageId: string, direction: Direction = "miner_to_pool"): PendingRequest => ({
  messageId,
  method: "mining.submit",
  direction,
  startMs: Number(messageId),
});

/**
 * The rule HashScope used before: one pending request per (side, id), a reused id replacing the older one. Kept here,
 * as a documented regression case, to show why it was wrong (a miner that reuses one id gets answers on the wrong share).
 */
class ReplacingPairing {
  private readonly pending = new Map<string, PendingRequest>();
  request(_d: Direction, id: RpcId, r: PendingRequest) {
    this.pending.set(String(id), r);
  }
  response(_d: Direction, id: RpcId) {
    const r = this.pending.get(String(id));
    this.pending.delete(String(id));
    return r;
  }
}

/** Two submits with id 4 in flight, then their two answers, in order. */
function overlap(p: { request(d: Direction, id: RpcId, r: PendingRequest): void; response(d: Direction, id: RpcId): PendingRequest | undefined }) {
  p.request("miner_to_pool", 4, req("1"));
  p.request("miner_to_pool", 4, req("2"));
  return [p.response("pool_to_miner", 4)?.messageId, p.response("pool_to_miner", 4)?.messageId];
}

describe("request pairing", () => {
  test("two overlapping requests with one id each get their own answer, first in first out", () => {
    expect(overlap(new RequestPairing())).toEqual(["1", "2"]);
  });

  test("regression: the old replace-on-reuse rule pairs the first answer with the second submit and leaves one unpaired", () => {
    expect(overlap(new ReplacingPairing())).toEqual(["2", undefined]);
  });

  test("ids are kept apart by answering side and by type (4 and \"4\")", () => {
    const p = new RequestPairing();
    p.request("miner_to_pool", 4, req("1"));
    p.request("pool_to_miner", 4, req("2", "pool_to_miner")); // a pool's own request, answered by the miner
    p.request("miner_to_pool", "4", req("3"));
    expect(p.response("miner_to_pool", 4)?.messageId).toBe("2");
    expect(p.response("pool_to_miner", "4")?.messageId).toBe("3");
    expect(p.response("pool_to_miner", 4)?.messageId).toBe("1");
    expect(p.size).toBe(0);
    expect(p.queuedBytes).toBe(0);
  });

  test("at the count bound the oldest request is forgotten and counted", () => {
    const p = new RequestPairing({ maxPending: 3, maxBytes: 1 << 20 });
    for (let i = 1; i <= 5; i++) p.request("miner_to_pool", 4, req(String(i)));
    expect(p.size).toBe(3);
    expect(p.evicted).toBe(2);
    expect(p.response("pool_to_miner", 4)?.messageId).toBe("3");
  });

  test("at the byte bound (hostile long method names) the oldest request is forgotten and counted", () => {
    const p = new RequestPairing({ maxPending: 1000, maxBytes: 10_000 });
    for (let i = 1; i <= 10; i++) p.request("miner_to_pool", i, { ...req(String(i)), method: "x".repeat(2000) });
    expect(p.queuedBytes).toBeLessThanOrEqual(10_000);
    expect(p.evicted).toBeGreaterThan(0);
    expect(p.response("pool_to_miner", 1)).toBeUndefined();
    expect(p.response("pool_to_miner", 10)?.messageId).toBe("10");
  });
});

describe("a miner that reuses one JSON-RPC id (like cpuminer), through HashScope to the simulated pool", () => {
  let pool: SimPool;
  let hs: HashScope;
  beforeAll(async () => {
    pool = await startSimPool({ jobIntervalMs: 0 });
    hs = await startTestHashScope(pool.port);
  });
  afterAll(async () => {
    await hs.stop();
    await pool.stop();
  });

  test("two submits with id 4 sent together: each answer is paired with its own submit, latency on each", async () => {
    const miner = await connectPeer(hs.proxyPort);
    const lines = [
      { id: 1, method: "mining.subscribe", params: ["cpuminer/2.5.1"] },
      { id: 2, method: "mining.authorize", params: ["w1", "x"] },
    ];
    await miner.send(new TextEncoder().encode(lines.map((l) => JSON.stringify(l) + "\n").join("")));
    await until(() => new TextDecoder().decode(miner.received()).includes('"id":2'), 5000, "authorize answer");
    // Both in flight at once; the pool answers them in order with different errors (job unknown, worker unknown).
    const submits =
      JSON.stringify({ id: 4, method: "mining.submit", params: ["w1", "nojob", "00000000", "00000000", "00000000"] }) + "\n" +
      JSON.stringify({ id: 4, method: "mining.submit", params: ["stranger", "nojob", "00000000", "00000000", "00000000"] }) + "\n";
    await miner.send(new TextEncoder().encode(submits));
    const answers = () => hs.store.query({ direction: "pool_to_miner", method: "mining.submit" }, 10).reverse();
    await until(() => answers().length === 2, 5000, "two submit answers captured");
    const sent = hs.store.query({ direction: "miner_to_pool", method: "mining.submit" }, 10).reverse();
    expect(sent.length).toBe(2);
    const [a1, a2] = answers();
    expect(a1!.reply_to).toBe(sent[0]!.id);
    expect(a2!.reply_to).toBe(sent[1]!.id);
    expect((a1!.json as { error: unknown[] }).error[0]).toBe(21); // Job not found: the first submit (worker w1)
    expect((a2!.json as { error: unknown[] }).error[0]).toBe(24); // Unauthorized worker: the second (stranger)
    expect(a1!.latency_ms).not.toBeNull();
    expect(a2!.latency_ms).not.toBeNull();
    expect(hs.store.query({ direction: "pool_to_miner", kind: "response" }, 10).every((m) => m.reply_to !== null)).toBe(true);
    miner.socket.end();
  });
});
