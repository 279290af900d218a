import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimPool, type SimPool } from "../../src/sim/pool";
import { startSimMiner } from "../../src/sim/miner";

// A throwaway self-signed certificate for 127.0.0.1, made with the real openssl.
let dir = "";
let cert = "";
let key = "";
let pool: SimPool | null = null;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "simtls-"));
  const r = Bun.spawnSync(
    ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
      "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
      "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")],
    { stderr: "pipe" },
  );
  if (r.exitCode !== 0) throw new Error(`openssl failed: ${r.stderr.toString()}`);
  cert = readFileSync(join(dir, "cert.pem"), "utf8");
  key = readFileSync(join(dir, "key.pem"), "utf8");
});

afterAll(async () => {
  await pool?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("miner over TLS to the simulated pool, trusting the pool's certificate as CA", async () => {
  pool = await startSimPool({ difficulty: 2 ** -16, tls: { cert, key } });
  const m = startSimMiner({ host: "127.0.0.1", port: pool.port, tls: { ca: cert }, worker: "tls.1", maxShares: 2, maxSeconds: 20 });
  await m.ready;
  await m.done;
  expect(m.stats.accepted).toBe(2);
  expect(pool.stats.accepted).toBe(2);
});

test("TLS with an untrusted certificate fails the handshake", async () => {
  const m = startSimMiner({ host: "127.0.0.1", port: pool!.port, tls: true, worker: "tls.2", maxSeconds: 5 });
  await expect(m.ready).rejects.toBeDefined();
  await m.done;
  expect(m.stats.submitted).toBe(0);
});

test("the Stratum client times the TCP connect and, over TLS only, the handshake after it", async () => {
  const { StratumClient } = await import("../../src/net/stratum-client");
  const tls = new StratumClient({ host: "127.0.0.1", port: pool!.port, tls: { ca: cert } });
  await tls.connect();
  await tls.request("mining.subscribe", ["timing-test"]);
  expect(tls.timing.connectMs).toBeGreaterThanOrEqual(0);
  expect(tls.timing.tlsHandshakeMs).toBeGreaterThan(0);
  tls.close("done");
  const plainPool = await startSimPool({});
  try {
    const plain = new StratumClient({ host: "127.0.0.1", port: plainPool.port });
    await plain.connect();
    await plain.request("mining.subscribe", ["timing-test"]);
    expect(plain.timing.connectMs).toBeGreaterThanOrEqual(0);
    expect(plain.timing.tlsHandshakeMs).toBeNull();
    plain.close("done");
  } finally {
    await plainPool.stop();
  }
});
