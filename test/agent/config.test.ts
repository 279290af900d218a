import { describe, expect, test } from "bun:test";
import { defaultAgentId, loadAgentConfig } from "../../agent/config.ts";
import { ConfigError } from "../../src/env.ts";

const base = { POOL_HOST: "pool.example.com", RUN_ID: "run-1", NOSTR_RELAY_URL: "ws://127.0.0.1:7447" };

const failure = (env: Record<string, string>): ConfigError => {
  try {
    loadAgentConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error("expected a ConfigError");
};

describe("agent config", () => {
  test("defaults (README.md#configuration-agent)", () => {
    const c = loadAgentConfig({ ...base, HOSTNAME_IGNORED: "x" });
    expect(c.pool).toEqual({ host: "pool.example.com", port: 3333, tls: false });
    expect(c.workerBase).toBe("hashscope_agent");
    expect(c.workerPassword).toBe("x");
    expect(c.kindShare).toBe(30080);
    expect(c.kindTelemetry).toBe(30079);
    expect(c.telemetryIntervalMs).toBe(5000);
    expect(c.mitmPubkey).toBeNull();
    expect(c.sk).toBeNull();
    expect(c.region).toBeNull();
    expect(c.relayUrls).toEqual(["ws://127.0.0.1:7447"]);
    expect(c.agentId.length).toBeGreaterThan(0);
  });

  test("pool URL forms, relay list, Fly identity", () => {
    const c = loadAgentConfig({
      ...base,
      POOL_HOST: "stratum+ssl://pool.example.com:4443",
      POOL_PORT: "3333",
      NOSTR_RELAY_URL: "wss://a.example, ws://127.0.0.1:1",
      FLY_REGION: "ams",
      FLY_MACHINE_ID: "e784079b449483",
      NOSTR_MITM_PUBKEY: "AB".repeat(32),
      TELEMETRY_INTERVAL_SEC: "0.5",
    });
    expect(c.pool).toEqual({ host: "pool.example.com", port: 4443, tls: true });
    expect(c.relayUrls).toEqual(["wss://a.example", "ws://127.0.0.1:1"]);
    expect(c.agentId).toBe("ams-e784079b449483");
    expect(c.region).toBe("ams");
    expect(c.mitmPubkey).toBe("ab".repeat(32));
    expect(c.telemetryIntervalMs).toBe(500);
    expect(loadAgentConfig({ ...base, AGENT_REGION: "home", AGENT_ID: "rig-7" })).toMatchObject({ region: "home", agentId: "rig-7" });
    // Both set: the operator's AGENT_REGION wins over the platform's FLY_REGION (the id still comes from Fly).
    expect(loadAgentConfig({ ...base, FLY_REGION: "ams", FLY_MACHINE_ID: "m1", AGENT_REGION: "eu-west-test" })).toMatchObject({
      region: "eu-west-test",
      agentId: "ams-m1",
    });
    expect(defaultAgentId({}, "my host")).toBe("my_host");
  });

  test("each bad value names its variable", () => {
    const cases: [Record<string, string>, string][] = [
      [{ POOL_HOST: "pool", NOSTR_RELAY_URL: "ws://x" }, "RUN_ID"],
      [{ POOL_HOST: "pool", RUN_ID: "r" }, "NOSTR_RELAY_URL"],
      [{ RUN_ID: "r", NOSTR_RELAY_URL: "ws://x" }, "POOL_HOST"],
      [{ ...base, RUN_ID: "" }, "RUN_ID"], // empty counts as unset
      [{ ...base, NOSTR_RELAY_URL: "http://relay" }, "NOSTR_RELAY_URL"],
      [{ ...base, POOL_HOST: "http://pool" }, "POOL_HOST"],
      [{ ...base, POOL_PORT: "70000" }, "POOL_PORT"],
      [{ ...base, NOSTR_SK: "zz" }, "NOSTR_SK"],
      [{ ...base, NOSTR_MITM_PUBKEY: "abc" }, "NOSTR_MITM_PUBKEY"],
      [{ ...base, NOSTR_KIND_SHARE: "1" }, "NOSTR_KIND_SHARE"],
      [{ ...base, TELEMETRY_INTERVAL_SEC: "soon" }, "TELEMETRY_INTERVAL_SEC"],
      [{ ...base, WORKER_NAME: "a b" }, "WORKER_NAME"],
    ];
    for (const [env, variable] of cases) expect(failure(env).variable).toBe(variable);
  });

  test("bun run agent with a bad variable prints one line naming it and exits 2", async () => {
    const env: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...base, NOSTR_RELAY_URL: "nope" };
    const p = Bun.spawn(["bun", "agent/main.ts"], { cwd: `${import.meta.dir}/../..`, env, stdout: "pipe", stderr: "pipe" });
    const code = await p.exited;
    const err = (await new Response(p.stderr).text()).trim();
    expect(code).toBe(2);
    expect(err.split("\n")).toHaveLength(1);
    expect(err).toContain("NOSTR_RELAY_URL");
  });
});
