import { afterEach, expect, test } from "bun:test";
import { StratumClient, type RpcReply, type ServerMessage } from "../../src/net/stratum-client";
import { hexToBytes, rollVersion, shareHash, type NotifyJob } from "../../src/stratum/header";
import { NonceScanner, type Found } from "../../src/sim/scan";
import { startSimPool, type SimPool, type SimPoolOptions } from "../../src/sim/pool";
import { startSimMiner } from "../../src/sim/miner";

const EASY = 2 ** -16; // ~65k hashes per share: fast tests

const pools: SimPool[] = [];
const clients: StratumClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const p of pools.splice(0)) await p.stop();
});

async function pool(o: SimPoolOptions = {}): Promise<SimPool> {
  const p = await startSimPool({ difficulty: EASY, jobIntervalMs: 0, ...o });
  pools.push(p);
  return p;
}

/** A hand-driven miner session: raw client plus the latest job and difficulty. */
async function session(p: SimPool, opts: { subscribe?: boolean; authorize?: string | null; configure?: boolean } = {}) {
  const notes: ServerMessage[] = [];
  const closed: string[] = [];
  const client = new StratumClient({
    host: "127.0.0.1",
    port: p.port,
    onNotification: (m) => notes.push(m),
    onClose: (r) => closed.push(r),
  });
  clients.push(client);
  await client.connect();
  let mask: string | null = null;
  if (opts.configure) {
    const r = await client.request("mining.configure", [["version-rolling"], { "version-rolling.mask": "ffffffff" }], 2000);
    mask = (r.result as Record<string, string>)["version-rolling.mask"] ?? null;
  }
  let extranonce1 = "";
  if (opts.subscribe ?? true) {
    const r = await client.request("mining.subscribe", ["test/1.0"], 2000);
    extranonce1 = (r.result as unknown[])[1] as string;
  }
  const worker = opts.authorize === undefined ? "w.1" : opts.authorize;
  if (worker !== null) await client.request("mining.authorize", [worker, "x"], 2000);
  const latestJob = async (): Promise<NotifyJob> => {
    for (let i = 0; i < 200; i++) {
      const n = notes.filter((m) => m.method === "mining.notify").at(-1);
      if (n) {
        const q = n.params as [string, string, string, string, string[], string, string, string, boolean];
        return { job_id: q[0], prevhash: q[1], coinb1: q[2], coinb2: q[3], merkle_branch: q[4], version: q[5], nbits: q[6], ntime: q[7] };
      }
      await Bun.sleep(10);
    }
    throw new Error("no job");
  };
  return { client, notes, closed, extranonce1, worker: worker ?? "w.1", mask, latestJob };
}

/** Finds a share meeting `difficulty` for this job, hashing for real (bounded). */
function findShare(job: NotifyJob, en1: string, difficulty: number, en2 = "00000000", versionBits: string | null = null, mask: string | null = null) {
  const s = new NonceScanner({
    job,
    extranonce1: en1,
    extranonce2: en2,
    version: rollVersion(job.version, versionBits, mask),
    versionBits,
    difficulty,
  });
  for (let i = 0; i < 2000; i++) {
    const f: Found | undefined = s.scan(10_000)[0];
    if (f) return f;
  }
  throw new Error("no share found in 20M hashes");
}

const submit = (c: StratumClient, params: string[]): Promise<RpcReply> => c.request("mining.submit", params, 2000);
const code = (r: RpcReply): number | null => (Array.isArray(r.error) ? (r.error[0] as number) : null);

test("a simulated miner finds shares that the pool accepts", async () => {
  const p = await pool();
  const m = startSimMiner({ host: "127.0.0.1", port: p.port, worker: "rig.1", maxShares: 5, maxSeconds: 20 });
  await m.ready;
  await m.done;
  expect(m.stats.submitted).toBe(5);
  expect(m.stats.accepted).toBe(5);
  expect(m.stats.rejected).toBe(0);
  expect(m.stats.hashes).toBeGreaterThan(0);
  expect(p.stats.accepted).toBe(5);
  expect(p.outcomes.every((o) => o.accepted && o.worker === "rig.1" && (o.shareDifficulty ?? 0) >= EASY)).toBe(true);
});

test("miner bad shares are rejected with the right codes", async () => {
  const p = await pool();
  const m = startSimMiner({ host: "127.0.0.1", port: p.port, worker: "rig.bad", badShareRatio: 1, maxShares: 6, maxSeconds: 20 });
  await m.done;
  // Kinds rotate stale → low → duplicate (the duplicate sends the good share, then its repeat).
  expect(p.stats.rejectedByCode["21"]).toBeGreaterThanOrEqual(1);
  expect(p.stats.rejectedByCode["23"]).toBeGreaterThanOrEqual(1);
  expect(p.stats.rejectedByCode["22"]).toBeGreaterThanOrEqual(1);
  expect(m.stats.rejected).toBe(p.stats.rejected);
  expect(m.stats.accepted).toBe(p.stats.accepted);
});

test("pool validates for real: accepted, duplicate 22, tampered nonce 23, stale job 21", async () => {
  const p = await pool();
  const s = await session(p);
  const job = await s.latestJob();
  const f = findShare(job, s.extranonce1, EASY);
  const good = [s.worker, job.job_id, "00000000", job.ntime, f.nonce];
  const r1 = await submit(s.client, good);
  expect(r1.result).toBe(true);
  expect(r1.error).toBeNull();
  expect(code(await submit(s.client, good))).toBe(22);

  // A nonce whose hash (checked here independently) is below the difficulty.
  let bad = (parseInt(f.nonce, 16) + 1) >>> 0;
  const diffOf = (n: number) =>
    shareHash({
      job,
      extranonce1: s.extranonce1,
      submit: { extranonce2: "00000000", ntime: job.ntime, nonce: n.toString(16).padStart(8, "0"), version_bits: null },
      versionMask: null,
    }).difficulty;
  while (diffOf(bad) >= EASY) bad++;
  const low = await submit(s.client, [s.worker, job.job_id, "00000000", job.ntime, bad.toString(16).padStart(8, "0")]);
  expect(code(low)).toBe(23);
  expect(low.result).toBe(false);

  // A clean job makes the old one stale.
  const f2 = findShare(job, s.extranonce1, EASY, "00000001");
  p.newJob(true);
  const stale = await submit(s.client, [s.worker, job.job_id, "00000001", job.ntime, f2.nonce]);
  expect(code(stale)).toBe(21);
  expect(code(await submit(s.client, [s.worker, "nope", "00000001", job.ntime, f2.nonce]))).toBe(21);
  expect(p.stats).toMatchObject({ submits: 5, accepted: 1, rejected: 4, rejectedByCode: { "21": 2, "22": 1, "23": 1 } });
  const o = await p.waitForOutcome((x) => x.error?.[0] === 23, 1000);
  expect(o.shareDifficulty).toBeLessThan(EASY);
});

test("difficulty applies to jobs sent after it is set", async () => {
  const p = await pool();
  const s = await session(p);
  const job1 = await s.latestJob();
  p.setDifficulty(EASY * 64);
  let job2 = await s.latestJob();
  for (let i = 0; i < 100 && job2.job_id === job1.job_id; i++) job2 = (await Bun.sleep(10), await s.latestJob());
  expect(job2.job_id).not.toBe(job1.job_id);
  // A share good enough for the old difficulty only: accepted on the old job.
  const f1 = findShare(job1, s.extranonce1, EASY);
  const oldJob = await submit(s.client, [s.worker, job1.job_id, "00000000", job1.ntime, f1.nonce]);
  expect(oldJob.result).toBe(true);
  // On the new job, a share below the new difficulty is rejected as low difficulty.
  const scanner = new NonceScanner({ job: job2, extranonce1: s.extranonce1, extranonce2: "00000000", version: job2.version, versionBits: null, difficulty: EASY });
  let weak: Found | undefined;
  for (let i = 0; i < 2000 && !weak; i++) weak = scanner.scan(10_000).find((x) => x.difficulty < EASY * 64);
  expect(weak).toBeDefined();
  const r = await submit(s.client, [s.worker, job2.job_id, "00000000", job2.ntime, weak!.nonce]);
  expect(code(r)).toBe(23);
});

test("session rules: not subscribed 25, unauthorized worker 24, version bits outside mask 20, authorize predicate", async () => {
  const p = await pool({ authorize: (w) => !w.startsWith("banned") });
  const job = p.currentJob!;
  const s0 = await session(p, { subscribe: false, authorize: null });
  expect(code(await submit(s0.client, ["w.1", job.job_id, "00000000", job.ntime, "00000000"]))).toBe(25);

  const s1 = await session(p, { authorize: null });
  expect(code(await submit(s1.client, ["w.1", job.job_id, "00000000", job.ntime, "00000000"]))).toBe(24);
  const denied = await s1.client.request("mining.authorize", ["banned.1", "x"], 2000);
  expect(denied.result).toBe(false);
  expect(code(denied)).toBe(24);

  const s2 = await session(p, { configure: true });
  expect(s2.mask).toBe("1fffe000");
  const j2 = await s2.latestJob();
  expect(code(await submit(s2.client, [s2.worker, j2.job_id, "00000000", j2.ntime, "00000000", "00000001"]))).toBe(20);
  // Rolled bits inside the mask are hashed into the header and accepted.
  const f = findShare(j2, s2.extranonce1, EASY, "00000000", "00006000", s2.mask);
  const ok = await submit(s2.client, [s2.worker, j2.job_id, "00000000", j2.ntime, f.nonce, "00006000"]);
  expect(ok.result).toBe(true);
  expect(code(await s2.client.request("mining.unknown", [], 2000))).toBe(-3);
  expect((await s2.client.request("mining.extranonce.subscribe", [], 2000)).result).toBe(true);
  expect((await s2.client.request("mining.suggest_difficulty", [1], 2000)).result).toBe(true);
});

test("extranonce1 is unique per connection and 4 bytes; subscribe result has the usual shape", async () => {
  const p = await pool();
  const a = await session(p);
  const b = await session(p);
  expect(hexToBytes(a.extranonce1).length).toBe(4);
  expect(a.extranonce1).not.toBe(b.extranonce1);
  const c = await session(p, { subscribe: false, authorize: null });
  const r = await c.client.request("mining.subscribe", [], 2000);
  const res = r.result as [unknown[], string, number];
  expect(res[2]).toBe(4);
  expect(res[0]).toEqual([["mining.set_difficulty", res[1]], ["mining.notify", res[1]]]);
  expect(p.connections).toBe(3);
});

test("hostile worker names go through verbatim; sendToAll, get_version replies, dropAll", async () => {
  const p = await pool();
  const hostile = `<script>alert("x")</script>\u0000"; DROP TABLE`;
  const m = startSimMiner({ host: "127.0.0.1", port: p.port, worker: hostile, maxShares: 1, maxSeconds: 20 });
  await m.done;
  expect(p.outcomes[0]?.worker).toBe(hostile);
  expect(p.outcomes[0]?.accepted).toBe(true);

  const s = await session(p);
  p.sendToAll(JSON.stringify({ id: null, method: "client.show_message", params: ["<img src=x onerror=alert(1)>"] }));
  p.sendToAll(JSON.stringify({ id: 77, method: "client.get_version", params: [] }));
  for (let i = 0; i < 100 && p.clientReplies.length === 0; i++) await Bun.sleep(10);
  expect(JSON.parse(p.clientReplies[0]!.line)).toMatchObject({ id: 77, error: null });
  expect(s.notes.some((n) => n.method === "client.show_message" && (n.params as string[])[0] === "<img src=x onerror=alert(1)>")).toBe(true);

  p.dropAll();
  for (let i = 0; i < 100 && s.closed.length === 0; i++) await Bun.sleep(10);
  expect(s.closed.length).toBe(1);
  for (let i = 0; i < 100 && p.connections > 0; i++) await Bun.sleep(10);
  expect(p.connections).toBe(0);
});

test("periodic jobs: realistic fields, clean_jobs on every Nth, older jobs stale after a clean one", async () => {
  const p = await pool({ jobIntervalMs: 40, cleanEvery: 2 });
  const s = await session(p);
  for (let i = 0; i < 200 && s.notes.filter((m) => m.method === "mining.notify").length < 5; i++) await Bun.sleep(10);
  const notifies = s.notes.filter((m) => m.method === "mining.notify").map((m) => m.params as unknown[]);
  expect(notifies.length).toBeGreaterThanOrEqual(5);
  const cleans = notifies.map((q) => q[8]);
  expect(cleans).toContain(true);
  expect(cleans).toContain(false);
  for (const q of notifies) {
    const [jobId, prevhash, coinb1, coinb2, branches, version, nbits, ntime] = q as [string, string, string, string, string[], string, string, string];
    expect(jobId.length).toBeGreaterThan(0);
    expect(hexToBytes(prevhash).length).toBe(32);
    expect(coinb1.startsWith("01000000")).toBe(true);
    expect(coinb2.endsWith("00000000")).toBe(true);
    expect(branches.length).toBeLessThanOrEqual(3);
    expect(version).toBe("20000000");
    expect(nbits).toBe("1d00ffff");
    expect(Math.abs(parseInt(ntime, 16) - Date.now() / 1000)).toBeLessThan(120);
  }
  // The first job was issued before a clean one followed, so it is stale now.
  const first = notifies[0]![0] as string;
  expect(code(await submit(s.client, [s.worker, first, "00000000", notifies[0]![7] as string, "00000000"]))).toBe(21);
});
