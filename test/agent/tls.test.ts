import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { bytesToHex } from "nostr-tools/utils";
import { parseTelemetry, runFilter, type TelemetryContent } from "../../src/nostr/events.ts";
import { RelayPool } from "../../src/nostr/relay-pool.ts";
import { startRelay, type RelayHandle } from "../../src/relay/server.ts";
import { startSimPool, type SimPool } from "../../src/sim/pool.ts";
import { spawnScript, type ChildProcess } from "../helpers/procs";
import { RUN, waitFor } from "./helpers.ts";

/**
 * `bun run agent` against a stratum+ssl pool (the sim pool with a throwaway certificate the child trusts through
 * NODE_EXTRA_CA_CERTS): its telemetry times the TLS handshake beside connect, subscribe and authorize.
 */

let dir = "";
let pool: SimPool;
let relay: RelayHandle;
let agent: ChildProcess | null = null;
let watcher: RelayPool | null = null;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "agenttls-"));
  const r = Bun.spawnSync(
    ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
      "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")],
    { stderr: "pipe" },
  );
  if (r.exitCode !== 0) throw new Error(`openssl failed: ${r.stderr.toString()}`);
  pool = await startSimPool({ tls: { cert: readFileSync(join(dir, "cert.pem"), "utf8"), key: readFileSync(join(dir, "key.pem"), "utf8") } });
  relay = startRelay({ port: 0 });
});
afterAll(async () => {
  await agent?.stop(3000);
  watcher?.close();
  await relay?.stop();
  await pool?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("over stratum+ssl the agent reports connect, TLS handshake, subscribe and authorize times", async () => {
  const sk = generateSecretKey();
  const got: TelemetryContent[] = [];
  watcher = new RelayPool({ urls: [relay.url], keepaliveMs: 0 });
  const expect_ = { kind: 30079, runId: RUN, authors: [getPublicKey(sk)] };
  watcher.subscribe({ filter: runFilter(expect_), parse: (e) => parseTelemetry(e, expect_), onEvent: (t) => got.push(t) });
  agent = spawnScript("tls-agent", ["agent/main.ts"], {
    POOL_HOST: `stratum+ssl://127.0.0.1:${pool.port}`,
    RUN_ID: RUN,
    NOSTR_RELAY_URL: relay.url,
    NOSTR_SK: bytesToHex(sk),
    AGENT_ID: "tls-agent",
    TELEMETRY_INTERVAL_SEC: "0.3",
    NODE_EXTRA_CA_CERTS: join(dir, "cert.pem"),
  });
  await waitFor(() => got.some((t) => t.conn_state === "connected" && (t.timings?.tls_handshake_ms.n ?? 0) >= 1), 10_000, "telemetry with TLS timing");
  const t = got.find((x) => x.conn_state === "connected" && (x.timings?.tls_handshake_ms.n ?? 0) >= 1)!;
  expect(t.pool_target).toEqual({ host: "127.0.0.1", port: pool.port });
  for (const k of ["connect_ms", "tls_handshake_ms", "subscribe_ms", "authorize_ms"] as const) {
    expect(t.timings![k].n).toBe(1);
    expect(t.timings![k].p50).toBe(t.timings![k].last);
    expect(t.timings![k].p50).toBeGreaterThanOrEqual(0);
  }
  expect(await agent.stop(3000)).toBe(0);
}, 20_000);
