import { expect, test } from "bun:test";
import { generateSecretKey } from "nostr-tools/pure";
import { FleetRegistry, type FleetUpdate } from "../../src/mitm/fleet";
import { buildTelemetryEvent, type TelemetryContent } from "../../src/nostr/events";
import { telemetryContent } from "../nostr/helpers";

const sk = generateSecretKey();
const report = (agent: string, ts: string): { c: TelemetryContent; e: ReturnType<typeof buildTelemetryEvent> } => {
  const c = { ...telemetryContent(agent), ts };
  return { c, e: buildTelemetryEvent(c, sk) };
};

test("online within 3 intervals of the last report; the sweep publishes each change once", () => {
  const f = new FleetRegistry({ intervalSec: 5 });
  const updates: FleetUpdate[] = [];
  f.updates.on((u) => updates.push(u));
  const t0 = Date.now();
  const { c, e } = report("a1", new Date(t0).toISOString());
  f.ingest(c, e, t0);
  expect(updates.length).toBe(1);
  expect(f.get("a1", t0 + 14_999)!.online).toBe(true);
  expect(f.get("a1", t0 + 15_000)!.online).toBe(false);
  f.sweep(t0 + 10_000);
  expect(updates.length).toBe(1); // still online: nothing new
  f.sweep(t0 + 15_000);
  expect(updates.length).toBe(2);
  expect(updates[1]).toMatchObject({ type: "agent", agent: { agent_id: "a1", online: false } });
  f.sweep(t0 + 20_000);
  expect(updates.length).toBe(2);
  expect(f.counts(t0 + 20_000)).toEqual({ online: 0, total: 1 });
});

test("an older report does not replace the newest; a report stored long ago does not make its agent look alive", () => {
  const f = new FleetRegistry({ intervalSec: 1 });
  const now = Date.now();
  const newer = report("a1", new Date(now).toISOString());
  const older = report("a1", new Date(now - 500).toISOString());
  f.ingest(newer.c, newer.e, now);
  f.ingest(older.c, older.e, now + 10);
  expect(f.get("a1")!.ts).toBe(newer.c.ts);
  expect(f.counters().stale).toBe(1);
  expect(f.history("a1")!.length).toBe(2);

  const oldC = { ...telemetryContent("a-old"), ts: new Date(now - 60_000).toISOString() };
  const oldE = { ...buildTelemetryEvent(oldC, sk), created_at: Math.floor((now - 60_000) / 1000) };
  f.ingest(oldC, oldE, now);
  expect(f.get("a-old", now)!.online).toBe(false);
});

test("agents and history are bounded", () => {
  const f = new FleetRegistry({ intervalSec: 5, maxAgents: 3, historySize: 2 });
  const t = Date.now();
  for (let i = 0; i < 5; i++) {
    const r = report(`a${i}`, new Date(t + i).toISOString());
    f.ingest(r.c, r.e, t + i);
  }
  expect(f.list().map((a) => a.agent_id)).toEqual(["a2", "a3", "a4"]);
  expect(f.counters().evicted).toBe(2);
  for (let i = 0; i < 4; i++) {
    const r = report("a4", new Date(t + 10 + i).toISOString());
    f.ingest(r.c, r.e, t + 10 + i);
  }
  expect(f.history("a4")!.length).toBe(2);
  expect(f.get("a4")!.reports).toBe(5);
});

test("an agent id belongs to its key while online: another key's reports are refused and counted; after it goes offline a new key takes the id", () => {
  const f = new FleetRegistry({ intervalSec: 1 });
  const t0 = Date.now();
  const mine = { ...telemetryContent("ams-1"), ts: new Date(t0).toISOString() };
  f.ingest(mine, buildTelemetryEvent(mine, sk), t0);
  const intruderSk = generateSecretKey();
  const forged = { ...telemetryContent("ams-1"), ts: new Date(t0 + 100).toISOString(), region: "evil" };
  const forgedEvent = buildTelemetryEvent(forged, intruderSk);
  f.ingest(forged, forgedEvent, t0 + 100);
  expect(f.get("ams-1", t0 + 100)!.region).toBe(mine.region);
  expect(f.get("ams-1", t0 + 100)!.reports).toBe(1);
  expect(f.counters()).toMatchObject({ received: 1, rejected: { agent_id_taken: 1 } });
  expect(f.history("ams-1")!.length).toBe(1);

  // The first key stops reporting (e.g. the agent restarted with a newly generated key): 3 intervals later the id is free.
  const restarted = { ...telemetryContent("ams-1"), ts: new Date(t0 + 3_100).toISOString(), region: "ams" };
  // (ingest takes verified events; the clock here is simulated, so the event's time is set to match it.)
  const restartedEvent = { ...buildTelemetryEvent(restarted, intruderSk), created_at: Math.floor((t0 + 3_100) / 1000) };
  f.ingest(restarted, restartedEvent, t0 + 3_100);
  expect(f.get("ams-1", t0 + 3_100)).toMatchObject({ online: true, pubkey: restartedEvent.pubkey, reports: 2 });
  expect(f.counters().received).toBe(2);
});
