import { afterAll, beforeAll, expect, test } from "bun:test";
import type { MessageRecord, SessionRecord } from "../../src/capture/records";
import { startSimMiner } from "../../src/sim/miner";
import { startSimPool } from "../../src/sim/pool";
import { hashScopePorts, spawnHashScope, spawnScript } from "../helpers/procs";
import { freshDatabase, havePg } from "./pg";

let db: Awaited<ReturnType<typeof freshDatabase>>;
beforeAll(async () => {
  if (havePg) db = await freshDatabase("e2e");
});
afterAll(async () => {
  await db?.drop();
});

const getJson = async <T>(url: string): Promise<T> => {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
};

test.skipIf(!havePg)("a HashScope process with DATABASE_URL=postgres:// captures a miner; after a restart the API serves it from PostgreSQL", async () => {
  const pool = await startSimPool({ jobIntervalMs: 50 });
  // Tiny memory: after the restart everything comes from the database.
  const env = { POOL_HOST: `127.0.0.1:${pool.port}`, DATABASE_URL: db.url, INSTANCE_ID: "e2e-site", CAPTURE_MAX_MESSAGES: "20" };
  const first = spawnHashScope("pg-1", env);
  try {
    const ports = await hashScopePorts(first, 20_000);
    const base = `http://127.0.0.1:${ports.api}`;
    const miner = startSimMiner({ host: "127.0.0.1", port: ports.proxy, worker: "bc1qpgtest.rig7", userAgent: "simminer/pg", maxSeconds: 15, maxHashesPerSecond: 20_000 });
    let seen = 0;
    for (let i = 0; i < 300 && seen < 60; i++) {
      seen = (await getJson<MessageRecord[]>(`${base}/api/messages?limit=100`)).length;
      if (seen < 60) await Bun.sleep(50);
    }
    expect(seen).toBeGreaterThanOrEqual(60);
    await miner.stop();
    await Bun.sleep(300);
    const before = await getJson<MessageRecord[]>(`${base}/api/messages?limit=1000`);
    expect(await first.stop(10_000)).toBe(0);

    const second = spawnHashScope("pg-2", env);
    try {
      const p2 = await hashScopePorts(second, 20_000);
      const base2 = `http://127.0.0.1:${p2.api}`;
      const after = await getJson<MessageRecord[]>(`${base2}/api/messages?limit=1000`);
      expect(before.length).toBeGreaterThanOrEqual(60);
      expect(after.length).toBeGreaterThanOrEqual(before.length);
      // What the first run showed is on disk exactly (newest first).
      const bySeq = new Map(after.map((m) => [m.seq, m]));
      for (const m of before) expect(bySeq.get(m.seq)).toEqual(m);
      const sessions = await getJson<SessionRecord[]>(`${base2}/api/sessions?state=closed`);
      expect(sessions.length).toBe(1);
      expect(sessions[0]!.user_agent).toBe("simminer/pg");
      expect(["restart", "miner_closed"]).toContain(sessions[0]!.close_reason!);
      const found = await getJson<MessageRecord[]>(`${base2}/api/messages?q=pgtest.RIG7`);
      expect(found.length).toBeGreaterThan(0);
      expect(found.every((m) => m.raw?.includes("bc1qpgtest.rig7"))).toBe(true);
      const subs = await getJson<MessageRecord[]>(`${base2}/api/messages?method=mining.subscribe&kind=request`);
      expect(subs.length).toBe(1);
      // The instance filter over HTTP: this instance's rows, none of an unknown one, 422 for a bad name.
      expect((await getJson<MessageRecord[]>(`${base2}/api/messages?limit=1000&instance=e2e-site`)).length).toBe(after.length);
      expect(await getJson<MessageRecord[]>(`${base2}/api/messages?instance=elsewhere`)).toEqual([]);
      expect((await getJson<SessionRecord[]>(`${base2}/api/sessions?instance=e2e-site`)).length).toBe(1);
      expect(await getJson<SessionRecord[]>(`${base2}/api/sessions?instance=elsewhere`)).toEqual([]);
      expect((await fetch(`${base2}/api/messages?instance=bad%20name`)).status).toBe(422);
      const exported = await (await fetch(`${base2}/api/export`)).text();
      expect(exported.trim().split("\n").length).toBe(1 + after.length);
    } finally {
      await second.stop(10_000);
    }
  } finally {
    await first.stop();
    await pool.stop();
  }
}, 90_000);

test("INSTANCE_ID with a bad value is one config error line naming it, exit 2", async () => {
  const child = spawnScript("bad-instance", ["src/main.ts"], { POOL_HOST: "127.0.0.1:1", DATABASE_URL: "sqlite::memory:", INSTANCE_ID: "bad id/with spaces" });
  expect(await child.proc.exited).toBe(2);
  const out = child.output().trim().split("\n");
  expect(out.length).toBe(1);
  expect(out[0]).toContain("INSTANCE_ID");
}, 20_000);

/** Read an SSE response until `until` holds for the text so far, or `ms` pass; then stop reading. */
async function readSse(url: string, until: (text: string) => boolean, ms: number): Promise<string> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), ms);
  let text = "";
  try {
    const res = await fetch(url, { signal: ac.signal });
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    for (let i = 0; i < 10_000 && !until(text); i++) {
      const { value, done } = await reader.read();
      if (done) break;
      text += dec.decode(value, { stream: true });
    }
  } catch {
    // aborted at the deadline: the text so far is the answer
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
  return text;
}

test.skipIf(!havePg)("two instances on one PostgreSQL: each record says which wrote it; the instance filter works in the API, the pages and the live stream", async () => {
  const pool = await startSimPool({ jobIntervalMs: 200 });
  const env = (id: string) => ({ POOL_HOST: `127.0.0.1:${pool.port}`, DATABASE_URL: db.url, INSTANCE_ID: id });
  const a = spawnHashScope("pg-site-a", env("site-a"));
  const b = spawnHashScope("pg-site-b", env("site-b"));
  try {
    const [pa, pb] = [await hashScopePorts(a, 20_000), await hashScopePorts(b, 20_000)];
    const [baseA, baseB] = [`http://127.0.0.1:${pa.api}`, `http://127.0.0.1:${pb.api}`];
    const miner = startSimMiner({ host: "127.0.0.1", port: pa.proxy, worker: "bc1qsitea.rig1", userAgent: "simminer/site-a", maxSeconds: 20, maxHashesPerSecond: 20_000 });
    try {
      type Located = MessageRecord & { instance?: string };
      let fromB: Located[] = [];
      for (let i = 0; i < 200 && fromB.length < 10; i++) {
        fromB = await getJson<Located[]>(`${baseB}/api/messages?instance=site-a&limit=100`);
        if (fromB.length < 10) await Bun.sleep(50);
      }
      expect(fromB.length).toBeGreaterThanOrEqual(10);
      expect(fromB.every((m) => m.instance === "site-a")).toBe(true);
      expect(await getJson<Located[]>(`${baseB}/api/messages?instance=site-b`)).toEqual([]);
      // A's own API says the same of what it captured (memory or disk).
      expect((await getJson<Located[]>(`${baseA}/api/messages?limit=5`)).every((m) => m.instance === "site-a")).toBe(true);
      const one = await getJson<Located>(`${baseB}/api/messages/${fromB[0]!.id}`);
      expect(one.instance).toBe("site-a");
      const sessions = await getJson<(SessionRecord & { instance?: string })[]>(`${baseB}/api/sessions?instance=site-a`);
      expect(sessions.length).toBe(1);
      expect(sessions[0]!.instance).toBe("site-a");
      expect((await getJson<{ instance?: string }>(`${baseB}/api/sessions/${sessions[0]!.id}`)).instance).toBe("site-a");

      // Pages: the filter form keeps the instance, the list shows A's rows, detail pages name the instance.
      const list = await (await fetch(`${baseB}/messages?instance=site-a`)).text();
      expect(list).toContain('name="instance" value="site-a"');
      expect(list).toContain(`/messages/${fromB[0]!.id}`);
      expect(list).toContain("instance=site-a"); // the live stream's URL carries the filter
      const other = await (await fetch(`${baseB}/messages?instance=site-b`)).text();
      expect(other).not.toContain(`/messages/${fromB[0]!.id}"`);
      expect(await (await fetch(`${baseB}/messages/${fromB[0]!.id}`)).text()).toMatch(/Instance<\/th><td class="mono">site-a/);
      expect(await (await fetch(`${baseB}/sessions/${sessions[0]!.id}`)).text()).toContain('on instance <span class="mono">site-a</span>');

      // Live: B streams what A writes (read from the shared database), and nothing for its own idle instance.
      const newest = fromB[0]!.seq;
      const streamed = await readSse(`${baseB}/api/stream?instance=site-a&last_event_id=${newest}`, (t) => /event: message/.test(t), 15_000);
      expect(streamed).toContain('"session_id":"' + sessions[0]!.id + '"');
      const idle = await readSse(`${baseB}/api/stream?instance=site-b`, (t) => /event: message/.test(t), 1_500);
      expect(idle).not.toContain("event: message");
      const page = await readSse(`${baseB}/ui/stream/messages?instance=site-a&after=${newest}`, (t) => t.includes("/messages/"), 15_000);
      expect(page).not.toContain("event: reset"); // A's seqs are not this process's: no restart to report
      expect(page).toContain("/messages/");
    } finally {
      await miner.stop();
    }
  } finally {
    await a.stop(10_000);
    await b.stop(10_000);
    await pool.stop();
  }
}, 120_000);
