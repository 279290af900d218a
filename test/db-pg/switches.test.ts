import { afterAll, beforeAll, expect, test } from "bun:test";
import { SQL } from "bun";
import { Storage } from "../../src/db/storage";
import { manualWriter, noRetention, smallStore, upstream } from "../db/fixtures";
import { freshDatabase, havePg } from "./pg";

/** PostgreSQL keeps every switch in the session's record JSON; records saved before auto-replay's switch read it as off. */

let db: Awaited<ReturnType<typeof freshDatabase>>;
beforeAll(async () => {
  if (havePg) db = await freshDatabase("switches");
});
afterAll(async () => {
  await db?.drop();
});

const open = () => Storage.connect({ url: db.url, instanceId: "site-a", retention: noRetention, writer: manualWriter });

test.skipIf(!havePg)("PostgreSQL: the switches are saved and read back; a record without auto_replay reads as off", async () => {
  const st = await open();
  const store = smallStore(st.firstSeq);
  st.attach(store);
  for (const id of ["on", "old"]) store.openSession({ id, miner_addr: `10.0.0.1:${id}`, upstream });
  store.sessions.setSwitch("on", "auto_replay", { enabled: true, count: 5 });
  store.sessions.setSwitch("on", "broadcast", { enabled: true, repeat_count: 2 });
  store.closeSession("on", "miner_closed", null);
  store.closeSession("old", "miner_closed", null);
  await st.flush();
  await st.beginShutdown();
  await st.close();

  // As a version before the switch wrote it.
  const sql = new SQL({ url: db.url, max: 1 });
  await sql.unsafe(`UPDATE sessions SET record = (record::jsonb - 'auto_replay')::text WHERE id = 'old'`);
  await sql.close();

  const st2 = await open();
  try {
    const on = await st2.session("on");
    expect(on?.auto_replay).toEqual({ enabled: true, count: 5 });
    expect(on?.broadcast).toEqual({ enabled: true, repeat_count: 2 });
    expect((await st2.session("old"))?.auto_replay).toEqual({ enabled: false, count: 1 });
    const listed = await st2.sessions("all", 10);
    expect(Object.fromEntries(listed.map((s) => [s.id, s.auto_replay]))).toEqual({ on: { enabled: true, count: 5 }, old: { enabled: false, count: 1 } });
  } finally {
    await st2.close();
  }
});
