import { afterAll, expect, test } from "bun:test";
import type { MessageRecord } from "../../src/capture/records";
import { ImportError, textLines } from "../../src/db/import";
import { importJsonLinesPg } from "../../src/db/pg/import";
import { openPg } from "../../src/db/pg/open";
import { messageCount } from "../../src/db/pg/reads";
import { Storage } from "../../src/db/storage";
import { line, smallStore, tempDir, upstream } from "../db/fixtures";
import { spawnScript } from "../helpers/procs";
import { freshDatabase, havePg } from "./pg";

const tmp = tempDir();
const dbs: Array<{ drop(): Promise<void> }> = [];
afterAll(async () => {
  for (const d of dbs) await d.drop();
  tmp.cleanup();
});
const fresh = async (tag: string) => {
  const d = await freshDatabase(tag);
  dbs.push(d);
  return d;
};
const noRetention = { days: 0, maxMessages: 0 };
const manualWriter = { flushMs: 3_600_000, batchSize: 1_000_000 };

const parse = (t: string) => t.trim().split("\n").map((l) => JSON.parse(l) as { type: string; close_reason?: string });

async function fill(st: Storage, sessionIds: string[], n: number): Promise<MessageRecord[]> {
  const store = smallStore(st.firstSeq);
  st.attach(store);
  for (const id of sessionIds) store.openSession({ id, miner_addr: `10.9.0.1:${id}`, upstream });
  const out: MessageRecord[] = [];
  for (let i = 0; i < n; i++) out.push(store.add(line(sessionIds[i % sessionIds.length]!, i))!);
  await st.flush();
  return out;
}

test.skipIf(!havePg)("PostgreSQL export → import into another PostgreSQL and into SQLite gives the same export; SQLite → PostgreSQL too; twice changes nothing; conflicts write nothing", async () => {
  const src = await fresh("exp");
  const a = await Storage.connect({ url: src.url, instanceId: "exp", retention: noRetention, writer: manualWriter });
  await fill(a, ["s1", "s2"], 120);
  const fromPg = await new Response(a.exportStream()).text();
  await a.close();
  expect(fromPg.trim().split("\n").length).toBe(2 + 120);

  // Into an empty PostgreSQL database, with the import tool (a child process).
  const dst = await fresh("imp");
  const file = `${tmp.dir}/pg.jsonl`;
  await Bun.write(file, fromPg);
  const run = (url: string) => spawnScript("import", ["src/db/import-main.ts", file], { DATABASE_URL: url, INSTANCE_ID: "importer" });
  const first = run(dst.url);
  expect(await first.proc.exited).toBe(0);
  expect(first.output()).toContain("sessions 2 new, 0 already present; messages 120 new, 0 already present");
  const again = run(dst.url);
  expect(await again.proc.exited).toBe(0);
  expect(again.output()).toContain("sessions 0 new, 2 already present; messages 0 new, 120 already present");
  const b = await Storage.connect({ url: dst.url, instanceId: "imp", retention: noRetention, writer: manualWriter });
  // The sessions were live in the export; this start (instance "imp") leaves instance "importer"'s sessions alone.
  // (Equal records; key order may differ, as it does between memory and SQLite.)
  expect(parse(await new Response(b.exportStream()).text())).toEqual(parse(fromPg));
  await b.close();

  // Into SQLite (the same format both ways).
  const sqliteUrl = tmp.url("from-pg.db");
  const toSqlite = run(sqliteUrl);
  expect(await toSqlite.proc.exited).toBe(0);
  const s = Storage.open({ url: sqliteUrl, retention: noRetention, writer: manualWriter });
  const fromSqlite = await new Response(s.exportStream()).text();
  await s.close();
  // The SQLite start closed the live sessions (restart); messages are identical.
  expect(parse(fromSqlite).filter((x) => x.type === "message")).toEqual(parse(fromPg).filter((x) => x.type === "message"));

  // SQLite → PostgreSQL.
  const sq = Storage.open({ url: tmp.url("native.db"), retention: noRetention, writer: manualWriter });
  await fill(sq, ["q1"], 30);
  const fromNative = await new Response(sq.exportStream()).text();
  await sq.close();
  const dst2 = await fresh("imp2");
  const pg2 = await openPg(dst2.url, 2);
  const r = await importJsonLinesPg(pg2, "importer", textLines(fromNative));
  expect(r).toEqual({ sessions: { inserted: 1, present: 0 }, messages: { inserted: 30, present: 0 } });
  // Now a different capture with the same seqs is a conflict, and nothing is written.
  const sq2 = Storage.open({ url: tmp.url("other.db"), retention: noRetention, writer: manualWriter });
  await fill(sq2, ["other"], 5); // seqs 1..5 again, another capture
  const other = await new Response(sq2.exportStream()).text();
  await sq2.close();
  await expect(importJsonLinesPg(pg2, "importer", textLines(other))).rejects.toBeInstanceOf(ImportError);
  expect(await messageCount(pg2)).toBe(30);
  // Bad lines: nothing written.
  await expect(importJsonLinesPg(pg2, "importer", textLines("{not json\n"))).rejects.toThrow(/line 1: not JSON/);
  await pg2.$client.close();
  // A new run there starts above every imported seq.
  const c = await Storage.connect({ url: dst2.url, instanceId: "after", retention: noRetention, writer: manualWriter });
  expect(c.firstSeq).toBeGreaterThan(30);
  await c.close();
}, 60_000);
