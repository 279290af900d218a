import { afterAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Storage } from "../../src/db/storage";
import { until } from "../helpers/net";
import { line, smallStore, tempDir, upstream } from "./fixtures";

/** What the storage says when it cannot do its job: a bad folder, a full disk, a full write queue, failing writes. */

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const noRetention = { days: 0, maxMessages: 0 };
const ROOT = path.join(import.meta.dir, "..", "..");

test("a data directory that cannot be made is one config error line naming DATABASE_URL, exit 2", () => {
  // A regular file where a folder should be: fails for root too (permissions would not).
  const blocker = path.join(tmp.dir, "not-a-folder");
  writeFileSync(blocker, "x");
  const r = spawnSync("bun", ["src/main.ts"], {
    cwd: ROOT,
    env: { ...process.env, POOL_HOST: "127.0.0.1:1", LISTEN_PORT: "0", API_PORT: "0", DATABASE_URL: `sqlite:${blocker}/data/h.db` },
    encoding: "utf8",
    timeout: 30_000,
  });
  expect(r.status).toBe(2);
  const lines = r.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toStartWith("config error: DATABASE_URL: ");
  expect(lines[0]).toContain("not-a-folder");
});

/** A 2 MiB tmpfs (root only); null when this machine does not allow mounting one. */
function smallDisk(): { dir: string; unmount(): void } | null {
  const dir = path.join(tmp.dir, "small-disk");
  mkdirSync(dir, { recursive: true });
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", dir], { encoding: "utf8" });
  if (r.status !== 0) {
    console.warn(`SKIP full-disk tests: cannot mount a tmpfs here (${(r.stderr || r.error?.message || "").trim()})`);
    return null;
  }
  return { dir, unmount: () => void spawnSync("umount", ["-l", dir]) };
}

const fill = (dir: string) => {
  try {
    writeFileSync(path.join(dir, "filler"), new Uint8Array(4 * 1024 * 1024));
  } catch {
    // ENOSPC: the disk is full now, which is the point.
  }
};

test("a full disk: writes fail and are counted with their error; a restart says the disk is full, not 'in use'", async () => {
  const disk = smallDisk();
  if (!disk) return;
  try {
    const url = `sqlite:${disk.dir}/data/h.db`;
    const st = Storage.open({ url, retention: noRetention, writer: { flushMs: 10 } });
    const store = smallStore(st.firstSeq, 100_000, 100_000);
    st.attach(store);
    store.openSession({ id: "s", miner_addr: "m", upstream });
    fill(disk.dir);
    // Big distinct lines so the database must grow: the disk has no room for it.
    for (let i = 0; i < 4_000; i++) store.add({ ...line("s", i), raw: `${i} ${"x".repeat(2_000)}`, json: null, kind: "invalid" });
    await until(() => st.stats().write_failures > 0, 20_000, "a failed write");
    const s = st.stats();
    expect(s.last_write_error).toMatch(/full/i);
    expect(s.dropped).toBeGreaterThan(0);
    await st.close();

    // Room again for a clean run (its close checkpoints and removes the WAL), then a full disk at the next start.
    rmSync(path.join(disk.dir, "filler"));
    await Storage.open({ url, retention: noRetention }).close();
    fill(disk.dir);
    let message = "";
    try {
      await Storage.open({ url, retention: noRetention }).close();
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toStartWith("config error: DATABASE_URL: ");
    expect(message).toContain("the disk is full");
    expect(message).not.toContain("in use");
  } finally {
    disk.unmount();
  }
});

test("the write queue is bounded in bytes: what does not fit is dropped and counted, and the stats say so", async () => {
  const maxQueueBytes = 64 * 1024;
  const st = Storage.open({
    url: tmp.url("bytes.db"),
    retention: noRetention,
    writer: { flushMs: 3_600_000, batchSize: 1_000_000, maxQueueBytes },
  });
  const store = smallStore(st.firstSeq, 1000, 1000);
  st.attach(store);
  store.openSession({ id: "s", miner_addr: "m", upstream });
  for (let i = 0; i < 100; i++) store.add({ ...line("s", i), raw: "y".repeat(4_000), size_bytes: 4_001, json: null, kind: "invalid" });
  const s = st.stats();
  expect(s.max_queued_bytes).toBe(maxQueueBytes);
  expect(s.queued_bytes).toBeLessThanOrEqual(maxQueueBytes);
  expect(s.queued_bytes).toBeGreaterThan(maxQueueBytes / 2);
  // Each line costs ~8.4 KB in the queue's estimate: 7 fit, 93 are dropped.
  expect(s.dropped).toBe(93);
  expect(s.writer?.queued).toBe(7);
  expect(s).toMatchObject({ write_failures: 0, last_write_error: null });
  await st.flush();
  expect(st.stats()).toMatchObject({ queued_bytes: 0, dropped: 93 });
  await st.close();
  rmSync(tmp.url("bytes.db").slice("sqlite:".length), { force: true });
});
