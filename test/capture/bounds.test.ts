import { describe, expect, test } from "bun:test";
import { Hub } from "../../src/capture/hub";
import { CapturePipeline } from "../../src/capture/ingest";
import { CaptureStore, messageBytes } from "../../src/capture/store";
import { MemoryGuard, MIN_SHED_MS } from "../../src/memory-guard";
import { FaultWatch, writerView } from "../../src/http/faults";

const upstream = { host: "pool", port: 3333, tls: false };
const enc = (s: string) => new TextEncoder().encode(s);
const line = (i: number, pad = 0) => `{"id":${i},"method":"mining.suggest_difficulty","params":[${i}],"x":"${"a".repeat(pad)}"}\n`;

function setup(opts: { maxBytes?: number; backlog?: number; total?: number } = {}) {
  const store = new CaptureStore({ maxMessages: 100_000, maxPerSession: 100_000, maxSessions: 10, maxBytes: opts.maxBytes });
  const capture = new CapturePipeline(store, {
    maxLineBytes: 1 << 20,
    maxBacklogBytes: opts.backlog ?? 1 << 30,
    maxTotalBacklogBytes: opts.total,
  });
  for (const id of ["a", "b"]) {
    store.openSession({ id, miner_addr: "m", upstream });
    capture.open(id);
  }
  return { store, capture };
}

describe("capture store byte bound", () => {
  test("past CAPTURE_MAX_BYTES the oldest messages go first, counted; the byte count follows adds and evictions", () => {
    const { store, capture } = setup({ maxBytes: 200_000 });
    for (let i = 0; i < 200; i++) capture.ingest(i % 2 ? "a" : "b", "miner_to_pool", enc(line(i, 5000)), Date.now(), performance.now());
    capture.drainAll();
    expect(store.bytes).toBeLessThanOrEqual(200_000);
    expect(store.evictedForBytes).toBeGreaterThan(100);
    const held = store.query({}, 1000);
    expect(held.reduce((n, m) => n + messageBytes(m), 0)).toBe(store.bytes);
    expect(held[0]!.rpc_id).toBe(199); // the newest are kept
    store.shrinkTo(0);
    expect(store.bytes).toBe(0);
    expect(store.messageCount).toBe(0);
  });
});

describe("capture backlog bound in all sessions", () => {
  test("past CAPTURE_BACKLOG_TOTAL_BYTES chunks of any session are relayed-only, counted per session and in all", () => {
    const { store, capture } = setup({ total: 1000 });
    const l = enc(line(1, 300)); // ~360 bytes
    for (let i = 0; i < 3; i++) capture.ingest("a", "miner_to_pool", l, Date.now(), performance.now());
    capture.ingest("b", "miner_to_pool", l, Date.now(), performance.now()); // the total is full: b's chunk is dropped too
    expect(capture.backlogBytes).toBeLessThanOrEqual(1000);
    expect(capture.droppedBytes).toBe(2 * l.byteLength);
    expect(store.getSession("b")!.counters.capture_dropped_bytes).toBe(l.byteLength);
    capture.drainAll();
    expect(capture.backlogBytes).toBe(0);
  });

  test("while shedding nothing new is captured (counted as shed), and capture resumes after", () => {
    const { store, capture } = setup();
    capture.setShedding(true);
    capture.ingest("a", "miner_to_pool", enc(line(1)), Date.now(), performance.now());
    capture.drainAll();
    expect(store.messageCount).toBe(0);
    expect(capture.shedBytes).toBe(enc(line(1)).byteLength);
    capture.setShedding(false);
    capture.ingest("a", "miner_to_pool", enc(line(2)), Date.now(), performance.now());
    capture.drainAll();
    expect(store.query({}, 10).map((m) => m.rpc_id)).toEqual([2]);
  });
});

describe("hub byte bound", () => {
  test("a subscriber whose waiting values pass maxBytes is ended, holds nothing more, and the overflow is counted", async () => {
    const hub = new Hub<string>((s) => s.length);
    const ac = new AbortController();
    const sub = hub.subscribe(ac.signal, 1_000_000, 1000);
    for (let i = 0; i < 20; i++) hub.publish("x".repeat(100));
    expect(sub.queuedBytes()).toBe(0); // dropped at the overflow
    expect(hub.size).toBe(0); // no longer listening
    expect(hub.overflows).toBe(1);
    const got: string[] = [];
    for await (const b of sub) got.push(...b);
    expect(got).toEqual([]);
    expect(sub.overflowed()).toBe(true);
  });

  test("a subscriber that keeps up is never ended", async () => {
    const hub = new Hub<string>((s) => s.length);
    const ac = new AbortController();
    const sub = hub.subscribe(ac.signal, 1_000_000, 1000);
    let got = 0;
    for (let i = 0; i < 100; i++) {
      hub.publish("x".repeat(100));
      const r = await sub.next();
      got += (r.value as string[]).length;
    }
    expect(got).toBe(100);
    expect(sub.overflowed()).toBe(false);
    ac.abort();
  });
});

describe("MAX_MEMORY_MB", () => {
  test("past 60 % of the ceiling capture is shed and memory's capture halved; below 45 % of it capture resumes", () => {
    const { store, capture } = setup();
    for (let i = 0; i < 100; i++) capture.ingest("a", "miner_to_pool", enc(line(i, 100)), Date.now(), performance.now());
    capture.drainAll();
    const before = store.bytes;
    let rss = 500;
    const heap = 900; // the heap stays high here: only RSS can end shedding
    const logged: string[] = [];
    const guard = new MemoryGuard(1000, capture, store, (l) => logged.push(l), () => ({ rss, heap }));
    guard.check();
    expect(guard.stats().shedding).toBe(false);
    rss = 601;
    guard.check();
    expect(guard.stats()).toMatchObject({ shedding: true, shed_episodes: 1, rss_bytes: 601 });
    expect(capture.isShedding).toBe(true);
    expect(store.bytes).toBeLessThanOrEqual(before / 2);
    rss = 500; // below the shedding point but above 45 %: still shedding (no flapping)
    guard.check();
    expect(capture.isShedding).toBe(true);
    rss = 440;
    guard.check();
    expect(capture.isShedding).toBe(false);
    expect(logged.length).toBe(2);
    expect(logged[0]).toContain("MAX_MEMORY_MB");
  });

  test("RSS that stays up once the JS heap came down: capture resumes after MIN_SHED_MS, and is shed again only when RSS grows past that floor (or 90 %)", () => {
    const { store, capture } = setup();
    let rss = 620;
    let heap = 500;
    let now = 0;
    const guard = new MemoryGuard(1000, capture, store, () => {}, () => ({ rss, heap }), () => now);
    guard.check();
    expect(guard.stats()).toMatchObject({ shedding: true, shed_episodes: 1 });
    heap = 300; // shedding freed the heap; RSS does not fall (the allocator keeps its pages)
    now = MIN_SHED_MS - 1;
    guard.check();
    expect(capture.isShedding).toBe(true); // not before MIN_SHED_MS
    now = MIN_SHED_MS;
    guard.check();
    expect(capture.isShedding).toBe(false);
    expect(guard.stats().shed_at_bytes).toBe(720); // the RSS it stayed at + 10 % of the ceiling
    rss = 700;
    guard.check();
    expect(capture.isShedding).toBe(false); // still under the new floor: capture goes on
    rss = 721;
    heap = 600;
    guard.check();
    expect(guard.stats()).toMatchObject({ shedding: true, shed_episodes: 2 });
    // Resumed at 880: the next floor is capped at 90 % of the ceiling.
    rss = 880;
    heap = 100;
    now += MIN_SHED_MS;
    guard.check();
    expect(guard.stats()).toMatchObject({ shedding: false, shed_at_bytes: 900 });
    // RSS dipping just under 60 % keeps the raised mark (no flapping around 60 %); well under it, the first mark holds again.
    rss = 590;
    guard.check();
    expect(guard.stats().shed_at_bytes).toBe(900);
    rss = 610;
    guard.check();
    expect(capture.isShedding).toBe(false);
    rss = 490;
    guard.check();
    expect(guard.stats().shed_at_bytes).toBe(600);
  });
});

describe("health faults", () => {
  test("writer counters are read under the storage layer's new names or the writer's older ones", () => {
    expect(writerView({ writer: { queued: 3, dropped: 1, failed_batches: 2, last_error: "disk I/O error" } })).toEqual({
      queued: 3,
      queued_bytes: null,
      max_queued_bytes: null,
      dropped: 1,
      write_failures: 2,
      last_write_error: "disk I/O error",
    });
    expect(
      writerView({ writer: { queued: 0 }, queued_bytes: 10, max_queued_bytes: 100, dropped: 0, write_failures: 4, last_write_error: "SQLITE_FULL" }),
    ).toMatchObject({ queued_bytes: 10, max_queued_bytes: 100, write_failures: 4, last_write_error: "SQLITE_FULL" });
    expect(writerView(null)).toBeNull();
    expect(writerView({ writer: null })).toBeNull();
  });

  test("degraded while writes fail recently, while shedding, and when every recent session failed to reach the pool", () => {
    let now = 0;
    const stats = { writer: { failed_batches: 0, last_error: null as string | null } };
    const store = new CaptureStore({ maxMessages: 10, maxPerSession: 10, maxSessions: 10 });
    const w = new FaultWatch(store.events, () => stats, () => now);
    expect(w.reasons(false)).toEqual([]);
    stats.writer = { failed_batches: 1, last_error: "database or disk is full" };
    expect(w.reasons(false)).toEqual(["database writes failing: database or disk is full"]);
    now = 61_000; // no new failure for a minute: ok again
    expect(w.reasons(false)).toEqual([]);
    expect(w.reasons(true)[0]).toContain("capture shedding");
    for (let i = 0; i < 3; i++) {
      store.openSession({ id: `f${i}`, miner_addr: "m", upstream });
      store.closeSession(`f${i}`, "upstream_failed", "refused", "failed");
    }
    expect(w.reasons(false)).toEqual(["pool unreachable for all recent sessions"]);
    store.openSession({ id: "ok", miner_addr: "m", upstream });
    store.markLive("ok", "pool:1");
    expect(w.reasons(false)).toEqual([]);
    w.stop();
  });
});
