import { afterAll, expect, test } from "bun:test";
import type { MessageRecord, SessionRecord } from "../../src/capture/records";
import { startSimMiner, type SimMiner } from "../../src/sim/miner";
import { startSimPool } from "../../src/sim/pool";
import { startTestHashScope } from "../helpers/hashscope";
import { until } from "../helpers/net";
import { tempDir } from "./fixtures";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const getJson = async <T>(url: string): Promise<T> => {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
};

async function allMessages(base: string, query = ""): Promise<MessageRecord[]> {
  const out: MessageRecord[] = [];
  let before = "";
  for (let i = 0; i < 1000; i++) {
    const page = await getJson<MessageRecord[]>(`${base}/api/messages?limit=50${query}${before}`);
    if (page.length === 0) break;
    out.push(...page);
    before = `&before=${page[page.length - 1]!.seq}`;
  }
  return out;
}

const miner = (port: number, i: number): SimMiner =>
  startSimMiner({
    host: "127.0.0.1",
    port,
    worker: `bc1qrestart.rig${i}`,
    userAgent: "simminer/restart",
    maxSeconds: 15,
    maxHashesPerSecond: 20_000,
  });

test("restart with traffic flowing: history listed and searchable, live sessions closed with `restart`, seq continues", async () => {
  const pool = await startSimPool({ jobIntervalMs: 50 });
  // Tiny memory so most of the history has to come from the database.
  const env = { DATABASE_URL: tmp.url("restart.db"), CAPTURE_MAX_MESSAGES: "40", CAPTURE_MAX_PER_SESSION: "20" };
  const first = await startTestHashScope(pool.port, env);
  const miners = [0, 1].map((i) => miner(first.proxyPort, i));
  await until(() => first.store.listSessions("live").length === 2 && first.store.totalMessages >= 150, 10_000, "traffic");
  const sessionIds = first.store.listSessions("live").map((s) => s.id).sort();
  await first.stop(); // miners are still sending
  const seqBefore = first.store.lastSeq;
  await Promise.all(miners.map((m) => m.stop()));

  const second = await startTestHashScope(pool.port, env);
  try {
    const base = `http://127.0.0.1:${second.apiPort}`;
    const sessions = await getJson<SessionRecord[]>(`${base}/api/sessions?state=closed`);
    expect(sessions.map((s) => s.id).sort()).toEqual(sessionIds);
    for (const s of sessions) {
      expect(s.state).toBe("closed");
      expect(s.close_reason).toBe("restart");
      expect(s.user_agent).toBe("simminer/restart");
      expect(s.counters.messages_up + s.counters.messages_down).toBeGreaterThan(0);
    }
    expect(await getJson<SessionRecord[]>(`${base}/api/sessions?state=live`)).toEqual([]);
    const one = await getJson<SessionRecord & { stats: { messages_stored: number } }>(`${base}/api/sessions/${sessionIds[0]}`);
    expect(one.stats.messages_stored).toBeGreaterThan(0);

    // Everything from before is there, once, in order, although memory is empty now.
    const history = await allMessages(base);
    const seqs = history.map((m) => m.seq);
    expect(history.length).toBeGreaterThanOrEqual(150);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(seqs[seqs.length - 1]).toBe(1);
    expect(seqs[0]).toBeLessThanOrEqual(seqBefore);
    // Searchable (FTS) and filterable from disk.
    const subscribes = await getJson<MessageRecord[]>(`${base}/api/messages?method=mining.subscribe&kind=request`);
    expect(subscribes.length).toBe(2);
    expect((await getJson<MessageRecord>(`${base}/api/messages/1`)).seq).toBe(1);
    const notify = await allMessages(base, "&method=mining.notify");
    expect(notify.length).toBe(history.filter((m) => m.method === "mining.notify").length);

    // Export of one session, over HTTP.
    const text = await (await fetch(`${base}/api/export?session_id=${sessionIds[0]}`)).text();
    const lines = text.trim().split("\n").map((l) => JSON.parse(l) as { type: string; close_reason?: string; session_id?: string });
    expect(lines[0]).toMatchObject({ type: "session", close_reason: "restart" });
    expect(lines.slice(1).every((l) => l.type === "message" && l.session_id === sessionIds[0])).toBe(true);
    expect((await fetch(`${base}/api/export?session_id=nope`)).status).toBe(404);

    // New traffic continues the sequence without reuse.
    expect(second.store.lastSeq).toBe(seqBefore); // a clean stop: no gap
    const again = miner(second.proxyPort, 9);
    await until(() => second.store.totalMessages >= 3, 10_000, "new traffic");
    await again.stop();
    const newest = await getJson<MessageRecord[]>(`${base}/api/messages?limit=3`);
    expect(newest[newest.length - 1]!.seq).toBeGreaterThan(seqBefore);
  } finally {
    await second.stop();
    await pool.stop();
  }
}, 30_000);
