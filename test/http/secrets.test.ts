import { afterAll, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readableByOthers } from "../../src/env";
import { until } from "../helpers/net";
import { hashScopePorts, spawnScript } from "../helpers/procs";

const MAIN = join(import.meta.dir, "../../src/main.ts");
const SK = "7f".repeat(32);
const dir = mkdtempSync(join(tmpdir(), "hs-secrets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("a .env readable by others is warned about; 0600 is not", () => {
  const f = join(dir, "perm.env");
  writeFileSync(f, "API_TOKEN=x\n");
  chmodSync(f, 0o644);
  expect(readableByOthers(f)).toContain("chmod 600");
  chmodSync(f, 0o600);
  expect(readableByOthers(f)).toBeNull();
  expect(readableByOthers(join(dir, "missing.env"))).toBeNull();
});

test("NOSTR_SK from a world-readable .env: a warning at start, and the key is never logged or served", async () => {
  writeFileSync(
    join(dir, ".env"),
    [
      "POOL_HOST=127.0.0.1:9", // nothing listens there; no miner connects in this test
      "DATABASE_URL=sqlite::memory:",
      "NOSTR_ENABLED=true",
      "NOSTR_RELAY_URL=ws://127.0.0.1:9",
      `NOSTR_SK=${SK}`,
      "RUN_ID=secrets-test",
    ].join("\n"),
  );
  chmodSync(join(dir, ".env"), 0o644);
  // Bun reads .env from the working directory, as `bun run start` next to package.json does.
  const child = spawnScript("secrets", [MAIN], { LISTEN_HOST: "127.0.0.1", LISTEN_PORT: "0", API_HOST: "127.0.0.1", API_PORT: "0" }, dir);
  try {
    const { api } = await hashScopePorts(child);
    // Printed first, on stderr, which may arrive after the start line on stdout: wait for it, bounded.
    await until(() => child.output().includes("WARNING: .env can be read by other users (mode 644)"), 5000, "the .env warning");
    const base = `http://127.0.0.1:${api}`;
    for (const p of ["/api/nostr", "/api/stats", "/api/storage", "/metrics", "/api/docs", "/", "/agents", "/docs", "/health"]) {
      const body = await (await fetch(`${base}${p}`)).text();
      expect(body, p).not.toContain(SK);
    }
    expect(await (await fetch(`${base}/api/nostr`)).text()).toContain("public"); // it does answer, with the public key
    expect(child.output()).not.toContain(SK);
  } finally {
    await child.stop();
  }
  expect(child.output()).not.toContain(SK);
});
