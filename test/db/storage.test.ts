import { afterAll, expect, test } from "bun:test";
import { matchesFilter, type MessageFilter } from "../../src/capture/query";
import type { MessageRecord, SessionRecord } from "../../src/capture/records";
import { exportStream } from "../../src/db/export";
import { fileLines, ImportError, importJsonLines, textLines } from "../../src/db/import";
import { openDatabase } from "../../src/db/open";
import * as reader from "../../src/db/reader";
import { enforceRetention } from "../../src/db/retention";
import { Storage } from "../../src/db/storage";
import { newerSessionFirst } from "../../src/db/merge";
import { CaptureStore } from "../../src/capture/store";
import { allPages, line, manualWriter, noRetention, smallStore, tempDir, upstream } from "./fixtures";

const tmp = tempDir();
afterAll(() => tmp.cleanup());


/** Every message matching `filter`, oldest first, in `since` pages of `limit` (how a resuming stream reads). */
async function allSince(st: Storage, filter: MessageFilter, limit: number): Promise<MessageRecord[]> {
  const out: MessageRecord[] = [];
  let after = 0;
  for (let i = 0; i < 10_000; i++) {
    const page = await st.since(filter, after, limit);
    if (page.length === 0) break;
    out.push(...page);
    after = page[page.length - 1]!.seq;
  }
  return out;
}

test("paging with `before` (and `since`, oldest first) crosses memory, write queue and disk without gaps or duplicates, for every filter", async () => {
  const st = Storage.open({ url: tmp.url("paging.db"), retention: noRetention, writer: manualWriter });
  const store = smallStore(st.firstSeq);
  st.attach(store);
  const expected: MessageRecord[] = [];
  for (const id of ["a", "b", "c"]) store.openSession({ id, miner_addr: `10.0.0.1:${id}`, upstream });
  for (let i = 0; i < 300; i++) {
    expected.push(store.add(line(["a", "b", "c"][i % 3 === 0 ? 0 : i % 4 === 0 ? 1 : 2]!, i))!);
    if (i === 199) await st.flush(); // 1..200 on disk; 201..300 only in memory (partly evicted there too)
  }
  expect(store.messageCount).toBeLessThan(100); // memory alone cannot answer
  const filters: MessageFilter[] = [
    {},
    { session_id: "b" },
    { direction: "pool_to_miner" },
    { method: "mining.submit", kind: "request" },
    { errors: true },
    { q: "DEADbeef" },
    { q: "job1" },
    { q: "ÄÖ" }, // short: the scan fallback
    { q: 'n"' },
    { session_id: "c", q: "b1" }, // job1x, i.e. several
    { q: "jo" }, // short: a vocabulary scan
  ];
  for (const f of filters) {
    const want = expected.filter((m) => matchesFilter(m, f)).reverse();
    for (const limit of [3, 100]) {
      const got = await allPages(st, f, limit);
      expect({ f, limit, seqs: got.map((m) => m.seq) }).toEqual({ f, limit, seqs: want.map((m) => m.seq) });
    }
    expect(await allPages(st, f, 13)).toEqual(want);
    expect(await allSince(st, f, 7)).toEqual([...want].reverse());
  }
  // Single lookups: memory first, then disk.
  expect(await st.message("1")).toEqual(expected[0]!);
  expect(await st.message("300")).toEqual(expected[299]!);
  expect(await st.message("301")).toBeUndefined();
  expect(await st.message("01")).toBeUndefined();
  await st.close();
}, 60_000);

test("the write queue is bounded: overflow is counted, what was queued is written, the store is not affected", async () => {
  const st = Storage.open({ url: tmp.url("overflow.db"), retention: noRetention, writer: { ...manualWriter, maxQueue: 10 } });
  const store = smallStore(st.firstSeq, 1000, 1000);
  st.attach(store);
  store.openSession({ id: "s", miner_addr: "m", upstream });
  for (let i = 0; i < 50; i++) store.add(line("s", i));
  expect(store.messageCount).toBe(50);
  expect(st.stats().writer).toMatchObject({ queued: 10, dropped: 40, written: 0 });
  await st.flush();
  expect(st.stats().writer).toMatchObject({ queued: 0, dropped: 40, written: 10 });
  expect(reader.messageCount(st.db)).toBe(10);
  await st.close();
  // Dropped messages' seqs are never handed out again.
  const again = Storage.open({ url: tmp.url("overflow.db"), retention: noRetention });
  expect(again.firstSeq).toBe(51);
  await again.close();
});

test("retention deletes by age and by count, with their search index rows", async () => {
  const db = openDatabase(tmp.url("retention.db"));
  const st = Storage.open({ url: tmp.url("retention.db"), retention: noRetention, writer: manualWriter });
  const store = smallStore(st.firstSeq, 1000, 1000);
  st.attach(store);
  const day = 86_400_000;
  const now = Date.parse("2026-06-01T00:00:00.000Z");
  store.openSession({ id: "old", miner_addr: "m", upstream });
  for (let i = 0; i < 30; i++) store.add(line("old", i, new Date(now - 10 * day + i).toISOString()));
  store.closeSession("old", "miner_closed", null);
  store.openSession({ id: "new", miner_addr: "m", upstream });
  for (let i = 0; i < 30; i++) store.add(line("new", i, new Date(now - day + i).toISOString()));
  await st.flush();
  // The close happened "now" in wall time; make it old for the age rule.
  db.$client.run("UPDATE sessions SET closed_at = ? WHERE id = 'old'", [new Date(now - 9 * day).toISOString()]);

  const byAge = enforceRetention(db, { days: 5, maxMessages: 0 }, now);
  expect(byAge).toEqual({ deletedMessages: 30, deletedSessions: 1, done: true });
  expect(reader.getSession(db, "old")).toBeUndefined();
  expect(reader.queryMessages(db, { session_id: "old" }, 100)).toEqual([]);
  expect(reader.queryMessages(db, { q: "job1" }, 100).every((m) => m.session_id === "new")).toBe(true);

  const byCount = enforceRetention(db, { days: 5, maxMessages: 12 }, now);
  expect(byCount.deletedMessages).toBe(18);
  const left = reader.queryMessages(db, {}, 100).map((m) => m.seq);
  expect(left).toEqual(Array.from({ length: 12 }, (_, i) => 60 - i));
  // The search finds only what is left (postings of deleted rows are not returned).
  expect(reader.queryMessages(db, { q: "deadbeef" }, 100).map((m) => m.seq)).toEqual(
    reader.queryMessages(db, {}, 100).filter((m) => m.kind !== "invalid").map((m) => m.seq),
  );
  // A bounded pass reports that more remains.
  expect(enforceRetention(db, { days: 0, maxMessages: 2 }, now, 5).done).toBe(false);
  db.$client.close();
  await st.close();
});

test("export → import into an empty database gives the same records; importing again changes nothing; invalid input writes nothing", async () => {
  const st = Storage.open({ url: tmp.url("export.db"), retention: noRetention, writer: manualWriter });
  const store = smallStore(st.firstSeq, 1000, 1000);
  st.attach(store);
  for (const id of ["x", "y"]) store.openSession({ id, miner_addr: `m-${id}`, upstream });
  for (let i = 0; i < 120; i++) store.add(line(i % 2 ? "x" : "y", i));
  store.closeSession("y", "pool_closed", "bye");
  await st.flush();
  const text = await new Response(exportStream(st.db)).text();
  const oneSession = await new Response(exportStream(st.db, "x")).text();
  const lines = text.trim().split("\n").map((l) => JSON.parse(l) as { type: string });
  expect(lines.slice(0, 2).map((l) => l.type)).toEqual(["session", "session"]);
  expect(lines.length).toBe(122);
  expect(oneSession.trim().split("\n").length).toBe(61);

  const target = openDatabase(tmp.url("import.db"));
  expect(await importJsonLines(target, textLines(text))).toEqual({ sessions: { inserted: 2, present: 0 }, messages: { inserted: 120, present: 0 } });
  expect(await importJsonLines(target, textLines(text))).toEqual({ sessions: { inserted: 0, present: 2 }, messages: { inserted: 0, present: 120 } });
  expect(reader.queryMessages(target, {}, 1000)).toEqual(reader.queryMessages(st.db, {}, 1000));
  expect(reader.listSessions(target, "all", 10)).toEqual(reader.listSessions(st.db, "all", 10));
  expect(reader.queryMessages(target, {}, 1000)).toEqual(store.query({}, 1000));
  expect(await new Response(exportStream(target)).text()).toBe(text);

  const empty = openDatabase(tmp.url("invalid.db"));
  const bad = text.split("\n");
  bad[5] = bad[5]!.replace('"direction":"', '"direction":"sideways_');
  await expect(importJsonLines(empty, textLines(bad.join("\n")))).rejects.toThrow(ImportError);
  await expect(importJsonLines(empty, textLines(text + "{not json\n"))).rejects.toThrow(/line 123: not JSON/);
  expect(reader.messageCount(empty)).toBe(0);
  for (const d of [target, empty]) d.$client.close();

  // The command line tool, as a real process.
  const file = `${tmp.dir}/export.jsonl`;
  await Bun.write(file, text);
  const run = (url: string) =>
    Bun.spawnSync(["bun", "src/db/import-main.ts", file], { env: { ...process.env, DATABASE_URL: url }, stdout: "pipe", stderr: "pipe" });
  const first = run(tmp.url("cli.db"));
  expect(first.exitCode).toBe(0);
  expect(first.stdout.toString()).toContain("messages 120 new, 0 already present");
  expect(run(tmp.url("cli.db")).stdout.toString()).toContain("messages 0 new, 120 already present");
  await Bun.write(file, "{}\n");
  const invalid = run(tmp.url("cli.db"));
  expect(invalid.exitCode).toBe(1);
  expect(invalid.stderr.toString()).toContain("line 1: invalid message");
  await st.close();
}, 60_000);

test("import: a seq the database holds for another message is a conflict and nothing is written; the tool refuses while a HashScope has the database open", async () => {
  // Two separate captures: both start at seq 1.
  const capture = async (name: string, session: string) => {
    const st = Storage.open({ url: tmp.url(`${name}.db`), retention: noRetention, writer: manualWriter });
    const store = smallStore(st.firstSeq, 1000, 1000);
    st.attach(store);
    store.openSession({ id: session, miner_addr: `m-${session}`, upstream });
    for (let i = 0; i < 10; i++) store.add(line(session, i));
    await st.flush();
    return st;
  };
  const a = await capture("conflict-a", "a");
  const fromA = await new Response(exportStream(a.db)).text();
  await a.close();
  const b = await capture("conflict-b", "b");
  await expect(importJsonLines(b.db, textLines(fromA))).rejects.toThrow(/10 invalid line\(s\): line 2: seq 1 is already a different message in this database \(session b\)/);
  expect(reader.messageCount(b.db)).toBe(10);
  expect(reader.listSessions(b.db, "all", 10).map((s) => s.id)).toEqual(["b"]);

  const file = `${tmp.dir}/from-a.jsonl`;
  await Bun.write(file, fromA);
  const run = (url: string) =>
    Bun.spawnSync(["bun", "src/db/import-main.ts", file], { env: { ...process.env, DATABASE_URL: url }, stdout: "pipe", stderr: "pipe" });
  // This test process is the "HashScope" with b open.
  const whileOpen = run(tmp.url("conflict-b.db"));
  expect(whileOpen.exitCode).toBe(2);
  expect(whileOpen.stderr.toString()).toContain("is in use by a running HashScope (or another import); stop it first");
  await b.close();
  const conflict = run(tmp.url("conflict-b.db"));
  expect(conflict.exitCode).toBe(1);
  expect(conflict.stderr.toString()).toContain("seq 1 is already a different message");
  expect(run(tmp.url("conflict-fresh.db")).exitCode).toBe(0);
}, 60_000); // three child processes: 3.4 s alone at load 5, past the 5 s default in a loaded full run

test("import reads files as a stream of lines: lines across read chunks, CRLF, no final newline", async () => {
  const file = `${tmp.dir}/lines.txt`;
  const long = "x".repeat(300_000);
  await Bun.write(file, `first\r\n${long}\n\nlast`);
  const lines: string[] = [];
  for await (const l of fileLines(file)()) lines.push(l);
  expect(lines).toEqual(["first\r", long, "", "last"]);
});

test("sessions page through memory and disk in one order (newest first, then id), for each state", async () => {
  const st = Storage.open({ url: tmp.url("sessions.db"), retention: noRetention, writer: manualWriter });
  // Memory keeps 5 closed sessions; the other 20 closed ones are only on disk.
  const store = new CaptureStore({ maxMessages: 100, maxPerSession: 10, maxSessions: 5 }, st.firstSeq);
  st.attach(store);
  const all: SessionRecord[] = [];
  for (let i = 0; i < 30; i++) {
    // Ids out of opening order, and many opened in the same millisecond: the id breaks ties.
    all.push({ ...store.openSession({ id: `s${String((i * 7) % 30).padStart(2, "0")}`, miner_addr: `m${i}`, upstream }) });
    if (i % 6 === 0) await Bun.sleep(2);
  }
  await st.flush();
  for (const s of all.slice(0, 25)) store.closeSession(s.id, "miner_closed", null);
  await st.flush();
  expect(store.listSessions("closed").length).toBe(5);
  const state = (s: SessionRecord) => (all.slice(0, 25).includes(s) ? "closed" : "live");
  for (const which of ["all", "closed", "live"] as const) {
    const want = all.filter((s) => which === "all" || state(s) === which).sort(newerSessionFirst).map((s) => s.id);
    for (const limit of [1, 4, 100]) {
      const got: string[] = [];
      let cursor: SessionRecord | undefined;
      for (let i = 0; i < 100; i++) {
        const page = await st.sessions(which, limit, cursor);
        got.push(...page.map((s) => s.id));
        if (page.length < limit) break;
        cursor = await st.session(page[page.length - 1]!.id);
      }
      expect({ which, limit, got }).toEqual({ which, limit, got: want });
    }
  }
  await st.close();
});
