import { afterAll, beforeAll, expect, test } from "bun:test";
import type { MessageRecord } from "../../src/capture/records";
import type { HashScope } from "../../src/server";
import { startSimPool, type SimPool } from "../../src/sim/pool";
import { connectStratum } from "../../src/net/stratum-client";
import { startTestHashScope } from "../helpers/hashscope";
import { until } from "../helpers/net";

/** The small page fixes: long RPC ids, closed sessions, "Older messages", id-null pool errors, /agents/:id. */

let pool: SimPool;
let hs: HashScope;
let base: string;
let sessionId: string;

beforeAll(async () => {
  pool = await startSimPool({});
  hs = await startTestHashScope(pool.port);
  base = `http://127.0.0.1:${hs.apiPort}`;
  const c = await connectStratum({ host: "127.0.0.1", port: hs.proxyPort });
  await c.request("mining.subscribe", ["fixes/1"]);
  // A line the pool cannot parse: it answers with id null (the simulator, like real pools, says "Parse error").
  c.sendLine("this is not json");
  // A 5-digit id.
  c.sendLine(JSON.stringify({ id: 13579, method: "mining.extranonce.subscribe", params: [] }));
  await until(() => (hs.store.listSessions("all")[0]?.counters.messages_down ?? 0) >= 4, 5000, "the answers");
  sessionId = hs.store.listSessions("all")[0]!.id;
  c.close();
  await until(() => hs.store.getSession(sessionId)?.closed_at !== null, 5000, "the session closed");
});
afterAll(async () => {
  await hs.stop();
  await pool.stop();
});

test("a pool error with id null is decoded, counted by errors=true, and says it answers no request", async () => {
  const errors = (await (await fetch(`${base}/api/messages?errors=true&kind=response`)).json()) as MessageRecord[];
  const nullId = errors.find((m) => m.rpc_id === null)!;
  expect(nullId).toBeDefined();
  expect(nullId.decoded).toMatchObject({ ok: false, error: { code: 20, message: "Parse error" } });
  const page = await (await fetch(`${base}/messages?errors=1`)).text();
  expect(page).toContain("answer to no request: id null");
  expect(page).not.toContain("(unpaired) null");
  const detail = await (await fetch(`${base}/messages/${nullId.id}`)).text();
  expect(detail).toContain("This answer has id null");
});

test("RPC ids of 5 digits are whole in the row (and in its title)", async () => {
  const page = await (await fetch(`${base}/messages`)).text();
  expect(page).toContain('<td class="c-i" title="13579">13579</td>');
});

test("a closed session's page is static: no live stream, no Pause", async () => {
  const page = await (await fetch(`${base}/sessions/${sessionId}`)).text();
  expect(page).not.toContain("hx-sse:connect");
  expect(page).not.toContain('id="pause"');
  expect(page).toContain("closed");
});

test("'Older messages' is hidden when nothing is older, shown when there is", async () => {
  const all = await (await fetch(`${base}/messages`)).text();
  expect(all).toMatch(/<a id="older" href="[^"]*" hidden>/);
  // The history page of the oldest rows has nothing older: no link at all.
  const rows = (await (await fetch(`${base}/api/messages?limit=1000`)).json()) as MessageRecord[];
  const oldest = rows[rows.length - 1]!;
  const tail = await (await fetch(`${base}/messages?before=${oldest.seq + 1}`)).text();
  expect(tail).not.toContain('id="older"');
  const head = await (await fetch(`${base}/messages?before=${rows[0]!.seq}`)).text();
  // Fewer than a page of rows: still nothing older to page to.
  expect(head).not.toContain('id="older"');
});

test("/agents/:id is a page (404 page for an unknown agent, like /api/agents/:id)", async () => {
  const r = await fetch(`${base}/agents/nope`);
  expect(r.status).toBe(404);
  expect(r.headers.get("content-type")).toContain("text/html");
  expect(await r.text()).toContain("Agent nope");
});
