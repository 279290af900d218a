import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { loadServerConfig } from "../../src/config";
import { ConfigError } from "../../src/env";
import { accessLines, hostOf } from "../../src/access";
import type { HashScope } from "../../src/server";
import { startSimPool, type SimPool } from "../../src/sim/pool";
import { safeNext } from "../../src/ui/login";
import { startTestHashScope } from "../helpers/hashscope";
import { until } from "../helpers/net";
import { hashScopePorts, spawnHashScope } from "../helpers/procs";

const TOKEN = "auth-test-token-0123456789";
const METRICS = "metrics-only-token-42";
let pool: SimPool;
let hs: HashScope;
let base: string;

beforeAll(async () => {
  pool = await startSimPool({ jobIntervalMs: 0 });
  hs = await startTestHashScope(pool.port, { API_TOKEN: TOKEN, METRICS_TOKEN: METRICS });
  base = `http://127.0.0.1:${hs.apiPort}`;
});

afterAll(async () => {
  await hs?.stop();
  await pool?.stop();
});

/** A concrete URL path for a route pattern (`:id` and `*` filled in). */
const concrete = (path: string): string => path.replace(/:[A-Za-z_]+/g, "1").replace(/\*/g, "x");
const PUBLIC = new Set(["/health", "/login", "/vendor/htmx.min.js", "/vendor/hx-sse.min.js", "/vendor/alpine.min.js", "/static/style.css", "/static/app.js"]);

describe("every registered route refuses a request without credentials", () => {
  test("the router's own list, walked", async () => {
    const routes = hs.routes();
    const paths = new Set(routes.map((r) => r.path));
    // The list is the router's: it has what a hand-kept list tends to forget.
    for (const must of ["/api/docs", "/metrics", "/api/stream", "/api/export", "/ui/stream/messages", "/docs", "/api/agents/stream"])
      expect(paths).toContain(must);
    expect(routes.length).toBeGreaterThan(30);
    let checked = 0;
    for (const r of routes) {
      const methods = r.method === "ALL" ? ["GET", "POST"] : [r.method];
      for (const method of methods) {
        const url = `${base}${concrete(r.path)}`;
        for (const headers of [{}, { authorization: "Bearer wrong-token-xxxxxx" }, { cookie: "hashscope_session=forged.sig" }] as Record<string, string>[]) {
          const res = await fetch(url, { method, headers, redirect: "manual", ...(method === "GET" || method === "HEAD" ? {} : { body: "{}" }) });
          const body = await res.text();
          const where = `${method} ${r.path} ${JSON.stringify(headers)}`;
          if (PUBLIC.has(r.path)) {
            expect([200, 303, 401], where).toContain(res.status); // login: 401 on a wrong POST; never a 5xx
            continue;
          }
          if (res.status === 303) expect(res.headers.get("location"), where).toStartWith("/login?next=");
          else expect({ where, status: res.status }).toEqual({ where, status: 401 });
          expect(body, where).not.toContain("openapi");
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(90);
  });

  test("unknown paths and bad queries say nothing before auth (no 404 or 422 schema leak)", async () => {
    for (const p of ["/api/nope", "/api/messages?limit=abc", "/api/sessions?state=bogus", "/nope"]) {
      const res = await fetch(`${base}${p}`, { redirect: "manual" });
      expect([401, 303]).toContain(res.status);
      expect(await res.text()).not.toContain("limit");
    }
  });

  test("with the token every route is reachable; METRICS_TOKEN opens /metrics and nothing else", async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await fetch(`${base}/api/docs`, { headers: auth })).status).toBe(200);
    expect((await fetch(`${base}/api/sessions`, { headers: auth })).status).toBe(200);
    const m = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS}` } });
    expect(m.status).toBe(200);
    expect((await fetch(`${base}/api/sessions`, { headers: { authorization: `Bearer ${METRICS}` } })).status).toBe(401);
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });
});

describe("headers and Host", () => {
  test("every answer carries the CSP and the other security headers", async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    for (const p of ["/", "/messages", "/api/sessions", "/nope", "/login", "/health", "/static/app.js"]) {
      const res = await fetch(`${base}${p}`, { headers: auth, redirect: "manual" });
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp, p).toContain("script-src 'self'");
      expect(csp, p).not.toContain("unsafe-inline");
      expect(csp, p).not.toContain("unsafe-eval");
      expect(csp, p).toContain("frame-ancestors 'none'");
      expect(res.headers.get("x-content-type-options"), p).toBe("nosniff");
      expect(res.headers.get("referrer-policy"), p).toBe("same-origin");
      expect(res.headers.get("x-frame-options"), p).toBe("DENY");
    }
    // No inline script in any page: every <script> has a src on our origin.
    const page = await (await fetch(`${base}/`, { headers: auth })).text();
    expect(page.match(/<script(?![^>]*\ssrc="\/)[^>]*>/g)).toBeNull();
  });

  test("a Host: name not allowed is refused (DNS rebinding), even with the token", async () => {
    const res = await fetch(`${base}/api/sessions`, { headers: { host: "evil.example", authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(421);
    expect((await fetch(`${base}/api/sessions`, { headers: { host: `localhost:${hs.apiPort}`, authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect(hostOf("[::1]:8000")).toBe("[::1]");
    expect(hostOf("Example.COM:80")).toBe("example.com");
  });
});

describe("closed by default", () => {
  const cfg = (env: Record<string, string>) => loadServerConfig({ POOL_HOST: "pool.example.com", ...env });

  test("no API_TOKEN on a non-loopback host: a token is generated and printed once as a login URL", () => {
    const c = cfg({});
    expect(c.api.host).toBe("0.0.0.0");
    expect(c.api.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(c.api.tokenGenerated).toBe(true);
    const lines = accessLines(c.api, c.api.host, 8000).join("\n");
    expect(lines).toContain(`/login?token=${c.api.token}`);
    expect(cfg({}).api.token).not.toBe(c.api.token);
  });

  test("loopback stays one command; API_AUTH=token closes it; API_AUTH=none opens anywhere with a warning", () => {
    expect(cfg({ API_HOST: "127.0.0.1" }).api).toMatchObject({ token: null, open: "loopback" });
    expect(cfg({ API_HOST: "::1" }).api.open).toBe("loopback");
    expect(cfg({ API_HOST: "127.0.0.1", API_AUTH: "token" }).api.token).not.toBeNull();
    expect(cfg({ API_HOST: "10.0.0.5" }).api.token).not.toBeNull();
    const open = cfg({ API_AUTH: "none" });
    expect(open.api).toMatchObject({ token: null, open: "opt-out" });
    expect(accessLines(open.api, open.api.host, 8000).every((l) => l.startsWith("WARNING"))).toBe(true);
    expect(cfg({ API_TOKEN: "given-token-123" }).api).toMatchObject({ token: "given-token-123", tokenGenerated: false });
    expect(cfg({ API_HOST: "10.0.0.5" }).api.allowedHosts).toEqual(["localhost", "127.0.0.1", "[::1]", "10.0.0.5"]);
    expect(cfg({ API_ALLOWED_HOSTS: "HS.lan, *" }).api.allowedHosts).toEqual(["hs.lan", "*"]);
    for (const [env, variable] of [
      [{ API_AUTH: "none", API_TOKEN: "given-token-123" }, "API_AUTH"],
      [{ API_AUTH: "maybe" }, "API_AUTH"],
      [{ API_ALLOWED_HOSTS: "h:80" }, "API_ALLOWED_HOSTS"],
      [{ METRICS_TOKEN: "short" }, "METRICS_TOKEN"],
    ] as [Record<string, string>, string][]) {
      let err: unknown;
      try {
        cfg(env);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).variable).toBe(variable);
    }
  });

  test("`bun run start` on 0.0.0.0 without a token refuses the API and prints a login URL that works", async () => {
    const child = spawnHashScope("closed", { POOL_HOST: `127.0.0.1:${pool.port}`, API_HOST: "0.0.0.0", DATABASE_URL: "sqlite::memory:" });
    try {
      const { api } = await hashScopePorts(child);
      const url = `http://127.0.0.1:${api}`;
      expect((await fetch(`${url}/api/sessions`)).status).toBe(401);
      expect((await fetch(`${url}/health`)).status).toBe(200);
      // The access lines follow the start line (stdout and stderr arrive separately): wait for them, bounded.
      await until(() => child.output().includes("curl:"), 5000, "the access lines");
      const token = /\/login\?token=([A-Za-z0-9_-]+)/.exec(child.output())?.[1];
      expect(token).toBeDefined();
      expect(child.output().split(token!).length - 1).toBe(2); // the login URL and the curl line, once each
      const login = await fetch(`${url}/login?token=${token}&next=%2Fmessages`, { redirect: "manual" });
      expect(login.status).toBe(303);
      expect(login.headers.get("location")).toBe("/messages");
      const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
      expect((await fetch(`${url}/messages`, { headers: { cookie } })).status).toBe(200);
      expect((await fetch(`${url}/api/sessions`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    } finally {
      await child.stop();
    }
  });

  test("API_AUTH=none warns at every start", async () => {
    const child = spawnHashScope("open", { POOL_HOST: `127.0.0.1:${pool.port}`, API_AUTH: "none", DATABASE_URL: "sqlite::memory:" });
    try {
      const { api } = await hashScopePorts(child);
      await until(() => child.output().includes("WARNING: API_AUTH=none"), 5000, "the warning");
      expect((await fetch(`http://127.0.0.1:${api}/api/sessions`)).status).toBe(200);
    } finally {
      await child.stop();
    }
  });
});

test("next: only a path on this origin", () => {
  const refused = ["/\t/example.invalid", "//example.invalid", "\\\\example.invalid", "/\\example.invalid", "https://example.invalid/", "http:example.invalid", "/\n/example.invalid", " /x", "", "javascript:alert(1)"];
  for (const n of refused) expect(safeNext(n), JSON.stringify(n)).toBe("/");
  expect(safeNext("/messages?kind=request#x")).toBe("/messages?kind=request#x");
  expect(safeNext("/a/../b")).toBe("/b");
  expect(safeNext(["/x"])).toBe("/");
});
