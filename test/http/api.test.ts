import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { MessageRecord, SessionRecord } from "../../src/capture/records";
import type { HashScope } from "../../src/server";
import { startTestHashScope } from "../helpers/hashscope";
import { connectPeer, startByteServer, until, type ByteServer, type Peer } from "../helpers/net";
import { readSse } from "../helpers/sse";

let pool: ByteServer;
let hs: HashScope;
let base: string;
let miner: Peer;
let up: Peer;
let sessionId: string;

const enc = (s: string) => new TextEncoder().encode(s);
const getJson = async <T>(path: string): Promise<{ status: number; body: T }> => {
  const res = await fetch(base + path);
  return { status: res.status, body: (await res.json()) as T };
};

const NOTIFY =
  '{"id":null,"method":"mining.notify","params":["j1","4d16b6f85af6e2198f44ae2a6de67f78487ae5611b77c6c0440b921e00000000","01000000010000","ffffffff01",[],"20000000","1d00ffff","65a1b2c3",true]}';

beforeAll(async () => {
  pool = startByteServer();
  hs = await startTestHashScope(pool.port);
  base = `http://127.0.0.1:${hs.apiPort}`;
  miner = await connectPeer(hs.proxyPort);
  up = await pool.next();
  // A scripted exchange: the pool answers with realistic lines; some are cut across writes on purpose.
  await miner.send(enc('{"id":1,"method":"mining.configure","params":[["version-rolling"],{"version-rolling.mask":"1fffe000"}]}\n'));
  await miner.send(enc('{"id":2,"method":"mining.subscribe","params":["cgminer/4.11.1"]}\n{"id":3,"method":"mining.auth'));
  await miner.send(enc('orize","params":["bc1qworker.rig1","x"]}\n'));
  await until(() => up.receivedBytes() > 200);
  await Bun.sleep(15); // a measurable latency
  await up.send(enc('{"id":1,"result":{"version-rolling":true,"version-rolling.mask":"1fffe000"},"error":null}\n'));
  await up.send(enc('{"id":2,"result":[[["mining.set_difficulty","a"],["mining.notify","b"]],"08000002",4],"error":null}\r\n'));
  await up.send(enc('{"id":3,"result":true,"error":null}\n{"id":null,"method":"mining.set_difficulty","params":[0.5]}\n'));
  await up.send(enc(NOTIFY + "\n"));
  await up.send(enc('{"id":"pv1","method":"client.get_version","params":[]}\n'));
  await miner.send(enc('{"id":"pv1","result":"cgminer/4.11.1","error":null}\n'));
  await miner.send(enc('{"id":4,"method":"mining.submit","params":["bc1qworker.rig1","j1","00000001","65a1b2c3","1dac2b7c","00002000"]}\n'));
  await miner.send(enc('{"id":5,"method":"mining.submit","params":["bc1qworker.rig1","j1","00000002","65a1b2c3","1dac2b7d"]}\n'));
  await miner.send(enc("this is not json\n"));
  await until(() => up.receivedBytes() > 500);
  await up.send(enc('{"id":4,"result":true,"error":null}\n{"id":5,"result":null,"error":[23,"Low difficulty share",null]}\n'));
  await until(() => hs.store.messageCount >= 15, 5000, "15 captured messages");
  sessionId = hs.store.listSessions("live")[0]!.id;
});

afterAll(async () => {
  await hs.stop();
  pool.stop();
});

describe("capture through the proxy", () => {
  test("session facts learned from traffic", async () => {
    const { status, body } = await getJson<SessionRecord & { stats: { messages_in_memory: number } }>(`/api/sessions/${sessionId}`);
    expect(status).toBe(200);
    expect(body.user_agent).toBe("cgminer/4.11.1");
    expect(body.workers).toEqual(["bc1qworker.rig1"]);
    expect(body.extranonce1).toBe("08000002");
    expect(body.extranonce2_size).toBe(4);
    expect(body.difficulty).toBe(0.5);
    expect(body.version_mask).toBe("1fffe000");
    expect(body.state).toBe("live");
    expect(body.counters.submits).toBe(2);
    expect(body.counters.accepted).toBe(1);
    expect(body.counters.rejected).toBe(1);
    expect(body.counters.parse_errors).toBe(1);
    expect(body.stats.messages_in_memory).toBe(15);
    expect(body.opened_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  test("responses are paired with their requests both ways, with latency", async () => {
    const { body } = await getJson<MessageRecord[]>(`/api/messages?session_id=${sessionId}&kind=response&limit=1000`);
    const byId = new Map(body.map((m) => [String(m.rpc_id), m]));
    const subscribe = byId.get("2")!;
    expect(subscribe.method).toBe("mining.subscribe");
    expect(subscribe.direction).toBe("pool_to_miner");
    expect(subscribe.latency_ms!).toBeGreaterThanOrEqual(10);
    expect(subscribe.decoded).toMatchObject({ extranonce1: "08000002", extranonce2_size: 4 });
    const req = (await getJson<MessageRecord>(`/api/messages/${subscribe.reply_to}`)).body;
    expect(req.method).toBe("mining.subscribe");
    expect(req.rpc_id).toBe(2);
    const version = byId.get("pv1")!;
    expect(version.direction).toBe("miner_to_pool");
    expect(version.method).toBe("client.get_version");
    expect(version.reply_to).not.toBeNull();
    expect(byId.get("5")!.decoded).toMatchObject({ ok: false });
  });

  test("CRLF line: raw without the line end, size with it", async () => {
    const { body } = await getJson<MessageRecord[]>(`/api/messages?session_id=${sessionId}&method=mining.subscribe&direction=pool_to_miner`);
    expect(body[0]!.raw!.endsWith("}")).toBe(true);
    expect(body[0]!.size_bytes).toBe(body[0]!.raw!.length + 2);
  });

  test("decoded submit and notify", async () => {
    const { body } = await getJson<MessageRecord[]>(`/api/messages?method=mining.submit&kind=request`);
    expect(body.length).toBe(2);
    expect(body[1]!.decoded).toMatchObject({
      worker: "bc1qworker.rig1",
      job_id: "j1",
      extranonce2: "00000001",
      ntime: "65a1b2c3",
      nonce: "1dac2b7c",
      version_bits: "00002000",
    });
    const notify = (await getJson<MessageRecord[]>(`/api/messages?method=mining.notify`)).body[0]!;
    expect(notify.kind).toBe("notification");
    expect(notify.decoded).toMatchObject({
      job_id: "j1",
      prevhash_display: "00000000440b921e1b77c6c0487ae5616de67f788f44ae2a5af6e2194d16b6f8",
      clean_jobs: true,
    });
    expect(notify.raw).toBe(NOTIFY);
  });
});

describe("JSON API", () => {
  test("filters: direction, kind, errors, q, limit, before", async () => {
    const all = (await getJson<MessageRecord[]>(`/api/messages?limit=1000`)).body;
    expect(all.length).toBe(15);
    expect(all.map((m) => m.seq)).toEqual([...all.map((m) => m.seq)].sort((a, b) => b - a));
    const upOnly = (await getJson<MessageRecord[]>(`/api/messages?direction=miner_to_pool`)).body;
    expect(upOnly.every((m) => m.direction === "miner_to_pool")).toBe(true);
    expect(upOnly.length).toBe(7);
    const errors = (await getJson<MessageRecord[]>(`/api/messages?errors=true`)).body;
    expect(errors.map((m) => m.raw).sort()).toEqual(
      ['{"id":5,"result":null,"error":[23,"Low difficulty share",null]}', "this is not json"].sort(),
    );
    const invalid = (await getJson<MessageRecord[]>(`/api/messages?kind=invalid`)).body;
    expect(invalid[0]!.parse_error).toBeTruthy();
    const q = (await getJson<MessageRecord[]>(`/api/messages?q=CGMINER`)).body;
    expect(q.length).toBe(2);
    const page1 = (await getJson<MessageRecord[]>(`/api/messages?limit=5`)).body;
    const page2 = (await getJson<MessageRecord[]>(`/api/messages?limit=5&before=${page1[4]!.seq}`)).body;
    expect(page2[0]!.seq).toBe(page1[4]!.seq - 1);
  });

  test("bad queries get 422 with an error body; unknown ids 404", async () => {
    for (const path of ["/api/messages?limit=0", "/api/messages?limit=5000", "/api/messages?direction=sideways", "/api/sessions?state=zombie", "/api/sessions?limit=5001"]) {
      const { status, body } = await getJson<{ error: string }>(path);
      expect(status).toBe(422);
      expect(typeof body.error).toBe("string");
    }
    expect((await getJson<{ error: string }>("/api/messages/999999")).status).toBe(404);
    expect((await getJson<{ error: string }>("/api/sessions/nope")).body.error).toContain("not found");
  });

  test("health, stats, sessions list, metrics, OpenAPI", async () => {
    expect((await getJson<{ status: string }>("/health")).body.status).toBe("ok");
    const stats = (await getJson<{ sessions: { live: number }; messages: { total: number }; shares: { accepted: number } }>("/api/stats")).body;
    expect(stats.sessions.live).toBe(1);
    expect(stats.messages.total).toBe(15);
    expect(stats.shares.accepted).toBe(1);
    const live = (await getJson<SessionRecord[]>("/api/sessions?state=live")).body;
    expect(live.map((s) => s.id)).toEqual([sessionId]);
    expect((await getJson<SessionRecord[]>("/api/sessions?state=closed")).body).toEqual([]);
    // A full page names the next one in a Link header; the last (here: empty) page has none.
    const full = await fetch(`${base}/api/sessions?limit=1`);
    expect(((await full.json()) as SessionRecord[]).map((s) => s.id)).toEqual([sessionId]);
    expect(full.headers.get("link")).toBe(`</api/sessions?limit=1&before=${sessionId}>; rel="next"`);
    const next = await fetch(`${base}/api/sessions?limit=1&before=${sessionId}`);
    expect(await next.json()).toEqual([]);
    expect(next.headers.get("link")).toBeNull();
    expect((await getJson<{ error: string }>("/api/sessions?before=nope")).status).toBe(404);
    const metrics = await (await fetch(base + "/metrics")).text();
    expect(metrics).toContain("hashscope_messages_total 15");
    const doc = (await getJson<{ openapi: string; paths: Record<string, unknown> }>("/api/docs")).body;
    expect(doc.openapi).toStartWith("3.");
    const paths = Object.keys(doc.paths);
    for (const p of ["/api/messages", "/api/messages/{id}", "/api/sessions", "/api/stream", "/api/export", "/health", "/metrics"]) expect(paths).toContain(p);
    // The API only: no page, form post or page stream.
    expect(paths.filter((p) => !/^\/api\/|^\/health$|^\/metrics$/.test(p))).toEqual([]);
  });
});

describe("SSE stream", () => {
  test("live messages arrive with id = seq, filtered by method", async () => {
    const ac = new AbortController();
    const res = await fetch(`${base}/api/stream?method=mining.submit`, { signal: ac.signal });
    expect(res.headers.get("content-type")).toStartWith("text/event-stream");
    const reading = readSse(res, 1);
    await Bun.sleep(50);
    await miner.send(enc('{"id":6,"method":"mining.extranonce.subscribe","params":[]}\n'));
    await miner.send(enc('{"id":7,"method":"mining.submit","params":["bc1qworker.rig1","j1","00000003","65a1b2c3","00000000"]}\n'));
    const events = await reading;
    ac.abort();
    expect(events.length).toBe(1);
    expect(events[0]!.data.rpc_id).toBe(7);
    expect(events[0]!.id).toBe(events[0]!.data.seq);
  });

  test("Last-Event-ID resumes after that seq without duplicates", async () => {
    const all = (await getJson<MessageRecord[]>(`/api/messages?limit=1000`)).body.reverse();
    const from = all[all.length - 4]!.seq;
    const res = await fetch(`${base}/api/stream`, { headers: { "Last-Event-ID": String(from) } });
    const events = await readSse(res, 3);
    expect(events.map((e) => e.id)).toEqual(all.slice(-3).map((m) => m.seq));
  });
});
