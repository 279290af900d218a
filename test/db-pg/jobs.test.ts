import { afterAll, expect, test } from "bun:test";
import { CapturePipeline } from "../../src/capture/ingest";
import { matchesFilter, type MessageFilter } from "../../src/capture/query";
import type { MessageRecord } from "../../src/capture/records";
import { CaptureStore } from "../../src/capture/store";
import { hash53 } from "../../src/db/hash";
import { importJsonLinesPg } from "../../src/db/pg/import";
import { openPg, type PgDb } from "../../src/db/pg/open";
import { retainOnce } from "../../src/db/pg/retention";
import { textLines } from "../../src/db/import";
import { Storage } from "../../src/db/storage";
import { allPages, manualWriter, noRetention, upstream } from "../db/fixtures";
import { freshDatabase, havePg } from "./pg";

/** PostgreSQL keeps each distinct mining.notify line once (`jobs`), and every read gives back exactly the records. */

const dbs: Array<{ drop(): Promise<void> }> = [];
const pools: PgDb[] = [];
afterAll(async () => {
  for (const p of pools) await p.$client.close();
  for (const d of dbs) await d.drop();
});
const fresh = async (tag: string) => {
  const d = await freshDatabase(tag);
  dbs.push(d);
  const pg = await openPg(d.url);
  pools.push(pg);
  return { url: d.url, pg };
};

const enc = new TextEncoder();
const DAY = 86_400_000;
/** A pool's notify (as bench/farm-mix.ts makes them): a coinbase with the tag "/slush/", 12 merkle branches. */
function notifyLine(job: number): string {
  const hex = (n: number) => ((BigInt(n + 7) * 0x9e3779b97f4a7c15n) & ((1n << 256n) - 1n)).toString(16).padStart(64, "0");
  const branches = Array.from({ length: 12 }, (_, i) => `"${hex(job * 31 + i)}"`).join(",");
  return (
    `{"id":null,"method":"mining.notify","params":["j${job}","${hex(job)}",` +
    `"01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4b03${(800000 + job).toString(16).padStart(6, "0")}` +
    `fabe6d6d${"ab".repeat(32)}01000000000000002f736c7573682f",` +
    `"ffffffff03${"22".repeat(8)}1976a914${"d2".repeat(20)}88ac${"00".repeat(8)}266a24aa21a9ed${"e3".repeat(32)}${"00".repeat(8)}2b6a2952534b424c4f434b3a${"5c".repeat(32)}00000000",` +
    `[${branches}],"20000000","17034219","65a1b000",true]}`
  );
}
const prevhash = (job: number) => JSON.parse(notifyLine(job)).params[1] as string;
const branch = (job: number) => JSON.parse(notifyLine(job)).params[4][5] as string;

/** Sessions captured as the relay's capture does it (records marked as derived from their lines), written by `st`. */
function capture(st: Storage, sessions: string[]) {
  const store = new CaptureStore({ maxMessages: 10_000, maxPerSession: 10_000, maxSessions: 100 }, st.firstSeq);
  st.attach(store);
  const pipe = new CapturePipeline(store, { maxLineBytes: 65_536, maxBacklogBytes: 1 << 20 });
  const written: MessageRecord[] = [];
  store.events.on((e) => void (e.type === "message" && written.push(e.message)));
  for (const id of sessions) {
    store.openSession({ id, miner_addr: `10.1.0.1:${id}`, upstream });
    pipe.open(id);
  }
  const feed = (id: string, dir: "miner_to_pool" | "pool_to_miner", line: string, wall = Date.now()) => {
    pipe.ingest(id, dir, enc.encode(line + "\n"), wall, performance.now());
    pipe.drainAll();
  };
  return { written, feed };
}

const readAll = async (url: string) => {
  const st = await Storage.connect({ url, instanceId: "reader", retention: noRetention, writer: manualWriter });
  return { st, all: await allPages(st, {}, 1000) };
};
/** Records as they travel (JSON): what a read must give back. */
const asJson = (ms: MessageRecord[]) => JSON.parse(JSON.stringify(ms)) as MessageRecord[];

test.skipIf(!havePg)("PostgreSQL: a notify line sent to many sessions by two instances is one jobs row; reads, q, instance, export and import give back exactly the records", async () => {
  const { url, pg } = await fresh("jobs");
  const written: MessageRecord[] = [];
  for (const instanceId of ["site-a", "site-b"]) {
    const st = await Storage.connect({ url, instanceId, retention: noRetention, writer: manualWriter });
    const c = capture(st, ["s1", "s2", "s3"].map((s) => `${instanceId}-${s}`));
    for (const id of ["s1", "s2", "s3"].map((s) => `${instanceId}-${s}`)) {
      c.feed(id, "miner_to_pool", `{"id":1,"method":"mining.subscribe","params":["bmminer/2.0.0"]}`);
      c.feed(id, "pool_to_miner", `{"id":1,"result":[[["mining.notify","1"]],"0000beef",8],"error":null}`);
      c.feed(id, "miner_to_pool", `{"id":2,"method":"mining.authorize","params":["bc1qfarm.${id}","x"]}`);
      c.feed(id, "pool_to_miner", `{"id":2,"result":true,"error":null}`);
      for (const job of [1, 2]) c.feed(id, "pool_to_miner", notifyLine(job));
      c.feed(id, "miner_to_pool", `{"params":["bc1qfarm.${id}","j2","00000001","65a1b000","2e2ac0ea"],"id":3,"method":"mining.submit"}`);
      c.feed(id, "pool_to_miner", `{"id":3,"result":null,"error":[23,"Low difficulty share",null]}`);
    }
    await st.flush();
    await st.beginShutdown();
    await st.close();
    written.push(...c.written);
  }
  expect(written.filter((m) => m.method === "mining.notify").length).toBe(12);

  // One row per distinct line, whichever instance sent it; its messages' rows hold neither the line nor its texts.
  const jobs = (await pg.$client`SELECT hash, raw FROM jobs ORDER BY raw`) as Array<{ hash: string; raw: string }>;
  expect(jobs.map((j) => j.raw)).toEqual([notifyLine(1), notifyLine(2)]);
  expect(jobs.map((j) => Number(j.hash))).toEqual([hash53(notifyLine(1)), hash53(notifyLine(2))]);
  const rows = (await pg.$client`SELECT record, raw, search FROM messages WHERE job IS NOT NULL`) as Array<{ record: string; raw: string | null; search: string }>;
  expect(rows.length).toBe(12);
  for (const r of rows) {
    expect(r.raw).toBeNull();
    expect(r.search).toBe("");
    expect(r.record).not.toContain("mining.notify");
    expect(r.record).not.toContain(branch(1));
    expect(r.record).not.toContain(branch(2));
  }

  const { st, all } = await readAll(url);
  const newest = asJson(written).sort((a, b) => b.seq - a.seq);
  expect(all).toEqual(newest);
  for (const m of written) expect(await st.message(m.id)).toEqual(asJson([m])[0]!);
  const filters: Array<MessageFilter & { instance?: string }> = [
    { q: prevhash(1) },
    { q: prevhash(2).toUpperCase() },
    { q: "/slush/" },
    { q: "j1" },
    { q: "low difficulty" },
    { method: "mining.notify", session_id: "site-b-s2" },
    { q: "/slush/", instance: "site-b" },
  ];
  for (const f of filters) {
    const want = newest.filter((m) => matchesFilter(m, f) && (f.instance === undefined || m.session_id.startsWith(f.instance)));
    expect(want.length).toBeGreaterThan(0);
    expect({ f, got: await allPages(st, f, 5) }).toEqual({ f, got: want });
  }

  // Export → import into another database: the same lines once in its jobs, the same records.
  const exported = await new Response(st.exportStream()).text();
  await st.close();
  const dst = await fresh("jobsimp");
  const r = await importJsonLinesPg(dst.pg, "importer", textLines(exported));
  expect(r.messages).toEqual({ inserted: written.length, present: 0 });
  expect(((await dst.pg.$client`SELECT count(*)::int AS n FROM jobs`) as Array<{ n: number }>)[0]!.n).toBe(2);
  const back = await readAll(dst.url);
  expect(back.all).toEqual(newest);
  expect(await new Response(back.st.exportStream()).text()).toBe(exported);
  await back.st.close();
});

test.skipIf(!havePg)("PostgreSQL: a line whose hash a different line already holds keeps its line in its own row and reads back exactly", async () => {
  const { url, pg } = await fresh("collide");
  const line = notifyLine(5);
  // Another line under this hash (as a collision would leave it).
  await pg.$client`INSERT INTO jobs (hash, raw, search, last_ms) VALUES (${hash53(line)}, ${"an impostor line"}, ${""}, ${Date.now() + DAY})`;
  const st = await Storage.connect({ url, instanceId: "c", retention: noRetention, writer: manualWriter });
  const c = capture(st, ["x"]);
  c.feed("x", "pool_to_miner", line);
  c.feed("x", "pool_to_miner", notifyLine(6));
  await st.flush();
  await st.close();
  const rows = (await pg.$client`SELECT job, raw FROM messages ORDER BY seq`) as Array<{ job: string | null; raw: string | null }>;
  expect(rows.map((r) => r.raw)).toEqual([line, null]);
  expect(rows[0]!.job).toBeNull();
  expect(Number(rows[1]!.job)).toBe(hash53(notifyLine(6)));
  expect(((await pg.$client`SELECT raw FROM jobs WHERE hash = ${hash53(line)}`) as Array<{ raw: string }>)[0]!.raw).toBe("an impostor line");
  const { st: r, all } = await readAll(url);
  expect(all).toEqual(asJson(c.written).reverse());
  expect(await allPages(r, { q: prevhash(5) }, 10)).toEqual(asJson([c.written[0]!]));
  await r.close();
});

test.skipIf(!havePg)("PostgreSQL: retention deletes the jobs no stored message uses, and keeps the ones in use", async () => {
  const { url, pg } = await fresh("jobsret");
  const st = await Storage.connect({ url, instanceId: "r", retention: noRetention, writer: manualWriter });
  const c = capture(st, ["old", "new"]);
  const now = Date.now();
  c.feed("old", "pool_to_miner", notifyLine(1), now - 10 * DAY);
  c.feed("old", "pool_to_miner", notifyLine(2), now - 10 * DAY);
  // Line 2 is also used by a recent message: its job stays.
  c.feed("new", "pool_to_miner", notifyLine(2), now - 1000);
  c.feed("new", "pool_to_miner", notifyLine(3), now);
  await st.flush();
  await st.close();
  const jobRaws = async () => ((await pg.$client`SELECT raw FROM jobs ORDER BY raw`) as Array<{ raw: string }>).map((j) => j.raw);
  expect(await jobRaws()).toEqual([notifyLine(1), notifyLine(2), notifyLine(3)]);
  expect((await retainOnce(pg, { days: 5, maxMessages: 0 })).deletedMessages).toBe(2);
  expect(await jobRaws()).toEqual([notifyLine(2), notifyLine(3)]);
  const { st: r, all } = await readAll(url);
  expect(all).toEqual(asJson(c.written.slice(2)).reverse());
  await r.close();
  expect((await retainOnce(pg, { days: 0, maxMessages: 1 })).deletedMessages).toBe(1);
  expect(await jobRaws()).toEqual([notifyLine(3)]);
  await pg.$client`DELETE FROM messages`;
  await retainOnce(pg, { days: 5, maxMessages: 0 });
  expect(await jobRaws()).toEqual([]);
});

test.skipIf(!havePg)("PostgreSQL: q finds job lines when more than ten thousand match (the messages query names them by subquery then)", async () => {
  const { url, pg } = await fresh("jobsmany");
  const st = await Storage.connect({ url, instanceId: "m", retention: noRetention, writer: manualWriter });
  const c = capture(st, ["x"]);
  c.feed("x", "pool_to_miner", notifyLine(9));
  c.feed("x", "miner_to_pool", `{"id":1,"method":"mining.subscribe","params":["/slush/-fan"]}`);
  await st.flush();
  // Other lines whose texts match too (hashes below any hash53 a real line gets here, no message uses them).
  await pg.$client`INSERT INTO jobs (hash, raw, search, last_ms) SELECT g, 'line ' || g, '/slush/', 0 FROM generate_series(1, 10001) g`;
  await st.close();
  const { st: r } = await readAll(url);
  expect(await allPages(r, { q: "/slush/" }, 10)).toEqual(asJson(c.written).reverse());
  await r.close();
});
