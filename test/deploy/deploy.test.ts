import { describe, expect, test } from "bun:test";
import { loadAgentConfig } from "../../agent/config.ts";
import { loadServerConfig } from "../../src/config.ts";
import { parseMiniYaml, type Yaml } from "./mini-yaml.ts";

const root = `${import.meta.dir}/../..`;
const read = (p: string) => Bun.file(`${root}/${p}`).text();
const pkg = JSON.parse(await read("package.json")) as { scripts: Record<string, string> };

type Obj = { [k: string]: Yaml };
const obj = (v: Yaml | undefined): Obj => {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error(`not a map: ${JSON.stringify(v)}`);
  return v;
};
const strings = (v: Yaml | undefined): string[] => (Array.isArray(v) ? v.map(String) : []);
/** `bun run <script>` must name a package.json script. */
const script = (cmd: string[]): string => {
  expect(cmd.slice(0, 2)).toEqual(["bun", "run"]);
  expect(pkg.scripts[cmd[2]!]).toBeDefined();
  return cmd[2]!;
};
/** Compose `${VAR:-default}` → default; `${VAR:?msg}` → a placeholder; anything else as is. */
const envValue = (v: Yaml): string => {
  const s = String(v);
  const d = /^\$\{[A-Z_]+:-(.*)\}$/.exec(s);
  if (d) return d[1]!;
  return /^\$\{[A-Z_]+:\?.*\}$/.test(s) ? "" : s;
};
const envOf = (svc: Obj, fill: Record<string, string>): Record<string, string> => ({
  ...Object.fromEntries(Object.entries(obj(svc.environment)).map(([k, v]) => [k, envValue(v)])),
  ...fill,
});

describe("deployment files", () => {
  test("Dockerfile: multi-stage oven/bun, locked production install, default command and ports match the program", async () => {
    const text = await read("Dockerfile");
    const from = text.split("\n").filter((l) => l.startsWith("FROM "));
    expect(from.length).toBeGreaterThanOrEqual(2);
    expect(from.every((l) => l.includes("oven/bun:"))).toBe(true);
    expect(text).toContain("bun install --frozen-lockfile --production");
    // The runtime stage runs as the image's unprivileged user, never root.
    const runtime = text.slice(text.lastIndexOf("\nFROM "));
    expect(runtime).toMatch(/^USER bun$/m);
    expect(runtime.slice(runtime.search(/^USER /m))).not.toMatch(/^USER root/m);
    const cmd = JSON.parse(/^CMD (.*)$/m.exec(text)![1]!) as string[];
    expect(script(cmd)).toBe("start");
    const server = loadServerConfig({ POOL_HOST: "pool.example.com" });
    expect(/^EXPOSE (.*)$/m.exec(text)![1]!.split(/\s+/).map(Number)).toEqual([server.listen.port, server.api.port]);
    // Everything the three roles import is copied.
    for (const dir of ["src", "agent", "drizzle"]) expect(text).toContain(`COPY ${dir} ./${dir}`);
    const ignore = await read(".dockerignore");
    expect(ignore.split("\n")).toContain(".env");
  });

  test("fly.toml: the agent process, no public services, env defaults the agent accepts", async () => {
    const fly = Bun.TOML.parse(await read("fly.toml")) as Record<string, unknown>;
    const processes = fly.processes as Record<string, string>;
    expect(script(processes.agent!.split(" "))).toBe("agent");
    expect(fly.http_service).toBeUndefined();
    expect(fly.services).toBeUndefined();
    expect(fly.kill_signal).toBe("SIGTERM");
    const env = fly.env as Record<string, string>;
    // With the documented secrets and Fly's own variables, the config loads and keeps the documented defaults.
    const c = loadAgentConfig({ ...env, RUN_ID: "r1", NOSTR_RELAY_URL: "wss://relay.example.org", POOL_HOST: "stratum+tcp://pool.example.com:3333", FLY_REGION: "ams", FLY_MACHINE_ID: "abc" });
    expect(c).toMatchObject({ workerBase: "hashscope_agent", workerPassword: "x", kindShare: 30080, kindTelemetry: 30079, telemetryIntervalMs: 5000, agentId: "ams-abc", region: "ams" });
    const text = await read("fly.toml");
    for (const step of ["fly deploy", "fly scale count", "--region", "fly secrets set", "NOSTR_SK", "RUN_ID", "NOSTR_RELAY_URL", "POOL_HOST"]) expect(text).toContain(step);
  });

  test("docker-compose.yml: hashscope on 3333/8000, N agents, optional relay; commands and env match the program", async () => {
    const doc = obj(parseMiniYaml(await read("docker-compose.yml")));
    const services = obj(doc.services);
    const hs = obj(services.hashscope);
    const agent = obj(services.agent);
    const relay = obj(services.relay);
    expect(script(strings(hs.command))).toBe("start");
    expect(script(strings(agent.command))).toBe("agent");
    expect(script(strings(relay.command))).toBe("relay");

    const server = loadServerConfig(envOf(hs, { POOL_HOST: "pool.example.com", RUN_ID: "r1" }));
    expect(strings(hs.ports)).toEqual([`${server.listen.port}:${server.listen.port}`, `${server.api.port}:${server.api.port}`]);
    expect(server.nostr.enabled).toBe(true);

    const a = loadAgentConfig(envOf(agent, { POOL_HOST: "pool.example.com", RUN_ID: "r1" }));
    expect(a.relayUrls).toEqual(server.nostr.relayUrls);
    expect(a.mitmPubkey).toBeNull(); // empty means unset
    expect(obj(agent.deploy).replicas).toBeGreaterThanOrEqual(2);
    expect(agent.ports).toBeUndefined();
    expect(obj(agent.environment).NOSTR_SK).toBeUndefined(); // never the MITM's key

    expect(strings(relay.profiles)).toEqual(["relay"]);
    const renv = obj(relay.environment);
    expect(strings(relay.ports)).toEqual([`${renv.RELAY_PORT}:${renv.RELAY_PORT}`]);
    expect(a.relayUrls[0]).toBe(`ws://relay:${renv.RELAY_PORT}`);
    expect(renv.RELAY_HOST).toBe("0.0.0.0");
  });

  test("the mini YAML reader refuses what it does not understand", () => {
    expect(parseMiniYaml("a:\n  b: [x, \"y\"]\n  c:\n    - \"1:1\"\n")).toEqual({ a: { b: ["x", "y"], c: ["1:1"] } });
    expect(() => parseMiniYaml("a:\n   b: 1\n")).toThrow();
    expect(() => parseMiniYaml("a: |\n  text\n")).toThrow();
  });
});
