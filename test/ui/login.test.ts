import { afterAll, beforeAll, expect, test } from "bun:test";
import type { HashScope } from "../../src/server";
import { startSimPool, type SimPool } from "../../src/sim/pool";
import { startTestHashScope } from "../helpers/hashscope";

const TOKEN = "s3cret-token-for-tests";
let pool: SimPool;
let hs: HashScope;
let base: string;

beforeAll(async () => {
  pool = await startSimPool({ jobIntervalMs: 0 });
  hs = await startTestHashScope(pool.port, { API_TOKEN: TOKEN });
  base = `http://127.0.0.1:${hs.apiPort}`;
});

afterAll(async () => {
  await hs?.stop();
  await pool?.stop();
});

const form = (fields: Record<string, string>) => ({
  method: "POST",
  redirect: "manual" as const,
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams(fields).toString(),
});

test("pages need the token; /login sets the cookie and goes back to a local page only", async () => {
  const r = await fetch(`${base}/messages?kind=request`, { redirect: "manual" });
  expect(r.status).toBe(303);
  expect(r.headers.get("location")).toBe("/login?next=%2Fmessages%3Fkind%3Drequest"); // the filters survive the login
  const login = await fetch(`${base}/login?next=%2Fmessages`);
  expect(login.status).toBe(200);
  expect(await login.text()).toContain('name="token"');
  // Vendor files and our stylesheet are public (the login page needs them).
  expect((await fetch(`${base}/vendor/htmx.min.js`)).status).toBe(200);
  expect((await fetch(`${base}/static/style.css`)).status).toBe(200);

  const wrong = await fetch(`${base}/login`, form({ token: "nope", next: "/messages" }));
  expect(wrong.status).toBe(401);
  expect(wrong.headers.get("set-cookie")).toBeNull();

  const ok = await fetch(`${base}/login`, form({ token: TOKEN, next: "/messages" }));
  expect(ok.status).toBe(303);
  expect(ok.headers.get("location")).toBe("/messages");
  const cookie = ok.headers.get("set-cookie")!;
  expect(cookie).toContain("hashscope_session=");
  expect(cookie).not.toContain(TOKEN); // a signed session, never the token itself
  expect(cookie).toContain("HttpOnly");
  expect(cookie).toContain("SameSite=Strict");
  expect(cookie).not.toContain("Secure"); // plain http here
  const page = await fetch(`${base}/messages`, { headers: { cookie: cookie.split(";")[0]! } });
  expect(page.status).toBe(200);
  expect(page.headers.get("content-type")).toContain("text/html");

  const offsite = await fetch(`${base}/login`, form({ token: TOKEN, next: "//evil.example/" }));
  expect(offsite.headers.get("location")).toBe("/");
  const tabbed = await fetch(`${base}/login?next=%2F%09%2Fexample.invalid&token=${TOKEN}`, { redirect: "manual" });
  expect(tabbed.headers.get("location")).toBe("/"); // the open redirect: a tab that browsers drop

  // Behind a TLS proxy the cookie is Secure.
  const tls = await fetch(`${base}/login`, { ...form({ token: TOKEN, next: "/" }), headers: { ...form({}).headers, "x-forwarded-proto": "https" } });
  expect(tls.headers.get("set-cookie")).toContain("; Secure");

  // Signed in, /login offers to sign out; the form carries this session's CSRF token, and only with it does it work.
  const c = cookie.split(";")[0]!;
  const signedIn = await (await fetch(`${base}/login`, { headers: { cookie: c } })).text();
  expect(signedIn).toContain('id="sign-out"');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(signedIn)?.[1];
  expect(csrf).toBeDefined();
  const origin = { cookie: c, origin: base, "content-type": "application/x-www-form-urlencoded" };
  const noToken = await fetch(`${base}/logout`, { method: "POST", redirect: "manual", headers: origin, body: "" });
  expect(noToken.status).toBe(403);
  const out = await fetch(`${base}/logout`, { method: "POST", redirect: "manual", headers: origin, body: `_csrf=${csrf}` });
  expect(out.status).toBe(303);
  expect(out.headers.get("set-cookie")).toContain("Max-Age=0");
});
