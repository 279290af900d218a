import { afterAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import path from "node:path";
import { SQL } from "bun";
import { CapturePipeline } from "../../src/capture/ingest";
import type { MessageRecord, SessionRecord } from "../../src/capture/records";
import { matchesSearch } from "../../src/capture/search";
import { openPg } from "../../src/db/pg/open";
import { retainOnce } from "../../src/db/pg/retention";
import { Storage } from "../../src/db/storage";
import { manualWriter, noRetention, smallStore, upstream } from "../db/fixtures";
import { freshDatabase, havePg } from "./pg";

/**
 * A PostgreSQL database written by the previous version (fixtures/make-v0000.ts.txt: drizzle-pg migration 0000, records
 * stored whole) opens with this one (migration 0001 applied) without losing anything, like test/db/upgrade.test.ts.
 */

const FIXTURE = path.join(import.meta.dir, "fixtures");
type Line = ({ type: "session" } & SessionRecord) | ({ type: "message" } & MessageRecord);
const parseLines = (text: string): Line[] => text.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Line);
const dbs: Array<{ drop(): Promise<void> }> = [];
afterAll(async () => {
  for (const d of dbs) await d.drop();
});

test.skipIf(!havePg)("a PostgreSQL database from the previous schema opens, keeps every record as it was, stays searchable, and takes new rows beside the old", async () => {
  const d = await freshDatabase("upgrade");
  dbs.push(d);
  const restore = new SQL({ url: d.url, max: 1 });
  await restore.unsafe(readFileSync(path.join(FIXTURE, "v0000.sql"), "utf8"));
  await restore.close();
  const before = parseLines(readFileSync(path.join(FIXTURE, "v0000.jsonl"), "utf8"));
  const oldMessages = before.filter((l): l is Line & { type: "message" } => l.type === "message");
  expect(oldMessages.length).toBe(68);

  // A reader instance: it closes no other instance's live sessions, so the export is the old one exactly.
  const st = await Storage.connect({ url: d.url, instanceId: "new", retention: noRetention, writer: manualWriter });
  expect(parseLines(await new Response(st.exportStream()).text())).toEqual(before);
  for (const m of oldMessages.slice(0, 10)) expect(await st.message(m.id)).toEqual((({ type: _, ...r }) => r)(m));
  // What q searches in old rows: a job id, an exact hex, a coinbase tag of a notify the capture stored whole.
  for (const q of ["job8", "DEADBEEF", "/slush/", "garbage line 7"]) {
    const want = oldMessages.filter((m) => matchesSearch(m, q)).length;
    expect(want).toBeGreaterThan(0);
    expect({ q, n: (await st.messages({ q }, 1000)).length }).toEqual({ q, n: want });
  }
  const oldNotify = oldMessages.find((m) => m.raw?.includes('"mining.notify"') && m.kind === "notification")!;

  // New rows: the same notify line captured again goes to jobs; old and new rows read and search alike.
  const store = smallStore(st.firstSeq, 1000, 1000);
  st.attach(store);
  store.openSession({ id: "new-1", miner_addr: "10.0.0.3:3", upstream });
  const pipe = new CapturePipeline(store, { maxLineBytes: 65_536, maxBacklogBytes: 1 << 20 });
  pipe.open("new-1");
  pipe.ingest("new-1", "pool_to_miner", new TextEncoder().encode(oldNotify.raw + "\n"), Date.now(), performance.now());
  pipe.drainAll();
  await st.flush();
  const added = (await st.messages({ session_id: "new-1" }, 10))[0]!;
  expect(added.raw).toBe(oldNotify.raw);
  const pg = await openPg(d.url);
  const [row] = (await pg.$client`SELECT job FROM messages WHERE seq = ${added.seq}`) as Array<{ job: string | null }>;
  expect(row!.job).not.toBeNull();
  expect((await st.messages({ q: "/slush/" }, 1000)).length).toBe(oldMessages.filter((m) => matchesSearch(m, "/slush/")).length + 1);

  // Restart of an old instance: its live sessions close as any restart's do; retention removes old and new rows alike.
  await st.close();
  const a = await Storage.connect({ url: d.url, instanceId: "old-a", retention: noRetention, writer: manualWriter });
  expect(a.recoveredSessions).toBe(1);
  await a.close();
  expect((await retainOnce(pg, { days: 0, maxMessages: 1 })).deletedMessages).toBe(68);
  expect(((await pg.$client`SELECT count(*)::int AS n FROM jobs`) as Array<{ n: number }>)[0]!.n).toBe(1);
  await pg.$client.close();
});
