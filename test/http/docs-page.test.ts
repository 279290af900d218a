import { afterAll, expect, test } from "bun:test";
import type { HashScope } from "../../src/server";
import { escapeHtml } from "../../src/ui/html";
import { startTestHashScope } from "../helpers/hashscope";

const started: HashScope[] = [];
afterAll(async () => {
  for (const hs of started) await hs.stop();
});

const start = async (env: Record<string, string> = {}) => {
  const hs = await startTestHashScope(1, env); // no pool needed: no miner connects
  started.push(hs);
  return `http://127.0.0.1:${hs.apiPort}`;
};

test("the API page shows every route of the OpenAPI description, with parameters and a curl line", async () => {
  const base = await start();
  const spec = (await (await fetch(`${base}/api/docs`)).json()) as { paths: Record<string, Record<string, unknown>> };
  const res = await fetch(`${base}/docs`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toStartWith("text/html");
  const page = await res.text();
  for (const [path, methods] of Object.entries(spec.paths))
    for (const method of Object.keys(methods)) {
      const shown = escapeHtml(path.replace(/\{(\w+)\}/g, "<$1>"));
      expect(page).toContain(`<span class="st">${method.toUpperCase()}</span> <code>${shown}</code>`);
    }
  // Parameters in words, and curl lines against this server.
  expect(page).toContain("integer, 1..1000, default 100");
  expect(page).toContain(escapeHtml(`curl -s '${base}/api/messages'`));
  expect(page).toContain(escapeHtml(`curl -sN '${base}/api/stream'`));
  expect(page).toContain(escapeHtml(`curl -s -X POST '${base}/api/sessions/<id>/broadcast' -H 'content-type: application/json' -d '{"enabled":…,"repeat_count":…}'`));
});

test("with API_TOKEN the page needs it too, and reads the description with the caller's credentials", async () => {
  const base = await start({ API_TOKEN: "docs-page-token" });
  const anonymous = await fetch(`${base}/docs`, { redirect: "manual" });
  expect([302, 303, 401]).toContain(anonymous.status);
  const res = await fetch(`${base}/docs`, { headers: { authorization: "Bearer docs-page-token" } });
  expect(res.status).toBe(200);
  expect(await res.text()).toContain("<code>/api/messages</code>");
});
