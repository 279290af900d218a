import { expect, test } from "bun:test";
import { SessionSaves } from "../../src/db/session-saves";
import { Sessions } from "../../src/sessions/sessions";

/** Which sessions the writer's next batch saves: every change, a live session's counters alone at most once per window. */

const upstream = { host: "127.0.0.1", port: 3333, tls: false };
const ids = (list: { id: string }[]) => list.map((s) => s.id).sort();

test("changes go with the next batch; a live session's counters alone wait for their window; close and other changes do not", () => {
  const saves = new SessionSaves(1000);
  const sessions = new Sessions((s, change) => saves.changed(s, change, now));
  let now = 0;
  sessions.open({ id: "a", miner_addr: "m", upstream });
  sessions.open({ id: "b", miner_addr: "m", upstream });
  expect(ids(saves.take(now))).toEqual(["a", "b"]); // opened: saved at once

  now = 10;
  sessions.addBytes("a", "up", 5);
  sessions.flushCounters();
  expect(saves.take(now)).toEqual([]); // saved 10 ms ago: deferred
  expect(saves.nextDueMs(now)).toBe(990);

  now = 20;
  sessions.setSwitch("b", "auto_replay", { enabled: true, count: 2 });
  expect(ids(saves.take(now))).toEqual(["b"]); // any other change: at once

  now = 1000;
  const due = saves.take(now);
  expect(ids(due)).toEqual(["a"]); // the window ended: the deferred counters go
  expect(due[0]!.counters.bytes_up).toBe(5);
  expect(saves.nextDueMs(now)).toBeNull();

  now = 1001;
  sessions.addBytes("b", "down", 1);
  sessions.flushCounters();
  expect(saves.take(now)).toEqual([]);
  sessions.close("b", "pool_closed", null); // the close takes the deferred counters with it
  expect(ids(saves.take(now))).toEqual(["b"]);
  // After the close, counters (capture decoding the last lines) are saved at once: the final ones reach the disk.
  sessions.countMessage("b", { up: false, parseError: false, submit: false, answer: null, ts: "t" });
  sessions.flushCounters();
  expect(ids(saves.take(now))).toEqual(["b"]);
  expect(saves.nextDueMs(now)).toBeNull();
});

test("a session with other changes pending is not deferred by its counters", () => {
  const saves = new SessionSaves(1000);
  const sessions = new Sessions((s, change) => saves.changed(s, change, 0));
  sessions.open({ id: "a", miner_addr: "m", upstream });
  saves.take(0);
  sessions.markLive("a", "p:1");
  sessions.addBytes("a", "up", 1);
  sessions.flushCounters();
  const out = saves.take(0);
  expect(ids(out)).toEqual(["a"]);
  expect(out[0]!.counters.bytes_up).toBe(1);
  expect(saves.nextDueMs(0)).toBeNull();
});
