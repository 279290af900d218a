import { describe, expect, test } from "bun:test";
import { generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { bytesToHex } from "nostr-tools/utils";
import { parseTelemetry, runFilter, type TelemetryContent } from "../../src/nostr/events.ts";
import { RelayPool } from "../../src/nostr/relay-pool.ts";
import { startRelay } from "../../src/relay/server.ts";
import { startSimPool } from "../../src/sim/pool.ts";
import { RUN, waitFor } from "./helpers.ts";

describe("bun run agent as a process", () => {
  test("logs only its public key, reports, and sends a last telemetry on SIGTERM, exit 0", async () => {
    const pool = await startSimPool();
    const relay = startRelay({ port: 0 });
    const sk = generateSecretKey();
    const pk = getPublicKey(sk);
    const got: TelemetryContent[] = [];
    const watcher = new RelayPool({ urls: [relay.url], keepaliveMs: 0 });
    const expect_ = { kind: 30079, runId: RUN, authors: [pk] };
    watcher.subscribe({ filter: runFilter(expect_), parse: (e) => parseTelemetry(e, expect_), onEvent: (t) => got.push(t) });
    const skHex = bytesToHex(sk);
    const proc = Bun.spawn(["bun", "agent/main.ts"], {
      cwd: `${import.meta.dir}/../..`,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/tmp",
        POOL_HOST: `stratum+tcp://127.0.0.1:${pool.port}`,
        RUN_ID: RUN,
        NOSTR_RELAY_URL: relay.url,
        NOSTR_SK: skHex,
        FLY_REGION: "ams",
        FLY_MACHINE_ID: "m1",
        // Long, so the telemetry after SIGTERM can only be the last one.
        TELEMETRY_INTERVAL_SEC: "60",
      },
      stdout: "pipe",
      stderr: "pipe",
    });
    let out = "";
    const reading = (async () => {
      const dec = new TextDecoder();
      for await (const chunk of proc.stdout) out += dec.decode(chunk);
    })();
    try {
      await waitFor(() => got.length === 1 && pool.connections === 1, 8000, "first telemetry");
      expect(got[0]!.agent_id).toBe("ams-m1");
      expect(got[0]!.region).toBe("ams");
      await waitFor(() => out.includes("pool: state connected"), 4000, "agent authorized");
      proc.kill("SIGTERM");
      const code = await proc.exited;
      expect(code).toBe(0);
      await waitFor(() => got.length === 2, 3000, "last telemetry");
      expect(got[1]!.conn_state).toBe("connected");
      await reading;
      expect(out).toContain(pk);
      expect(out).not.toContain(skHex);
      expect(out).toContain("SIGTERM");
    } finally {
      if (proc.exitCode === null) proc.kill("SIGKILL");
      watcher.close();
      await relay.stop();
      await pool.stop();
    }
  });
});
