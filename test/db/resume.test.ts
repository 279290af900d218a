import { afterAll, expect, test } from "bun:test";
import type { MessageRecord } from "../../src/capture/records";
import { startSimMiner } from "../../src/sim/miner";
import { startSimPool } from "../../src/sim/pool";
import { startTestHashScope } from "../helpers/hashscope";
import { until } from "../helpers/net";
import { readSse } from "../helpers/sse";
import { tempDir } from "./fixtures";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** Every stored message matching `query`, oldest first, paged through the API. */
async function allMessages(base: string, query = ""): Promise<number[]> {
  const out: number[] = [];
  let before = "";
  for (let i = 0; i < 1000; i++) {
    const page = (await (await fetch(`${base}/api/messages?limit=1000${query}${before}`)).json()) as MessageRecord[];
    if (page.length === 0) break;
    out.push(...page.map((m) => m.seq));
    before = `&before=${page[page.length - 1]!.seq}`;
  }
  return out.reverse();
}

const stream = (base: string, lastEventId: number, query = "") =>
  fetch(`${base}/api/stream?${query}`, { headers: { "Last-Event-ID": String(lastEventId) } });

test("the API stream resumes from Last-Event-ID across a restart: what was captured before it comes from disk, once, in order", async () => {
  const pool = await startSimPool({ jobIntervalMs: 5 });
  // A tiny memory, so a resume has to read the database, and in several pages (more than 1,000 messages).
  const env = { DATABASE_URL: tmp.url("resume.db"), CAPTURE_MAX_MESSAGES: "50", CAPTURE_MAX_PER_SESSION: "50" };
  const first = await startTestHashScope(pool.port, env);
  const miner = startSimMiner({ host: "127.0.0.1", port: first.proxyPort, worker: "resume.rig", maxSeconds: 20, maxHashesPerSecond: 20_000 });
  let base = `http://127.0.0.1:${first.apiPort}`;

  // A client reads a little, then goes away while traffic goes on.
  const seen = await readSse(await fetch(`${base}/api/stream`), 20);
  expect(seen.length).toBeGreaterThanOrEqual(20); // (a chunk may carry a few more)
  const lastSeen = seen[seen.length - 1]!.id;
  await until(() => first.store.lastSeq >= lastSeen + 1500, 20_000, "1,500 messages the client has not seen");
  await first.stop(); // with traffic flowing
  await miner.stop();

  const second = await startTestHashScope(pool.port, env);
  try {
    base = `http://127.0.0.1:${second.apiPort}`;
    const stored = await allMessages(base);
    const missed = stored.filter((s) => s > lastSeen);
    expect(missed.length).toBeGreaterThanOrEqual(1500);

    // Everything after the client's last id, from disk, in order, each once, then the stream is live.
    const resumed = await readSse(await stream(base, lastSeen), missed.length, 15_000);
    expect(resumed.map((e) => e.id)).toEqual(missed);
    expect(resumed.every((e) => e.id === e.data.seq)).toBe(true);

    // With a filter: only the matching ones, still complete.
    const notifies = (await allMessages(base, "&method=mining.notify")).filter((s) => s > lastSeen);
    expect(notifies.length).toBeGreaterThan(100);
    const resumedNotify = await readSse(await stream(base, lastSeen, "method=mining.notify"), notifies.length, 15_000);
    expect(resumedNotify.map((e) => e.id)).toEqual(notifies);

    // And live traffic on the new run follows the backlog on the same connection.
    const res = await stream(base, lastSeen);
    const target = missed.length + 5;
    const m2 = startSimMiner({ host: "127.0.0.1", port: second.proxyPort, worker: "resume.rig2", maxSeconds: 10, maxHashesPerSecond: 20_000 });
    const both = await readSse(res, target, 15_000);
    await m2.stop();
    expect(both.length).toBeGreaterThanOrEqual(target);
    expect(both.slice(0, missed.length).map((e) => e.id)).toEqual(missed);
    const fresh = both.slice(missed.length).map((e) => e.id);
    expect(fresh[0]!).toBeGreaterThan(missed[missed.length - 1]!);
    expect(fresh).toEqual([...fresh].sort((a, b) => a - b));
  } finally {
    await second.stop();
    await pool.stop();
  }
}, 60_000);
