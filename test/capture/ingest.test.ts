import { describe, expect, test } from "bun:test";
import { CapturePipeline } from "../../src/capture/ingest";
import { Hub } from "../../src/capture/hub";
import { CaptureStore } from "../../src/capture/store";

const upstream = { host: "pool", port: 3333, tls: false };
const enc = (s: string) => new TextEncoder().encode(s);

function setup(maxBacklogBytes: number) {
  const store = new CaptureStore({ maxMessages: 10_000, maxPerSession: 10_000, maxSessions: 10 });
  const capture = new CapturePipeline(store, { maxLineBytes: 1024, maxBacklogBytes });
  store.openSession({ id: "s", miner_addr: "m", upstream });
  capture.open("s");
  return { store, capture };
}

describe("capture backlog bound", () => {
  test("chunks past the bound are counted as dropped and capture resynchronises at the next newline", () => {
    const { store, capture } = setup(100);
    const line = (i: number) => `{"id":${i},"method":"mining.suggest_difficulty","params":[${i}]}\n`; // 55-57 bytes
    // The relay hands over chunks faster than capture runs: nothing is decoded in between.
    capture.ingest("s", "miner_to_pool", enc(line(1)), Date.now(), performance.now());
    capture.ingest("s", "miner_to_pool", enc(line(2).slice(0, 20)), Date.now(), performance.now());
    const dropped = enc(line(2).slice(20) + line(3) + line(4));
    capture.ingest("s", "miner_to_pool", dropped, Date.now(), performance.now()); // over the bound
    capture.drainAll();
    capture.ingest("s", "miner_to_pool", enc(line(5)), Date.now(), performance.now());
    capture.drainAll();
    const rows = store.query({ session_id: "s" }, 100).reverse();
    expect(store.getSession("s")!.counters.capture_dropped_bytes).toBe(dropped.byteLength);
    // Line 1 whole; the cut line 2 is reported as what it is (a partial line), never glued to later bytes; line 5 whole.
    expect(rows[0]!.rpc_id).toBe(1);
    expect(rows.at(-1)!.rpc_id).toBe(5);
    expect(rows.at(-1)!.parse_error).toBeNull();
    expect(rows.filter((r) => r.kind === "request" && r.parse_error === null).map((r) => r.rpc_id)).toEqual([1, 5]);
  });

  test("a gap that ends mid-line skips the rest of that line, never gluing pieces of different lines", () => {
    const { store, capture } = setup(100);
    const line = (i: number) => `{"id":${i},"method":"mining.suggest_difficulty","params":[${i}]}\n`;
    capture.ingest("s", "miner_to_pool", enc(line(1)), Date.now(), performance.now());
    capture.ingest("s", "miner_to_pool", enc(line(2) + line(3).slice(0, 30)), Date.now(), performance.now()); // dropped
    capture.drainAll();
    capture.ingest("s", "miner_to_pool", enc(line(3).slice(30) + line(4)), Date.now(), performance.now());
    capture.drainAll();
    const rows = store.query({ session_id: "s" }, 100).reverse();
    expect(rows.map((r) => r.rpc_id)).toEqual([1, 4]);
    expect(rows.every((r) => r.parse_error === null)).toBe(true);
  });

  test("a last line without newline is captured when the session ends", () => {
    const { store, capture } = setup(1 << 20);
    capture.ingest("s", "pool_to_miner", enc('{"id":null,"method":"mining.set_difficulty","params":[2]}'), Date.now(), performance.now());
    capture.drainAll();
    expect(store.messageCount).toBe(0);
    capture.close("s");
    capture.drainAll();
    expect(store.query({}, 10)[0]?.method).toBe("mining.set_difficulty");
    expect(store.getSession("s")!.difficulty).toBe(2);
  });
});

describe("hub", () => {
  test("a subscriber that falls behind by more than its queue is ended, not buffered without bound", async () => {
    const hub = new Hub<number>();
    const ac = new AbortController();
    const sub = hub.subscribe(ac.signal, 10);
    for (let i = 0; i < 50; i++) hub.publish(i);
    const got: number[] = [];
    for await (const batch of sub) got.push(...batch);
    expect(sub.overflowed()).toBe(true);
    expect(got.length).toBeLessThanOrEqual(10);
    expect(hub.size).toBe(0);
  });

  test("abort ends a waiting subscriber", async () => {
    const hub = new Hub<number>();
    const ac = new AbortController();
    const sub = hub.subscribe(ac.signal);
    const done = (async () => {
      for await (const _ of sub);
    })();
    ac.abort();
    await done;
    expect(hub.size).toBe(0);
  });
});
