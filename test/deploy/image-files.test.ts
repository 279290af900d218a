import { afterAll, expect, test } from "bun:test";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startSimPool, type SimPool } from "../../src/sim/pool";
import { startSimMiner } from "../../src/sim/miner";
import { until } from "../helpers/net";
import { hashScopePorts, spawnScript, type ChildProcess } from "../helpers/procs";

/**
 * No Docker engine here, so this checks the next best thing: the files the Dockerfile's runtime stage copies, plus a locked
 * production install (what its deps stage does), are enough to run every role. It catches a source importing something the
 * image does not copy, or a dev-only dependency used at run time.
 */

const ROOT = path.join(import.meta.dir, "..", "..");
const app = mkdtempSync(path.join(tmpdir(), "hashscope-image-"));
const children: ChildProcess[] = [];
let pool: SimPool | null = null;
afterAll(async () => {
  for (const c of children) await c.stop(2000);
  await pool?.stop();
  rmSync(app, { recursive: true, force: true });
});

/** The runtime stage's `COPY <src...> <dest>` lines (not `--from=`), applied to a folder. */
async function copyLikeTheImage(): Promise<string[]> {
  const docker = await Bun.file(path.join(ROOT, "Dockerfile")).text();
  const runtime = docker.slice(docker.lastIndexOf("\nFROM "));
  const copied: string[] = [];
  for (const line of runtime.split("\n")) {
    const m = /^COPY (?!--)(.+)$/.exec(line.trim());
    if (!m) continue;
    const parts = m[1]!.split(/\s+/);
    const dest = parts.pop()!;
    for (const src of parts) {
      const to = dest.endsWith("/") ? path.join(app, dest, path.basename(src)) : path.join(app, dest);
      cpSync(path.join(ROOT, src), to, { recursive: true });
      copied.push(src);
    }
  }
  return copied;
}

test("the image's files and a production install run all three roles: start (pages and assets), relay, agent", async () => {
  const copied = await copyLikeTheImage();
  expect(copied).toEqual(expect.arrayContaining(["package.json", "bun.lock", "src", "agent", "drizzle"]));
  const install = Bun.spawnSync([process.execPath, "install", "--frozen-lockfile", "--production"], { cwd: app, stdout: "pipe", stderr: "pipe" });
  expect({ code: install.exitCode, err: install.exitCode === 0 ? "" : install.stderr.toString() }).toEqual({ code: 0, err: "" });

  const env = { NODE_ENV: "production" };
  pool = await startSimPool({ jobIntervalMs: 500 });
  const hs = spawnScript("start", ["run", "start"], {
    ...env,
    POOL_HOST: `127.0.0.1:${pool.port}`,
    LISTEN_HOST: "127.0.0.1",
    LISTEN_PORT: "0",
    API_HOST: "127.0.0.1",
    API_PORT: "0",
    NOSTR_ENABLED: "false",
  }, app);
  children.push(hs);
  const ports = await hashScopePorts(hs, 20_000);
  const base = `http://127.0.0.1:${ports.api}`;
  const miner = startSimMiner({ host: "127.0.0.1", port: ports.proxy, worker: "image.rig", maxShares: 2, maxSeconds: 10 });
  await miner.done;
  // Pages render, and every script and stylesheet they name is served (htmx and Alpine come from node_modules).
  for (const page of ["/", "/messages", "/sessions", "/agents"]) {
    const res = await fetch(base + page);
    expect({ page, status: res.status }).toEqual({ page, status: 200 });
    const html = await res.text();
    const assets = [...html.matchAll(/(?:src|href)="(\/static\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(0);
    for (const a of assets) expect({ a, status: (await fetch(base + a)).status }).toEqual({ a, status: 200 });
  }
  const submits = (await (await fetch(`${base}/api/messages?method=mining.submit&kind=request`)).json()) as unknown[];
  expect(submits.length).toBe(2);
  // The default database file is created where the image keeps its volume.
  expect(await Bun.file(path.join(app, "data", "hashscope.db")).exists()).toBe(true);

  const relay = spawnScript("relay", ["run", "relay"], { ...env, RELAY_PORT: "0" }, app);
  children.push(relay);
  await until(() => /relay listening on ws:\/\/127\.0\.0\.1:\d+/.test(relay.output()), 15_000, "relay started");
  const relayUrl = /(ws:\/\/127\.0\.0\.1:\d+)/.exec(relay.output())![1]!;

  const agent = spawnScript("agent", ["run", "agent"], {
    ...env,
    POOL_HOST: `127.0.0.1:${pool.port}`,
    RUN_ID: "image-test",
    NOSTR_RELAY_URL: relayUrl,
    AGENT_ID: "image-agent",
  }, app);
  children.push(agent);
  await until(() => agent.output().includes("pool: state connected") && agent.output().includes(`nostr: ${relayUrl} connected`), 15_000, "agent connected to pool and relay");
  expect(await agent.stop(5000)).toBe(0);
  expect(await relay.stop(5000)).toBe(0);
  expect(await hs.stop(5000)).toBe(0);
}, 90_000);
