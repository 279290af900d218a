import { afterAll, expect, test } from "bun:test";
import path from "node:path";
import type { SessionRecord } from "../../src/capture/records";
import { fileLines, importJsonLines } from "../../src/db/import";
import { openDatabase } from "../../src/db/open";
import * as reader from "../../src/db/reader";
import { Storage } from "../../src/db/storage";
import { DEFAULT_WRITER_OPTIONS } from "../../src/db/writer";
import { startSimPool } from "../../src/sim/pool";
import { noRetention, smallStore, tempDir, upstream } from "../db/fixtures";
import { startTestHashScope } from "../helpers/hashscope";
import { connectPeer, until } from "../helpers/net";

/** Every switch lives on the session record: saved on change (no timer), shown by the API, kept across a restart. */

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const enc = new TextEncoder();

const getJson = async <T>(url: string): Promise<T> => {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
};

test("auto-replay's switch is in /api/sessions/:id and /api/sessions, and survives a restart on the same SQLite file", async () => {
  const pool = await startSimPool({ jobIntervalMs: 0 });
  const env = { DATABASE_URL: tmp.url("switches.db") };
  const first = await startTestHashScope(pool.port, env);
  const base1 = `http://127.0.0.1:${first.apiPort}`;
  const sent = '{"id":1,"method":"mining.subscribe","params":["persist/1"]}\n{"id":2,"method":"mining.authorize","params":["w.persist","x"]}\n';
  let id = "";
  let closedId = "";
  try {
    // One session closed before the restart, one still live when HashScope stops.
    for (const keep of [false, true]) {
      const peer = await connectPeer(first.proxyPort);
      await peer.send(enc.encode(sent));
      await until(() => first.store.listSessions("live").some((s) => s.counters.messages_up === 2 && s.id !== closedId), 5000, "the miner's lines captured");
      const sid = first.store.listSessions("live").find((s) => s.id !== closedId)!.id;
      const on = await fetch(`${base1}/api/sessions/${sid}/auto-replay`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ enabled: true, count: keep ? 4 : 2 }),
      });
      expect(await on.json()).toEqual({ session_id: sid, enabled: true, count: keep ? 4 : 2 });
      if (keep) id = sid;
      else {
        closedId = sid;
        peer.socket.end();
        await until(() => first.store.getSession(sid)?.state === "closed", 5000, "closed");
      }
    }
    const one = await getJson<SessionRecord>(`${base1}/api/sessions/${id}`);
    expect(one.auto_replay).toEqual({ enabled: true, count: 4 });
    const listed = await getJson<SessionRecord[]>(`${base1}/api/sessions`);
    expect(listed.find((s) => s.id === id)?.auto_replay).toEqual({ enabled: true, count: 4 });
    expect(listed.find((s) => s.id === closedId)?.auto_replay).toEqual({ enabled: true, count: 2 });
    expect(await getJson<unknown>(`${base1}/api/sessions/${id}/auto-replay`)).toEqual({ session_id: id, enabled: true, count: 4 });
  } finally {
    await first.stop();
  }

  const second = await startTestHashScope(pool.port, env);
  try {
    const base2 = `http://127.0.0.1:${second.apiPort}`;
    expect(second.store.getSession(id)).toBeUndefined(); // from disk, not memory
    const after = await getJson<SessionRecord>(`${base2}/api/sessions/${id}`);
    expect(after.auto_replay).toEqual({ enabled: true, count: 4 });
    expect(after.close_reason).toBe("restart");
    const closed = await getJson<SessionRecord>(`${base2}/api/sessions/${closedId}`);
    expect(closed.auto_replay).toEqual({ enabled: true, count: 2 });
    expect(closed.close_reason).toBe("miner_closed");
    // The final counters reached the disk, at close and at shutdown alike (saved on change, not on a timer).
    for (const s of [after, closed]) {
      expect(s.counters.bytes_up).toBe(enc.encode(sent).byteLength);
      expect(s.counters.messages_up).toBe(2);
      expect(s.counters.bytes_down).toBeGreaterThan(0);
    }
    const listed = await getJson<SessionRecord[]>(`${base2}/api/sessions?state=closed`);
    expect(listed.find((s) => s.id === id)?.auto_replay).toEqual({ enabled: true, count: 4 });
  } finally {
    await second.stop();
    await pool.stop();
  }
}, 30_000);

test("the writer saves a session's change with its next batch, without a timer or a flush", async () => {
  expect(Object.keys(DEFAULT_WRITER_OPTIONS)).not.toContain("sessionSyncMs");
  // countersSaveMs short here: a live session's counters alone are saved once its window ends, with no other change.
  const st = Storage.open({ url: tmp.url("writer.db"), retention: noRetention, writer: { flushMs: 10, countersSaveMs: 200 } });
  const store = smallStore(st.firstSeq);
  st.attach(store);
  try {
    store.openSession({ id: "w", miner_addr: "10.0.0.1:9", upstream });
    const onDisk = () => reader.getSession(st.db, "w");
    await until(() => onDisk() !== undefined, 5000, "the new session on disk");
    expect(onDisk()!.auto_replay).toEqual({ enabled: false, count: 1 });

    store.sessions.setSwitch("w", "auto_replay", { enabled: true, count: 7 });
    await until(() => onDisk()?.auto_replay.enabled === true, 5000, "the switch on disk");
    expect(onDisk()!.auto_replay).toEqual({ enabled: true, count: 7 });

    // Byte counters (coalesced per turn, then at most once per countersSaveMs) get there too, with nothing else changing.
    for (let i = 0; i < 100; i++) store.sessions.addBytes("w", "down", 100);
    await until(() => onDisk()?.counters.bytes_down === 10_000, 5000, "the counters on disk");

    store.sessions.setSwitch("w", "broadcast", { enabled: true, repeat_count: 3 });
    await until(() => onDisk()?.broadcast.repeat_count === 3, 5000, "the broadcast switch on disk");
  } finally {
    await st.close();
  }
});

test("an export from before the auto-replay switch imports, its sessions with the switch off", async () => {
  const db = openDatabase(tmp.url("import.db"));
  const result = await importJsonLines(db, fileLines(path.join(import.meta.dir, "..", "db", "fixtures", "v0002.jsonl")));
  expect(result.sessions.inserted).toBeGreaterThan(0);
  const sessions = reader.listSessions(db, "all", 100);
  expect(sessions.length).toBe(result.sessions.inserted);
  for (const s of sessions) expect(s.auto_replay).toEqual({ enabled: false, count: 1 });
  db.$client.close();
});
