import { describe, expect, test } from "bun:test";
import { CaptureStore, type NewMessage } from "../../src/capture/store";
import type { Direction } from "../../src/capture/records";

const upstream = { host: "pool", port: 3333, tls: false };

const msg = (session_id: string, raw: string, direction: Direction = "miner_to_pool"): NewMessage => ({
  session_id,
  direction,
  ts: new Date().toISOString(),
  size_bytes: raw.length + 1,
  raw,
  raw_hex: null,
  kind: "notification",
  method: "mining.notify",
  rpc_id: null,
  json: null,
  decoded: null,
  parse_error: null,
  reply_to: null,
  latency_ms: null,
  truncated: false,
  analysis: null,
});

/** Every message findable by id is in its session's list and vice versa. */
function assertConsistent(store: CaptureStore, sessions: string[]): void {
  let inSessions = 0;
  for (const id of sessions) {
    const list = store.query({ session_id: id }, 1_000_000);
    inSessions += list.length;
    for (const m of list) expect(store.getMessage(m.id)).toBe(m);
  }
  expect(inSessions).toBe(store.messageCount);
  expect(store.query({}, 1_000_000).length).toBe(store.messageCount);
}

describe("capture store ring buffers", () => {
  test("global bound evicts the oldest messages from both the global list and their session", () => {
    const store = new CaptureStore({ maxMessages: 10, maxPerSession: 100, maxSessions: 10 });
    store.openSession({ id: "a", miner_addr: "x", upstream });
    store.openSession({ id: "b", miner_addr: "y", upstream });
    for (let i = 0; i < 25; i++) store.add(msg(i % 2 ? "a" : "b", `m${i}`));
    expect(store.messageCount).toBe(10);
    expect(store.getMessage("1")).toBeUndefined();
    expect(store.getMessage("25")?.raw).toBe("m24");
    expect(store.query({ session_id: "a" }, 100).every((m) => m.seq > 15)).toBe(true);
    assertConsistent(store, ["a", "b"]);
  });

  test("per-session bound evicts from that session and from lookup by id", () => {
    const store = new CaptureStore({ maxMessages: 1000, maxPerSession: 5, maxSessions: 10 });
    store.openSession({ id: "a", miner_addr: "x", upstream });
    store.openSession({ id: "b", miner_addr: "y", upstream });
    for (let i = 0; i < 20; i++) store.add(msg("a", `a${i}`));
    store.add(msg("b", "b0"));
    expect(store.query({ session_id: "a" }, 100).map((m) => m.raw)).toEqual(["a19", "a18", "a17", "a16", "a15"]);
    expect(store.getMessage("1")).toBeUndefined();
    expect(store.messageCount).toBe(6);
    assertConsistent(store, ["a", "b"]);
  });

  test("random interleaving keeps the two views consistent and memory bounded", () => {
    const store = new CaptureStore({ maxMessages: 50, maxPerSession: 20, maxSessions: 3 });
    const ids = ["s0", "s1", "s2", "s3", "s4", "s5"];
    let open: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const r = (i * 7919) % 13;
      if (r === 0 && open.length < 3) {
        const id = ids[(i / 13) % ids.length | 0]! + `-${i}`;
        store.openSession({ id, miner_addr: "m", upstream });
        open.push(id);
      } else if (r === 1 && open.length) {
        store.closeSession(open.shift()!, "miner_closed", null);
      } else if (open.length) store.add(msg(open[i % open.length]!, `x${i}`));
    }
    expect(store.messageCount).toBeLessThanOrEqual(50);
    const known = store.listSessions("all").map((s) => s.id);
    expect(store.listSessions("closed").length).toBeLessThanOrEqual(3);
    assertConsistent(store, known);
  });

  test("seq is global and strictly increasing; paging with before has no gaps or duplicates", () => {
    const store = new CaptureStore({ maxMessages: 1000, maxPerSession: 1000, maxSessions: 10 });
    store.openSession({ id: "a", miner_addr: "x", upstream });
    for (let i = 0; i < 250; i++) store.add(msg("a", `m${i}`, i % 2 ? "pool_to_miner" : "miner_to_pool"));
    const seen: number[] = [];
    let before: number | undefined;
    for (let page = 0; page < 10; page++) {
      const rows = store.query({}, 40, before);
      if (!rows.length) break;
      seen.push(...rows.map((m) => m.seq));
      before = rows[rows.length - 1]!.seq;
    }
    expect(seen).toEqual(Array.from({ length: 250 }, (_, i) => 250 - i));
    expect(store.query({ direction: "pool_to_miner" }, 1000).length).toBe(125);
  });

  test("closed sessions are kept up to the bound; evicting one removes its messages", () => {
    const store = new CaptureStore({ maxMessages: 1000, maxPerSession: 100, maxSessions: 2 });
    for (const id of ["a", "b", "c"]) {
      store.openSession({ id, miner_addr: "x", upstream });
      store.add(msg(id, id));
      store.closeSession(id, "pool_closed", null);
    }
    expect(store.listSessions("all").map((s) => s.id)).toEqual(["c", "b"]);
    expect(store.getMessage("1")).toBeUndefined();
    expect(store.messageCount).toBe(2);
    expect(store.sessionsOpened).toBe(3);
  });

  test("the first close reason wins", () => {
    const store = new CaptureStore({ maxMessages: 10, maxPerSession: 10, maxSessions: 10 });
    store.openSession({ id: "a", miner_addr: "x", upstream });
    store.closeSession("a", "disconnected_by_api", null);
    store.closeSession("a", "pool_closed", null);
    expect(store.getSession("a")?.close_reason).toBe("disconnected_by_api");
  });
});
