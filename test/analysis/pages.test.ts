import { afterAll, beforeAll, expect, test } from "bun:test";
import { Address, NETWORK, OutScript } from "@scure/btc-signer";
import type { MessageRecord } from "../../src/capture/records";
import type { HashScope } from "../../src/server";
import { startSimPool, type SimPool } from "../../src/sim/pool";
import { startTestHashScope } from "../helpers/hashscope";
import { until } from "../helpers/net";
import { DIFF, miner, nonce, submit } from "./helpers";

/**
 * The analysis on the pages and in downloads: a solo-style pool that pays one address, a worker named after it and
 * one named after another address, an honest and a lying answer; then what the overview, session, message and job
 * pages show, and what the downloads hold.
 */

const PAID = "bc1qce93hy5rhg02s6aeu7mfdvxg76x66pqqtrvzs3";
const OTHER = "bc1qrwsx8fs0l6z7ugp5cvzy6lhss7jlyru3kg9s8y";
let pool: SimPool;
let hs: HashScope;
let base: string;
let sessionId: string;

beforeAll(async () => {
  const outputScript = Buffer.from(OutScript.encode(Address(NETWORK).decode(PAID))).toString("hex");
  pool = await startSimPool({ difficulty: DIFF, outputScript, lie: (_ok, p) => Array.isArray(p) && p[0] === `${OTHER}.liar` });
  hs = await startTestHashScope(pool.port);
  base = `http://127.0.0.1:${hs.apiPort}`;
  const m = await miner(hs.proxyPort, [`${PAID}.rig1`, `${OTHER}.liar`]);
  pool.newJob(false); // a job notified after the workers authorized carries the payout check
  await until(() => m.jobs.length > 1, 5000, "the second job");
  const job = m.jobs[1]!;
  await submit(m, [`${PAID}.rig1`, job.job_id, "00000001", job.ntime, nonce(m, job, "00000001", true)]);
  await submit(m, [`${OTHER}.liar`, job.job_id, "00000002", job.ntime, nonce(m, job, "00000002", true)]);
  await until(() => hs.store.listSessions("all")[0]!.counters.accepted + hs.store.listSessions("all")[0]!.counters.rejected === 2, 5000, "both answers captured");
  sessionId = hs.store.listSessions("all")[0]!.id;
  m.client.close();
});
afterAll(async () => {
  await hs.stop();
  await pool.stop();
});

const get = async (path: string) => {
  const r = await fetch(`${base}${path}`);
  return { status: r.status, text: await r.text(), type: r.headers.get("content-type") ?? "" };
};

test("the job (a notify's page): height, tag, outputs with addresses linking nowhere, reward, and the payout check", async () => {
  const notifies = (await (await fetch(`${base}/api/messages?method=mining.notify`)).json()) as MessageRecord[];
  const checked = notifies.find((n) => n.analysis?.type === "notify" && n.analysis.pays_worker !== null)!;
  expect(checked.analysis).toMatchObject({ type: "notify", pays_worker: { address: PAID, pays: true, share_of_total: 1 } });
  const page = await get(`/messages/${checked.id}`);
  expect(page.text).toContain("Block height");
  expect(page.text).toContain("/HashScope sim/");
  expect(page.text).toContain(`p2wpkh ${PAID}`);
  expect(page.text).toMatch(/Reward \(all outputs\)<\/th><td>\d\.\d{8} BTC/);
  expect(page.text).toContain(`pays ${PAID}`);
  // Addresses are text, never links to an outside explorer.
  expect(page.text).not.toMatch(/href="https?:/);
});

test("the payout check the other way: a worker whose address the coinbase does not pay", async () => {
  const { PaysWorker } = await import("../../src/analysis/schema");
  const { decodeJobCoinbase, paysWorker } = await import("../../src/analysis/coinbase");
  const job = pool.currentJob!;
  const cb = decodeJobCoinbase(job, "00000000", 4, "mainnet");
  expect(PaysWorker.parse(paysWorker(cb, `${OTHER}.liar`, "mainnet"))).toMatchObject({ pays: false, value_sats: 0 });
});

test("session page and overview: figures, verdict badges and the three SVG charts; the disagreement is one click away", async () => {
  const session = await get(`/sessions/${sessionId}`);
  expect(session.text).toContain('id="session-analysis"');
  expect(session.text).toMatch(/Hashrate \(1 min\)<\/span><b>[\d.]+ [kMGTPE]?H\/s/);
  expect((session.text.match(/<svg class="chart"/g) ?? []).length).toBe(3);
  expect(session.text).toContain("<polyline");
  // The shares of the last seconds are on the charts at once (the newest point includes the bucket in progress).
  expect(session.text).toMatch(/<title>\d\d:\d\d: 1 accepted<\/title>/);
  expect(session.text).toMatch(/<title>\d\d:\d\d: 1 rejected<\/title>/);
  expect(session.text).toContain("pool disagrees");
  expect(session.text).toContain(`agrees=false`);
  expect(session.text).toContain(`/api/messages/download?session_id=${sessionId}&amp;format=csv`);
  const overview = await get("/");
  expect(overview.text).toContain('id="total-analysis"');
  const sessions = await get("/sessions");
  expect(sessions.text).toContain("Hashrate 15 min");
  const disagree = await get(`/messages?agrees=false&session_id=${sessionId}`);
  expect(disagree.status).toBe(200);
  expect((disagree.text.match(/<tr data-seq=/g) ?? []).length).toBe(2); // the submit and the answer
});

test("a submit's check links to the job that sent it (our own page, never outside)", async () => {
  const submits = (await (await fetch(`${base}/api/messages?method=mining.submit&kind=request`)).json()) as MessageRecord[];
  const a = submits[0]!.analysis!;
  expect(a.type === "submit" && a.job_message_id).toMatch(/^\d+$/);
  const job = (await (await fetch(`${base}/api/messages/${a.type === "submit" ? a.job_message_id : ""}`)).json()) as MessageRecord;
  expect(job.method).toBe("mining.notify");
  expect(job.analysis?.type === "notify" && a.type === "submit" && job.analysis.job_id === a.job_id).toBe(true);
  const page = await get(`/messages/${submits[0]!.id}`);
  expect(page.text).toContain(`<a href="/messages/${a.type === "submit" ? a.job_message_id : ""}">#`);
});

test("downloads for the current filter: JSON Lines and CSV (formula-looking text defused)", async () => {
  const jsonl = await get(`/api/messages/download?format=jsonl&method=mining.submit&direction=miner_to_pool`);
  expect(jsonl.type).toContain("ndjson");
  const lines = jsonl.text.trim().split("\n").map((l) => JSON.parse(l) as MessageRecord);
  expect(lines.map((l) => l.analysis?.type === "submit" && l.analysis.verdict)).toEqual(["valid", "valid"]);
  const csv = await get(`/api/messages/download?format=csv&agrees=false`);
  expect(csv.type).toContain("text/csv");
  const rows = csv.text.trim().split("\r\n");
  expect(rows[0]).toBe("seq,ts,session_id,direction,kind,method,rpc_id,latency_ms,verdict,difficulty,pool_result,agrees,parse_error,raw");
  expect(rows.length).toBe(3);
  expect(rows.every((r, i) => i === 0 || r.includes(",valid,"))).toBe(true);
  const { csvCell } = await import("../../src/http/api/download");
  expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
  expect(csvCell("a,b")).toBe('"a,b"');
  expect(csvCell(-1)).toBe("-1");
});

test("an unreachable pool is said on the overview", async () => {
  const dead = await startSimPool({});
  const port = dead.port;
  await dead.stop();
  const hs2 = await startTestHashScope(port, { UPSTREAM_CONNECT_TIMEOUT_MS: "2000" });
  try {
    const c = await Bun.connect({ hostname: "127.0.0.1", port: hs2.proxyPort, socket: { data() {} } });
    await until(() => hs2.store.listSessions("all").some((s) => s.close_reason === "upstream_failed"), 5000, "the failed session");
    c.end();
    const page = await (await fetch(`http://127.0.0.1:${hs2.apiPort}/`)).text();
    expect(page).toContain('id="pool-status"');
    expect(page).toContain("Pool unreachable");
  } finally {
    await hs2.stop();
  }
});
