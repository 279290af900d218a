import { afterAll, beforeAll, expect, test } from "bun:test";
import { matchesFilter, type MessageFilter } from "../../src/capture/query";
import type { MessageRecord } from "../../src/capture/records";
import { Storage } from "../../src/db/storage";
import { SEQ_BLOCK } from "../../src/db/pg/backend";
import { messageCount } from "../../src/db/pg/reads";
import { openPg } from "../../src/db/pg/open";
import { allPages, line, manualWriter, noRetention, smallStore, upstream } from "../db/fixtures";
import { freshDatabase, havePg } from "./pg";

let db: Awaited<ReturnType<typeof freshDatabase>>;
beforeAll(async () => {
  if (havePg) db = await freshDatabase("storage");
});
afterAll(async () => {
  await db?.drop();
});

const open = (instanceId = "site-a", retention = noRetention) =>
  Storage.connect({ url: db.url, instanceId, retention, writer: manualWriter });

const FILTERS: MessageFilter[] = [
  {},
  { session_id: "b" },
  { direction: "pool_to_miner" },
  { method: "mining.submit" },
  { kind: "invalid" },
  { errors: true },
  { share: "low" },
  { agrees: true },
  { agrees: false },
  { verdict: "valid" },
  { q: "job1" },
  { q: "JOB2" },
  { q: "deadbeef" },
  { q: "garbage" },
  { q: "not json" },
  { q: "%" },
  { q: "nothing-like-this" },
  { session_id: "a", method: "mining.notify" },
  { direction: "miner_to_pool", q: "job3" },
];

test.skipIf(!havePg)("PostgreSQL: records round-trip exactly, every filter and paging agree with memory's matcher, restart closes live sessions and seq continues", async () => {
  const st = await open();
  expect(st.kind).toBe("postgres");
  const store = smallStore(st.firstSeq);
  st.attach(store);
  for (const id of ["a", "b", "c"]) store.openSession({ id, miner_addr: `10.0.0.1:${id}`, upstream });
  const written: MessageRecord[] = [];
  for (let i = 0; i < 240; i++) written.push(store.add(line(["a", "b", "c"][i % 3]!, i))!);
  store.closeSession("c", "miner_closed", null);
  await st.flush();
  const sessionsBefore = store.listSessions("all");
  await st.beginShutdown();
  await st.close();

  // A new run reads everything from PostgreSQL alone (its memory is empty).
  const st2 = await open();
  expect(st2.recoveredSessions).toBe(2); // a and b were live
  expect(st2.firstSeq).toBeGreaterThan(written[written.length - 1]!.seq);
  const newest = [...written].reverse();
  expect(await allPages(st2, {}, 1000)).toEqual(newest);
  for (const f of FILTERS) {
    const want = newest.filter((m) => matchesFilter(m, f));
    expect({ f, got: await allPages(st2, f, 7) }).toEqual({ f, got: want });
    const since = await st2.since(f, 0, 1000);
    expect({ f, since }).toEqual({ f, since: [...want].reverse() });
  }
  expect(await st2.message(written[5]!.id)).toEqual(written[5]!);
  expect(await st2.message("999999999")).toBeUndefined();
  expect(await st2.storedMessageCount("a")).toBe(80);

  const sessions = await st2.sessions("all", 10);
  expect(sessions.map((s) => s.id).sort()).toEqual(["a", "b", "c"]);
  const a = sessions.find((s) => s.id === "a")!;
  const aBefore = sessionsBefore.find((s) => s.id === "a")!;
  expect(a).toEqual({ ...aBefore, state: "closed", closed_at: aBefore.last_seen, close_reason: "restart", close_detail: "HashScope stopped while the session was live" });
  expect(await st2.session("c")).toEqual(sessionsBefore.find((s) => s.id === "c")!);
  expect((await st2.sessions("live", 10)).length).toBe(0);

  // New messages continue after the old ones, in seq order.
  const store2 = smallStore(st2.firstSeq);
  st2.attach(store2);
  store2.openSession({ id: "d", miner_addr: "10.0.0.2:1", upstream });
  const later = store2.add(line("d", 1))!;
  await st2.flush();
  expect((await st2.messages({}, 2))[0]).toEqual(later);
  expect(later.seq % SEQ_BLOCK).toBe(1); // the first of its run's block
  await st2.close();
}, 30_000); // a real server on a shared machine: its first connections and migrations can take seconds under load

test.skipIf(!havePg)("PostgreSQL: two instances write to one database at once without clashing seqs or ids", async () => {
  const [a, b] = [await open("site-x"), await open("site-y")];
  expect(a.firstSeq).not.toBe(b.firstSeq);
  const [sa, sb] = [smallStore(a.firstSeq), smallStore(b.firstSeq)];
  a.attach(sa);
  b.attach(sb);
  sa.openSession({ id: "x1", miner_addr: "10.1.0.1:1", upstream });
  sb.openSession({ id: "y1", miner_addr: "10.2.0.1:1", upstream });
  const wa: MessageRecord[] = [];
  const wb: MessageRecord[] = [];
  for (let i = 0; i < 50; i++) {
    wa.push(sa.add(line("x1", i))!);
    wb.push(sb.add(line("y1", i))!);
  }
  await Promise.all([a.flush(), b.flush()]);
  const pg = await openPg(db.url, 1);
  const ids = new Set([...wa, ...wb].map((m) => m.id));
  expect(ids.size).toBe(100);
  // Each instance's API sees both instances' history.
  const seenByA = await a.messages({ session_id: "y1" }, 100);
  expect(seenByA).toEqual([...wb].reverse());
  expect((await b.messages({ session_id: "x1" }, 100)).length).toBe(50);
  // The instance filter: one instance's history, from memory and PostgreSQL alike; all of them without it.
  expect(await a.messages({ instance: "site-y" }, 100)).toEqual([...wb].reverse());
  expect(await a.messages({ instance: "site-x" }, 100)).toEqual([...wa].reverse());
  expect(await b.since({ instance: "site-x" }, 0, 100)).toEqual(wa);
  expect(await a.messages({ instance: "site-z" }, 100)).toEqual([]);
  expect((await a.messages({}, 100)).length).toBe(100);
  expect((await a.sessions("all", 10, undefined, "site-y")).map((s) => s.id)).toEqual(["y1"]);
  expect((await b.sessions("live", 10, undefined, "site-x")).map((s) => s.id)).toEqual(["x1"]);
  expect((await a.sessions("all", 10)).map((s) => s.id).sort()).toEqual(expect.arrayContaining(["x1", "y1"]));
  const rows = (await pg.$client`SELECT instance, count(*)::int AS n FROM messages WHERE session_id IN ('x1','y1') GROUP BY instance ORDER BY instance`) as Array<{ instance: string; n: number }>;
  expect(rows).toEqual([{ instance: "site-x", n: 50 }, { instance: "site-y", n: 50 }]);
  await pg.$client.close();

  // The same INSTANCE_ID twice at once is refused in one line.
  await expect(open("site-x")).rejects.toThrow(/INSTANCE_ID|in use/);
  await a.close();
  await b.close();
});

test.skipIf(!havePg)("PostgreSQL: retention keeps the newest RETAIN_MAX_MESSAGES and drops what is older than RETAIN_DAYS", async () => {
  const fresh = await freshDatabase("retention");
  try {
    const st = await Storage.connect({ url: fresh.url, instanceId: "r", retention: noRetention, writer: manualWriter });
    const store = smallStore(st.firstSeq);
    st.attach(store);
    store.openSession({ id: "old", miner_addr: "10.0.0.9:1", upstream });
    const old = new Date(Date.now() - 10 * 86_400_000).toISOString();
    for (let i = 0; i < 30; i++) store.add(line("old", i, old));
    const recent: MessageRecord[] = [];
    for (let i = 0; i < 40; i++) recent.push(store.add(line("old", 100 + i))!);
    await st.flush();
    await st.close();
    const pg = await openPg(fresh.url, 1);
    const { retainOnce } = await import("../../src/db/pg/retention");
    expect((await retainOnce(pg, { days: 5, maxMessages: 0 })).deletedMessages).toBe(30);
    expect(await messageCount(pg)).toBe(40);
    expect((await retainOnce(pg, { days: 0, maxMessages: 25 })).deletedMessages).toBe(15);
    const st2 = await Storage.connect({ url: fresh.url, instanceId: "r", retention: noRetention, writer: manualWriter });
    expect(await allPages(st2, {}, 100)).toEqual(recent.slice(15).reverse());
    // By bytes: a bound below the table's size leaves fewer rows, the newest.
    const r = await retainOnce(pg, { days: 0, maxMessages: 0, maxBytes: 1 });
    expect(r.deletedMessages).toBeGreaterThan(0);
    expect(await messageCount(pg)).toBeLessThan(25);
    await st2.close();
    await pg.$client.close();
  } finally {
    await fresh.drop();
  }
});

test.skipIf(!havePg)("PostgreSQL: a batch's agent telemetry is written once, with the instance, its content as given", async () => {
  const fresh = await freshDatabase("telemetry");
  try {
    const pg = await openPg(fresh.url, 2);
    const { PgSink } = await import("../../src/db/pg/sink");
    const sink = new PgSink(pg, "site-t", noRetention);
    const row = { event_id: "e".repeat(64), agent_id: "agent-1", run_id: "run-1", ts: "2026-12-02T00:00:00.000Z", received_at: "2026-12-02T00:00:01.000Z", content: { agent_id: "agent-1", latency_ms: 12.5, note: "it's \"quoted\"" } };
    await sink.write({ msgs: [], sess: [], telemetry: [row], seqHighWater: 0 });
    await sink.write({ msgs: [], sess: [], telemetry: [row], seqHighWater: 0 }); // the same event again: kept once
    const rows = (await pg.$client`SELECT instance, agent_id, content FROM agent_telemetry`) as Array<{ instance: string; agent_id: string; content: string }>;
    expect(rows.map((r) => ({ ...r, content: JSON.parse(r.content) as unknown }))).toEqual([{ instance: "site-t", agent_id: "agent-1", content: row.content }]);
    await sink.close();
    await pg.$client.close();
  } finally {
    await fresh.drop();
  }
});

test.skipIf(!havePg)("PostgreSQL: a run whose seq block runs out goes on in a new block taken before the end (tiny blocks here), beside another instance", async () => {
  const tiny = await freshDatabase("seqblocks");
  const SIZE = 40;
  const connect = (instanceId: string) => Storage.connect({ url: tiny.url, instanceId, retention: noRetention, writer: manualWriter, seqBlock: SIZE });
  const [a, b] = [await connect("site-a"), await connect("site-b")];
  const [sa, sb] = [smallStore(a.firstSeq, 1_000, 1_000), smallStore(b.firstSeq, 1_000, 1_000)];
  a.attach(sa);
  b.attach(sb);
  sa.openSession({ id: "a1", miner_addr: "10.1.0.1:1", upstream });
  sb.openSession({ id: "b1", miner_addr: "10.2.0.1:1", upstream });
  const wa: MessageRecord[] = [];
  const wb: MessageRecord[] = [];
  // The next block is asked for halfway through the current one; before the last seq of a block, wait (bounded) until
  // it is there, as a real run has seconds to spare at 2^36.
  const nextBlockHere = async (st: ReturnType<typeof smallStore>) => {
    for (let i = 0; i < 500 && st.seqsLeft.left <= 1 && !st.seqsLeft.nextReady; i++) await Bun.sleep(10);
  };
  for (let i = 0; i < 10 * SIZE; i++) {
    await nextBlockHere(sa);
    await nextBlockHere(sb);
    wa.push(sa.add(line("a1", i))!);
    wb.push(sb.add(line("b1", i))!);
  }
  expect(wa.every(Boolean) && wb.every(Boolean)).toBe(true);
  expect(a.stats().seq_exhausted + b.stats().seq_exhausted).toBe(0);
  // Seqs rise within each run, stay inside blocks of SIZE, and the two instances never share one.
  for (const w of [wa, wb]) {
    for (let i = 1; i < w.length; i++) expect(w[i]!.seq).toBeGreaterThan(w[i - 1]!.seq);
    const blocks = new Set(w.map((m) => Math.floor((m.seq - 1) / SIZE)));
    expect(blocks.size).toBeGreaterThanOrEqual(10);
  }
  const seqs = new Set([...wa, ...wb].map((m) => m.seq));
  expect(seqs.size).toBe(20 * SIZE);
  await Promise.all([a.flush(), b.flush()]);
  expect(await a.messages({ session_id: "b1" }, 1_000)).toEqual([...wb].reverse());
  expect(await b.since({ session_id: "a1" }, 0, 1_000)).toEqual(wa);

  // With no time for the next block to come, the end of the block is a counted loss, never a seq outside it.
  const c = await connect("site-c");
  const sc = smallStore(c.firstSeq, 1_000, 1_000);
  c.attach(sc);
  sc.openSession({ id: "c1", miner_addr: "10.3.0.1:1", upstream });
  const got = Array.from({ length: SIZE + 5 }, (_, i) => sc.add(line("c1", i)));
  expect(got.filter(Boolean).length).toBe(SIZE);
  expect(c.stats().seq_exhausted).toBe(5);
  expect(got.filter(Boolean).every((m) => m!.seq >= c.firstSeq && m!.seq < c.firstSeq + SIZE)).toBe(true);
  await nextBlockHere(sc); // the next block arrives; capture goes on in it
  const after = sc.add(line("c1", 99))!;
  expect(after.seq).toBeGreaterThanOrEqual(c.firstSeq + SIZE);
  for (const st of [a, b, c]) await st.close();
  await tiny.drop();
});
