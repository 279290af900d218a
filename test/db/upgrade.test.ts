import { afterAll, expect, test } from "bun:test";
import { copyFileSync, readFileSync } from "node:fs";
import path from "node:path";
import type { MessageRecord, SessionRecord } from "../../src/capture/records";
import { matchesSearch } from "../../src/capture/search";
import { exportStream } from "../../src/db/export";
import * as reader from "../../src/db/reader";
import { enforceRetention } from "../../src/db/retention";
import { Storage } from "../../src/db/storage";
import { line, smallStore, tempDir } from "./fixtures";

/** A database written by the previous version (fixtures/README.md) opens with this one without losing anything. */

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const FIXTURE = path.join(import.meta.dir, "fixtures");
const noRetention = { days: 0, maxMessages: 0 };

type Line = { type: "session" } & SessionRecord | { type: "message" } & MessageRecord;
const parseLines = (text: string): Line[] => text.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Line);

async function exported(st: Storage): Promise<Line[]> {
  return parseLines(await new Response(exportStream(st.db)).text());
}

test("a database from the previous schema opens, keeps every record as it was, stays searchable, and takes new rows", async () => {
  const file = path.join(tmp.dir, "old.db");
  copyFileSync(path.join(FIXTURE, "v0002.db"), file);
  const before = parseLines(readFileSync(path.join(FIXTURE, "v0002.jsonl"), "utf8"));
  const oldMessages = before.filter((l) => l.type === "message").length;
  expect(oldMessages).toBe(61);

  const st = Storage.open({ url: `sqlite:${file}`, retention: noRetention });
  // "old-a" was live when that version stopped: closed now with reason restart, as any restart does.
  // Sessions of that version had no auto-replay switch; they read back with it off (the record's default).
  const off = { auto_replay: { enabled: false, count: 1 } };
  const expected = before.map((l) =>
    l.type === "session" && l.closed_at === null
      ? { ...l, ...off, state: "closed", closed_at: l.last_seen, close_reason: "restart", close_detail: "HashScope stopped while the session was live" }
      : // Messages of that version had no analysis; they read back with none (the record's default).
        l.type === "message"
        ? { ...l, analysis: null }
        : { ...l, ...off },
  );
  expect(await exported(st)).toEqual(expected as Line[]);
  expect(st.firstSeq).toBe(62);

  // Old rows are found by what q searches: a worker name, an exact hex nonce, an error text.
  expect((await st.messages({ q: "bc1qold.RIG9" }, 10)).map((m) => m.seq)).toEqual([61]);
  const oldHex = before.filter((l) => l.type === "message" && matchesSearch(l, "deadbeef")).length;
  expect(oldHex).toBeGreaterThan(40); // every JSON line (the garbage ones are not)
  expect((await st.messages({ q: "DEADBEEF" }, 100)).length).toBe(oldHex);
  expect((await st.messages({ q: "garbage line 7" }, 10)).map((m) => m.raw)).toEqual(["garbage line 7 ÄÖ"]);

  // New rows after the upgrade: compact, beside the old ones, found by the same searches.
  const store = smallStore(st.firstSeq, 1000, 1000);
  st.attach(store);
  store.openSession({ id: "new", miner_addr: "10.0.0.3:3", upstream: { host: "127.0.0.1", port: 3333, tls: false } });
  const added = Array.from({ length: 20 }, (_, i) => store.add(line("new", i, new Date(Date.UTC(2026, 11, 1) + i).toISOString()))!);
  await st.flush();
  const db = st.db.$client;
  expect(db.query<{ n: number }, []>("SELECT count(*) AS n FROM messages WHERE form IS NOT NULL").get()?.n).toBe(20);
  expect(await st.message(String(added[3]!.seq))).toEqual(added[3]!);
  const hits = await st.messages({ q: "deadbeef" }, 1000);
  expect(hits.filter((m) => m.session_id === "new").length).toBe(added.filter((m) => m.kind !== "invalid").length);
  expect(hits.filter((m) => m.session_id !== "new").length).toBe(oldHex);

  // Retention removes old rows with their old index entries.
  expect(enforceRetention(st.db, { days: 0, maxMessages: 20 }).deletedMessages).toBe(61);
  expect(db.query<{ n: number }, []>("SELECT count(*) AS n FROM messages_fts").get()?.n).toBe(0);
  expect(reader.messageCount(st.db)).toBe(20);
  await st.close();
});

test("a database from the previous version (0008: compact rows, analyses as JSON arrays, verdict names) keeps every record, filter and search", async () => {
  const file = path.join(tmp.dir, "v0008.db");
  copyFileSync(path.join(FIXTURE, "v0008.db"), file);
  const before = parseLines(readFileSync(path.join(FIXTURE, "v0008.jsonl"), "utf8"));
  const oldMessages = before.filter((l): l is Extract<Line, { type: "message" }> => l.type === "message");
  expect(oldMessages.length).toBe(169);
  const st = Storage.open({ url: `sqlite:${file}`, retention: noRetention });
  const expected = before.map((l) =>
    l.type === "session" && l.closed_at === null
      ? { ...l, state: "closed", closed_at: l.last_seen, close_reason: "restart", close_detail: "HashScope stopped while the session was live" }
      : l,
  );
  expect(await exported(st)).toEqual(expected as Line[]);
  // Filters and search over the old rows: verdict (stored by name then), agreement, worker, exact hex, error text.
  const seqs = (ms: MessageRecord[]) => ms.map((m) => m.seq);
  const oldWhere = (pred: (m: MessageRecord) => boolean) => oldMessages.filter(pred).map((m) => m.seq).reverse();
  const isVerdict = (v: string) => (m: MessageRecord) => m.analysis?.type === "submit" && m.analysis.verdict === v;
  expect(seqs(await st.messages({ verdict: "unknown_job" }, 100))).toEqual(oldWhere(isVerdict("unknown_job")));
  expect(seqs(await st.messages({ agrees: false }, 100))).toEqual(oldWhere((m) => m.analysis?.type === "submit" && m.analysis.agrees === false));
  expect(seqs(await st.messages({ q: "bc1qold8.RIG1" }, 100)).length).toBe(oldWhere((m) => (m.raw ?? "").includes("bc1qold8.rig1")).length);
  const nonce = oldMessages.find((m) => m.method === "mining.submit" && m.kind === "request")!.raw!.match(/"([0-9a-f]{8})"\],"id"/)![1]!;
  expect(seqs(await st.messages({ q: nonce }, 10))).toEqual(oldWhere((m) => (m.raw ?? "").includes(nonce)));
  expect((await st.messages({ q: "low difficulty" }, 100)).length).toBe(oldWhere((m) => (m.raw ?? "").includes("Low difficulty")).length);

  // New rows after the upgrade, in the new forms, beside the old ones: both read back and filter together.
  const store = smallStore(st.firstSeq, 1000, 1000);
  st.attach(store);
  const submitA = oldMessages.find((m) => m.analysis?.type === "submit" && m.kind === "request")!;
  store.openSession({ id: "new8", miner_addr: "10.0.0.9:9", upstream: { host: "127.0.0.1", port: 3333, tls: false } });
  const submit = store.add({ ...submitA, session_id: "new8" })!;
  const answerA = oldMessages.find((m) => m.reply_to === submitA.id)!;
  const answer = store.add({ ...answerA, session_id: "new8", reply_to: submit.id })!;
  await st.flush();
  const db = st.db.$client;
  expect(db.query<{ n: number }, [number]>("SELECT count(*) AS n FROM messages WHERE seq = ? AND form & 32 AND analysis IS NULL").get(answer.seq)?.n).toBe(1);
  expect(await st.message(submit.id)).toEqual(submit);
  expect(await st.message(answer.id)).toEqual(answer);
  expect(seqs(await st.messages({ verdict: "valid" }, 1000))).toEqual([answer.seq, submit.seq, ...oldWhere(isVerdict("valid"))]);
  await st.close();
});
