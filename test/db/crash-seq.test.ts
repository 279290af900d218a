import { afterAll, expect, test } from "bun:test";
import type { MessageRecord } from "../../src/capture/records";
import { CRASH_SEQ_GAP, type StorageStats } from "../../src/db/storage";
import { startSimMiner } from "../../src/sim/miner";
import { startSimPool } from "../../src/sim/pool";
import { until } from "../helpers/net";
import { hashScopePorts, spawnHashScope, type ChildProcess } from "../helpers/procs";
import { tempDir } from "./fixtures";

const tmp = tempDir();
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const c of children) await c.stop(1000);
  tmp.cleanup();
});

/** Every SSE `id:` (= seq) a client of /api/stream is shown, as they arrive. */
function watchStream(url: string): { seqs: number[]; close(): void } {
  const ac = new AbortController();
  const seqs: number[] = [];
  void (async () => {
    try {
      const res = await fetch(url, { signal: ac.signal });
      const dec = new TextDecoder();
      let buf = "";
      for await (const chunk of res.body!) {
        buf += dec.decode(chunk, { stream: true });
        const lines = buf.split("\n");
        buf = lines.pop()!;
        for (const l of lines) if (l.startsWith("id: ")) seqs.push(Number(l.slice(4)));
      }
    } catch {
      // aborted, or the server was killed
    }
  })();
  return { seqs, close: () => ac.abort() };
}

const getJson = async <T>(url: string): Promise<T> => (await (await fetch(url)).json()) as T;

async function start(env: Record<string, string>, id: string) {
  const child = spawnHashScope(id, env);
  children.push(child);
  const ports = await hashScopePorts(child);
  return { child, ports, base: `http://127.0.0.1:${ports.api}` };
}

/** A miner until the new session has at least `n` messages; returns the seqs of that session. */
async function traffic(proxyPort: number, base: string, worker: string, n: number): Promise<number[]> {
  const m = startSimMiner({ host: "127.0.0.1", port: proxyPort, worker, maxSeconds: 15, maxHashesPerSecond: 50_000 });
  const sessionId = async () => (await getJson<{ id: string; miner_addr: string }[]>(`${base}/api/sessions?state=live`))[0]?.id;
  let seqs: number[] = [];
  const end = performance.now() + 10_000;
  while (seqs.length < n && performance.now() < end) {
    await Bun.sleep(50);
    const id = await sessionId();
    if (id) seqs = (await getJson<MessageRecord[]>(`${base}/api/messages?session_id=${id}&limit=1000`)).map((x) => x.seq);
  }
  await m.stop();
  // Everything the miner's session carried is decoded (capture decodes in batches, a moment after the bytes passed):
  // only then is the newest seq the last one this traffic gets.
  const settleEnd = performance.now() + 5000;
  for (;;) {
    const live = await getJson<unknown[]>(`${base}/api/sessions?state=live`);
    const st = await getJson<{ capture: { backlog_bytes: number } }>(`${base}/api/stats`);
    if ((live.length === 0 && st.capture.backlog_bytes === 0) || performance.now() > settleEnd) break;
    await Bun.sleep(20);
  }
  expect(seqs.length).toBeGreaterThanOrEqual(n);
  return seqs;
}

test("kill -9 with traffic flowing: no seq a client was shown is handed out again; a clean stop leaves no gap", async () => {
  const pool = await startSimPool({ jobIntervalMs: 20 });
  try {
    const env = { POOL_HOST: `127.0.0.1:${pool.port}`, DATABASE_URL: tmp.url("crash-seq.db") };

    // 1. Traffic, a client watching the live stream, then SIGKILL (no shutdown code runs).
    const first = await start(env, "first");
    const watcher = watchStream(`${first.base}/api/stream`);
    const miner = startSimMiner({ host: "127.0.0.1", port: first.ports.proxy, worker: "crash.rig", maxSeconds: 20, maxHashesPerSecond: 50_000 });
    await until(() => watcher.seqs.length >= 200, 15_000, "200 messages shown live");
    // A second HashScope on the same database is refused while the first runs: one line, exit 2.
    const twin = spawnHashScope("twin", env);
    expect(await twin.proc.exited).toBe(2);
    expect(twin.output().trim()).toMatch(/^config error: DATABASE_URL: .*crash-seq\.db is in use by another HashScope or an import/);
    expect(twin.output().trim().split("\n").length).toBe(1);
    first.child.proc.kill("SIGKILL");
    await first.child.proc.exited;
    watcher.close();
    await miner.stop();
    const shown = Math.max(...watcher.seqs);

    // 2. The killed process's lock went with it. The restart knows it follows a crash and jumps past anything the dead
    //    run could have handed out.
    const second = await start(env, "second");
    const stats = await getJson<StorageStats>(`${second.base}/api/storage`);
    expect(stats.recovered_from_crash).toBe(true);
    const onDisk = (await getJson<MessageRecord[]>(`${second.base}/api/messages?limit=1`))[0]!.seq;
    expect(onDisk).toBeLessThanOrEqual(shown);
    const afterCrash = await traffic(second.ports.proxy, second.base, "after-crash.rig", 10);
    expect(Math.min(...afterCrash)).toBeGreaterThanOrEqual(onDisk + 1 + CRASH_SEQ_GAP);
    expect(Math.min(...afterCrash)).toBeGreaterThan(shown);

    // 3. A clean stop records everything: the next run continues with the very next seq. The signal comes twice, as a
    //    terminal's Ctrl-C does (it reaches `bun run` and HashScope, and `bun run` forwards its copy): one stop, no error.
    const last = (await getJson<MessageRecord[]>(`${second.base}/api/messages?limit=1`))[0]!.seq;
    second.child.proc.kill("SIGINT");
    await Bun.sleep(30); // the forwarded copy comes a moment later, while the first stop is under way
    second.child.proc.kill("SIGINT");
    expect(await second.child.proc.exited).toBe(0);
    expect(second.child.output()).not.toMatch(/error|failed|closed database/i);
    const third = await start(env, "third");
    expect((await getJson<StorageStats>(`${third.base}/api/storage`)).recovered_from_crash).toBe(false);
    const afterStop = await traffic(third.ports.proxy, third.base, "after-stop.rig", 10);
    expect(Math.min(...afterStop)).toBe(last + 1);
    expect(await third.child.stop(5000)).toBe(0);
  } finally {
    await pool.stop();
  }
}, 60_000);
