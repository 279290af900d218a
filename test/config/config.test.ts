import { describe, expect, test } from "bun:test";
import { ConfigError } from "../../src/env";
import { loadServerConfig } from "../../src/config";
import { parsePoolHost } from "../../src/pool-url";
import { tmpdir } from "node:os";
import { join } from "node:path";

const MAIN = join(import.meta.dir, "../../src/main.ts");

describe("POOL_HOST forms", () => {
  const cases: [string, number, unknown][] = [
    ["pool.example.com", 3333, { host: "pool.example.com", port: 3333, tls: false }],
    ["pool.example.com:4444", 3333, { host: "pool.example.com", port: 4444, tls: false }],
    ["stratum+tcp://pool.example.com", 3334, { host: "pool.example.com", port: 3334, tls: false }],
    ["stratum+tcp://pool.example.com:25", 3333, { host: "pool.example.com", port: 25, tls: false }],
    ["stratum+ssl://pool.example.com:443", 3333, { host: "pool.example.com", port: 443, tls: true }],
    ["stratum+ssl://pool.example.com", 3333, { host: "pool.example.com", port: 3333, tls: true }],
    ["tcp://10.0.0.1:3333", 1, { host: "10.0.0.1", port: 3333, tls: false }],
    ["[::1]:3333", 1, { host: "::1", port: 3333, tls: false }],
    ["stratum+tcp://pool.example.com:3333/", 1, { host: "pool.example.com", port: 3333, tls: false }],
  ];
  for (const [input, dflt, want] of cases) test(input, () => expect(parsePoolHost(input, dflt)).toEqual(want as never));

  for (const bad of ["http://x", "host:0", "host:99999", "host:abc", "", "a:b:c", "user@host"])
    test(`rejects ${JSON.stringify(bad)}`, () => expect(typeof parsePoolHost(bad, 3333)).toBe("string"));
});

describe("server config", () => {
  test("defaults", () => {
    const c = loadServerConfig({ POOL_HOST: "pool.example.com" });
    expect(c.upstream).toEqual({ host: "pool.example.com", port: 3333, tls: false });
    expect(c.listen).toEqual({ host: "0.0.0.0", port: 3333 });
    expect(c.api.port).toBe(8000);
    expect(c.capture.maxMessages).toBe(50_000);
    expect(c.capture.maxPerSession).toBe(10_000);
    expect(c.nostr.enabled).toBe(false);
    expect(c.nostr.kindShare).toBe(30080);
    expect(c.nostr.kindTelemetry).toBe(30079);
    expect(c.nostr.runId.length).toBeGreaterThan(8);
    expect(c.bitcoinNetwork).toBe("mainnet");
    expect(loadServerConfig({ POOL_HOST: "p", BITCOIN_NETWORK: "regtest" }).bitcoinNetwork).toBe("regtest");
    // Listening on port 0 (ephemeral) stays allowed.
    expect(loadServerConfig({ POOL_HOST: "p", LISTEN_PORT: "0" }).listen.port).toBe(0);
  });

  test("an empty RUN_ID counts as unset", () => {
    const c = loadServerConfig({ POOL_HOST: "p", RUN_ID: "" });
    expect(c.nostr.runId).not.toBe("");
    expect(c.nostr.runIdGenerated).toBe(true);
  });

  const failing: [Record<string, string>, string][] = [
    [{}, "POOL_HOST"],
    [{ POOL_HOST: "p", LISTEN_PORT: "abc" }, "LISTEN_PORT"],
    [{ POOL_HOST: "p", API_PORT: "70000" }, "API_PORT"],
    [{ POOL_HOST: "p", NOSTR_ENABLED: "maybe" }, "NOSTR_ENABLED"],
    [{ POOL_HOST: "p", NOSTR_ENABLED: "true" }, "NOSTR_RELAY_URL"],
    [{ POOL_HOST: "p", NOSTR_SK: "zz" }, "NOSTR_SK"],
    [{ POOL_HOST: "p", CAPTURE_MAX_MESSAGES: "-5" }, "CAPTURE_MAX_MESSAGES"],
    [{ POOL_HOST: "http://p" }, "POOL_HOST"],
    // 0 is fine for a port HashScope listens on (ephemeral), not for one it dials.
    [{ POOL_HOST: "p", POOL_PORT: "0" }, "POOL_PORT"],
    [{ POOL_HOST: "p", BITCOIN_NETWORK: "litecoin" }, "BITCOIN_NETWORK"],
  ];
  for (const [env, variable] of failing)
    test(`names ${variable} when ${JSON.stringify(env)}`, () => {
      try {
        loadServerConfig(env);
        throw new Error("expected a ConfigError");
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        expect((err as ConfigError).variable).toBe(variable);
        expect((err as ConfigError).message).toStartWith(`config error: ${variable}: `);
      }
    });
});

describe("error text", () => {
  test("a malformed number says what is wrong, not that it is missing", () => {
    try {
      loadServerConfig({ POOL_HOST: "p", LISTEN_PORT: "abc" });
    } catch (err) {
      expect((err as Error).message).not.toContain("is required");
      expect((err as Error).message).toContain('"abc"');
      return;
    }
    throw new Error("expected a ConfigError");
  });

  test("a bad secret is named but never echoed", () => {
    for (const env of [{ POOL_HOST: "p", API_TOKEN: "short" }, { POOL_HOST: "p", NOSTR_SK: "not-a-key-but-secret" }]) {
      try {
        loadServerConfig(env);
        throw new Error("expected a ConfigError");
      } catch (err) {
        const secret = Object.values(env)[1]!;
        expect((err as Error).message).not.toContain(secret);
        expect((err as ConfigError).variable).toBe(Object.keys(env)[1]!);
      }
    }
  });

  test("bun run start with a bad value prints one line naming it and exits 2", async () => {
    const proc = Bun.spawn(["bun", "run", MAIN], {
      cwd: tmpdir(), // so a developer's .env is not read
      env: { PATH: process.env.PATH ?? "", POOL_HOST: "pool:99999", HOME: process.env.HOME ?? "/tmp" },
      stdout: "pipe",
      stderr: "pipe",
    });
    const code = await proc.exited;
    const err = (await new Response(proc.stderr).text()).trim();
    expect(code).toBe(2);
    expect(err.split("\n").length).toBe(1);
    expect(err).toStartWith("config error: POOL_HOST: ");
  });

  test("bun run start with BITCOIN_NETWORK=testnet4 prints one line naming it and exits 2", async () => {
    const proc = Bun.spawn(["bun", "run", MAIN], {
      cwd: tmpdir(),
      env: { PATH: process.env.PATH ?? "", POOL_HOST: "pool", BITCOIN_NETWORK: "testnet4", HOME: process.env.HOME ?? "/tmp" },
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(await proc.exited).toBe(2);
    const err = (await new Response(proc.stderr).text()).trim();
    expect(err.split("\n").length).toBe(1);
    expect(err).toStartWith("config error: BITCOIN_NETWORK: ");
  });

  test("bun run start without POOL_HOST says it is required", async () => {
    const proc = Bun.spawn(["bun", "run", MAIN], {
      cwd: tmpdir(), // so a developer's .env is not read
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp" },
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(await proc.exited).toBe(2);
    expect((await new Response(proc.stderr).text()).trim()).toBe("config error: POOL_HOST: is required");
  });
});
