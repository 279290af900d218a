import { expect, test } from "bun:test";
import { CaptureStore } from "../../src/capture/store";
import type { SessionView } from "../../src/sessions/record";
import { Sessions, type SessionChange } from "../../src/sessions/sessions";

/** The sessions owner: each named operation changes exactly what it says, and says so in one change event. */

const upstream = { host: "127.0.0.1", port: 3333, tls: false };

function owner() {
  const events: { id: string; change: SessionChange }[] = [];
  const sessions = new Sessions((s, change) => events.push({ id: s.id, change }));
  const s = sessions.open({ id: "s1", miner_addr: "10.0.0.1:1", upstream });
  /** A deep copy of the record as it is now, to compare what an operation changed. */
  const snap = (): SessionView => structuredClone(sessions.get("s1")!);
  return { sessions, events, s, snap };
}

/** The record's fields that differ between two snapshots (nested ones by path). */
function changedPaths(a: unknown, b: unknown, path = ""): string[] {
  if (typeof a === "object" && a !== null && typeof b === "object" && b !== null && !Array.isArray(a)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) => changedPaths((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [path];
}

test("open: a new record, all switches off, one `opened` event", () => {
  const { events, s } = owner();
  expect(s.state).toBe("connecting");
  expect(s.broadcast).toEqual({ enabled: false, repeat_count: 1 });
  expect(s.auto_replay).toEqual({ enabled: false, count: 1 });
  expect(events).toEqual([{ id: "s1", change: { kind: "opened" } }]);
});

test("markLive, learn, setSwitch, close: each changes only its fields and emits its event at once", () => {
  const { sessions, events, snap } = owner();
  events.length = 0;

  let before = snap();
  sessions.markLive("s1", "127.0.0.1:3333");
  expect(changedPaths(before, snap()).sort()).toEqual(["state", "upstream_addr"]);
  expect(events.pop()).toEqual({ id: "s1", change: { kind: "live" } });

  before = snap();
  sessions.learn("s1", { user_agent: "cgminer/4", workers: ["w.1"], difficulty: 512 });
  expect(changedPaths(before, snap()).sort()).toEqual(["difficulty", "user_agent", "workers"]);
  expect(events.pop()).toEqual({ id: "s1", change: { kind: "learned", facts: ["user_agent", "difficulty", "workers"] } });
  // Learning what is already known changes nothing and says nothing.
  sessions.learn("s1", { user_agent: "cgminer/4", workers: ["w.1"] });
  expect(events).toEqual([]);

  before = snap();
  expect(sessions.setSwitch("s1", "auto_replay", { enabled: true, count: 3 })?.auto_replay).toEqual({ enabled: true, count: 3 });
  expect(changedPaths(before, snap()).sort()).toEqual(["auto_replay.count", "auto_replay.enabled"]);
  expect(events.pop()).toEqual({ id: "s1", change: { kind: "switch", name: "auto_replay" } });

  before = snap();
  const value = { enabled: true, repeat_count: 2 };
  sessions.setSwitch("s1", "broadcast", value);
  value.repeat_count = 99; // the caller's object is not the record's
  expect(sessions.get("s1")!.broadcast).toEqual({ enabled: true, repeat_count: 2 });
  expect(changedPaths(before, snap()).sort()).toEqual(["broadcast.enabled", "broadcast.repeat_count"]);
  expect(events.pop()).toEqual({ id: "s1", change: { kind: "switch", name: "broadcast" } });

  before = snap();
  expect(sessions.close("s1", "miner_closed", null)).toBe(true);
  expect(changedPaths(before, snap()).sort()).toEqual(["close_reason", "closed_at", "state"]);
  expect(events.pop()).toEqual({ id: "s1", change: { kind: "closed", reason: "miner_closed" } });
  // The first reason wins: a second close changes nothing and says nothing.
  expect(sessions.close("s1", "pool_closed", "later")).toBe(false);
  expect(sessions.get("s1")!.close_reason).toBe("miner_closed");
  expect(events).toEqual([]);
  // The switch stays on the closed record: its history says what it was.
  expect(sessions.get("s1")!.auto_replay).toEqual({ enabled: true, count: 3 });
});

test("addBytes, dropCaptured, countMessage: counters move at once, one coalesced `counters` event per session per turn", async () => {
  const { sessions, events, snap } = owner();
  sessions.open({ id: "s2", miner_addr: "10.0.0.1:2", upstream });
  events.length = 0;
  const before = snap();
  for (let i = 0; i < 1000; i++) {
    sessions.addBytes("s1", "up", 10);
    sessions.addBytes("s1", "down", 3);
  }
  sessions.addBytes("s2", "down", 7);
  sessions.dropCaptured("s1", 5);
  sessions.countMessage("s1", { up: true, parseError: false, submit: true, answer: null, ts: "2026-12-02T07:00:00.000Z" });
  sessions.countMessage("s1", { up: false, parseError: true, submit: false, answer: "accepted", ts: "2026-12-02T07:00:01.000Z" });
  sessions.countMessage("s1", { up: false, parseError: false, submit: false, answer: "rejected", ts: "2026-12-02T07:00:02.000Z" });
  const after = snap();
  expect(after.counters).toEqual({
    messages_up: 1,
    messages_down: 2,
    bytes_up: 10_000,
    bytes_down: 3_000,
    parse_errors: 1,
    submits: 1,
    accepted: 1,
    rejected: 1,
    capture_dropped_bytes: 5,
  });
  expect(after.last_seen).toBe("2026-12-02T07:00:02.000Z");
  expect(changedPaths(before, after).filter((p) => !p.startsWith("counters.")).sort()).toEqual(["last_seen"]);
  expect(sessions.get("s2")!.counters.bytes_down).toBe(7);
  // Nothing yet: 2,005 changes in this turn become one event per session on the next.
  expect(events).toEqual([]);
  await new Promise<void>((r) => setImmediate(r));
  expect(events).toEqual([
    { id: "s1", change: { kind: "counters" } },
    { id: "s2", change: { kind: "counters" } },
  ]);
  await new Promise<void>((r) => setImmediate(r));
  expect(events.length).toBe(2);
  // flushCounters sends what is pending now (shutdown, export); nothing when nothing moved.
  sessions.addBytes("s2", "up", 1);
  sessions.flushCounters();
  expect(events.pop()).toEqual({ id: "s2", change: { kind: "counters" } });
  sessions.flushCounters();
  expect(events.length).toBe(2);
});

test("unknown sessions: every operation is a no-op without an event", () => {
  const { sessions, events } = owner();
  events.length = 0;
  sessions.addBytes("nope", "up", 1);
  sessions.countMessage("nope", { up: true, parseError: false, submit: false, answer: null, ts: "x" });
  sessions.learn("nope", { user_agent: "x" });
  expect(sessions.setSwitch("nope", "broadcast", { enabled: true, repeat_count: 1 })).toBeUndefined();
  expect(sessions.close("nope", "error", null)).toBe(false);
  sessions.markLive("nope", "x");
  sessions.flushCounters();
  expect(events).toEqual([]);
});

test("readers cannot change a record: read-only to the compiler, and its list frozen at run time", () => {
  const { sessions } = owner();
  sessions.learn("s1", { workers: ["w.1"] });
  const s = sessions.get("s1")!;
  const attempts = [
    // @ts-expect-error counters are read-only outside src/sessions/
    () => (s.counters.bytes_up += 1),
    // @ts-expect-error so are the switches
    () => (s.auto_replay.enabled = true),
    // @ts-expect-error and every top-level field
    () => (s.state = "closed"),
  ];
  expect(attempts.length).toBe(3); // (the type errors above are the test: `bun run typecheck` fails without them)
  expect(() => s.workers.push("w.2")).toThrow(TypeError);
  expect(sessions.get("s1")!.workers).toEqual(["w.1"]);
});

test("the store's hub carries each change with its session (what the writer, live views and auto-replay listen to)", () => {
  const store = new CaptureStore({ maxMessages: 10, maxPerSession: 10, maxSessions: 10 });
  const got: string[] = [];
  store.events.on((e) => e.type === "session" && got.push(`${e.session.id}:${e.change.kind}`));
  store.openSession({ id: "a", miner_addr: "m", upstream });
  store.markLive("a", "p:1");
  store.sessions.setSwitch("a", "broadcast", { enabled: true, repeat_count: 1 });
  store.closeSession("a", "pool_closed", null);
  expect(got).toEqual(["a:opened", "a:live", "a:switch", "a:closed"]);
});
