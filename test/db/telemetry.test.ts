import { afterAll, expect, test } from "bun:test";
import { generateSecretKey } from "nostr-tools/pure";
import { FleetRegistry } from "../../src/mitm/fleet";
import { buildTelemetryEvent } from "../../src/nostr/events";
import { openDatabase } from "../../src/db/open";
import { Storage } from "../../src/db/storage";
import { telemetryContent } from "../nostr/helpers";
import { smallStore, tempDir } from "./fixtures";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

test("every verified telemetry report is written to agent_telemetry through the writer thread, once", async () => {
  const url = tmp.url("telemetry.db");
  const st = Storage.open({ url, retention: { days: 0, maxMessages: 0 } });
  st.attach(smallStore(st.firstSeq));
  const fleet = new FleetRegistry({ intervalSec: 5 });
  st.attachFleet(fleet);
  const sk = generateSecretKey();
  const t0 = Date.now();
  const events = ["a1", "a2", "a1"].map((agent, i) => {
    const c = { ...telemetryContent(agent), ts: new Date(t0 + i * 1000).toISOString() };
    return { c, e: buildTelemetryEvent(c, sk) };
  });
  for (const { c, e } of events) fleet.ingest(c, e, t0);
  fleet.ingest(events[0]!.c, events[0]!.e, t0); // the same event again (another relay): stored once
  await st.flush();
  await st.close();
  const db = openDatabase(url);
  const rows = db.$client
    .query<{ event_id: string; agent_id: string; content: string }, []>("SELECT event_id, agent_id, content FROM agent_telemetry ORDER BY ts")
    .all();
  db.$client.close();
  expect(rows.map((r) => r.agent_id)).toEqual(["a1", "a2", "a1"]);
  expect(rows.map((r) => r.event_id)).toEqual(events.map((x) => x.e.id));
  expect(JSON.parse(rows[1]!.content)).toEqual(events[1]!.c);
});
