import { afterAll, beforeAll, expect, test } from "bun:test";
import type { MessageRecord } from "../../src/capture/records";
import { ReplayError, ReplayService } from "../../src/mitm/replay";
import type { HashScope } from "../../src/server";
import { startSimPool, type SimPool } from "../../src/sim/pool";
import { startTestHashScope } from "../helpers/hashscope";
import { concat, connectPeer, prng, randomCuts, randomStream, startByteServer, until, type Peer } from "../helpers/net";

const enc = new TextEncoder();
const dec = new TextDecoder();
const lines = (p: Peer): string[] => dec.decode(p.received()).split("\n").filter(Boolean);
const json = (l: string): Record<string, unknown> => {
  try {
    return JSON.parse(l) as Record<string, unknown>;
  } catch {
    return {};
  }
};

let pool: SimPool;
let hs: HashScope;
let base: string;

beforeAll(async () => {
  pool = await startSimPool({ jobIntervalMs: 0 });
  hs = await startTestHashScope(pool.port);
  base = `http://127.0.0.1:${hs.apiPort}`;
});
afterAll(async () => {
  await hs.stop();
  await pool.stop();
});

/** A hand-driven miner through the proxy: subscribed, authorized, with the first job. */
async function rawMiner(): Promise<{ peer: Peer; sessionId: string; jobId: string; ntime: string }> {
  const before = new Set(hs.store.listSessions("all").map((s) => s.id));
  const peer = await connectPeer(hs.proxyPort);
  await peer.send(enc.encode('{"id":1,"method":"mining.subscribe","params":["raw/1"]}\n{"id":2,"method":"mining.authorize","params":["w.raw","x"]}\n'));
  await until(() => lines(peer).some((l) => json(l).method === "mining.notify"), 5000, "a job");
  const notify = lines(peer).map(json).find((m) => m.method === "mining.notify")!;
  const p = notify.params as string[];
  const sessionId = hs.store.listSessions("all").find((s) => !before.has(s.id))!.id;
  return { peer, sessionId, jobId: p[0]!, ntime: p[7]! };
}

async function submitAndFind(peer: Peer, sessionId: string, id: number, params: string[]): Promise<MessageRecord> {
  await peer.send(enc.encode(`${JSON.stringify({ id, method: "mining.submit", params })}\n`));
  await until(() => lines(peer).some((l) => json(l).id === id), 5000, "the miner's answer");
  let m: MessageRecord | undefined;
  await until(() => {
    m = hs.store.query({ session_id: sessionId, method: "mining.submit", direction: "miner_to_pool" }, 10).find((x) => x.rpc_id === id);
    return m !== undefined;
  }, 5000, "the captured submit");
  return m!;
}

const post = (path: string, body?: unknown) =>
  fetch(`${base}${path}`, {
    method: "POST",
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });

/** An error answer: the status, and a JSON body `{"error": "..."}`. */
async function expectError(res: Response, status: number): Promise<void> {
  expect(res.status).toBe(status);
  const body = (await res.json()) as { error?: unknown };
  expect(typeof body.error).toBe("string");
}

test("replay round trip: own id to the pool, answer captured and returned, never sent to the miner", async () => {
  const { peer, sessionId, jobId, ntime } = await rawMiner();
  const submit = await submitAndFind(peer, sessionId, 7, ["w.raw", jobId, "00000000", ntime, "00000000"]);
  const minerLinesBefore = lines(peer).length;

  const res = await post(`/api/messages/${submit.id}/replay`);
  expect(res.status).toBe(200);
  const r = (await res.json()) as Record<string, unknown>;
  expect(Object.keys(r).sort()).toEqual(["error", "latency_ms", "ok", "request_message_id", "response_message_id", "result"]);
  expect(typeof r.latency_ms).toBe("number");
  // The sim pool validates for real: a zero nonce at this difficulty is almost surely low difficulty or a duplicate.
  expect(r.ok === true || r.error !== null).toBe(true);

  const req = hs.store.getMessage(r.request_message_id as string)!;
  expect(req.direction).toBe("hashscope_to_pool");
  expect(typeof req.rpc_id === "string" && req.rpc_id.startsWith("hs-")).toBe(true);
  expect((req.json as { params: unknown }).params).toEqual(["w.raw", jobId, "00000000", ntime, "00000000"]);
  const resp = hs.store.getMessage(r.response_message_id as string)!;
  expect(resp.direction).toBe("pool_to_miner");
  expect(resp.kind).toBe("response");
  expect(resp.rpc_id).toBe(req.rpc_id);
  expect(resp.reply_to).toBe(req.id);
  expect(resp.method).toBe("mining.submit");

  // Edited params; then the miner's next submit reuses id 7 while a replay of it is in flight: both answered, apart.
  const edited = ["w.raw", jobId, "00000001", ntime, "00000002"];
  const [r2] = await Promise.all([
    post(`/api/messages/${submit.id}/replay`, { params: edited }).then((x) => x.json() as Promise<Record<string, unknown>>),
    peer.send(enc.encode(`${JSON.stringify({ id: 7, method: "mining.submit", params: ["w.raw", jobId, "00000003", ntime, "00000004"] })}\n`)),
  ]);
  expect((hs.store.getMessage(r2!.request_message_id as string)!.json as { params: unknown }).params).toEqual(edited);
  await until(() => lines(peer).filter((l) => json(l).id === 7).length === 2, 5000, "the miner's second answer to id 7");

  // Nothing the miner got carries an own id, and the session counters count only the miner's submits.
  await Bun.sleep(50);
  expect(lines(peer).length).toBe(minerLinesBefore + 1);
  expect(dec.decode(peer.received()).includes('"hs-')).toBe(false);
  const s = hs.store.getSession(sessionId)!;
  expect(s.counters.submits).toBe(2);
  expect(s.counters.accepted + s.counters.rejected).toBe(2);
  peer.socket.end();
}, 20_000);

test("replay refusals: 404 unknown, 400 not a submit / not miner_to_pool / bad params, 422 bad body, 409 closed session", async () => {
  const { peer, sessionId, jobId, ntime } = await rawMiner();
  const submit = await submitAndFind(peer, sessionId, 3, ["w.raw", jobId, "00000000", ntime, "00000000"]);
  const subscribe = hs.store.query({ session_id: sessionId, method: "mining.subscribe", direction: "miner_to_pool" }, 1)[0]!;
  const notify = hs.store.query({ session_id: sessionId, method: "mining.notify" }, 1)[0]!;

  await expectError(await post(`/api/messages/999999999/replay`), 404);
  await expectError(await post(`/api/messages/${subscribe.id}/replay`), 400);
  await expectError(await post(`/api/messages/${notify.id}/replay`), 400);
  await expectError(await post(`/api/messages/${submit.id}/replay`, { params: ["only", "three", "values"] }), 400);
  await expectError(await post(`/api/messages/${submit.id}/replay`, { params: [1, 2, 3, 4, 5] }), 400);
  await expectError(await post(`/api/messages/${submit.id}/replay`, { params: "nope" }), 422);

  peer.socket.end();
  await until(() => hs.store.getSession(sessionId)?.state === "closed", 5000, "session closed");
  await expectError(await post(`/api/messages/${submit.id}/replay`), 409);
}, 20_000);

test("auto-replay: each miner submit is re-sent `count` times with own ids; the miner gets only its own answers", async () => {
  const { peer, sessionId, jobId, ntime } = await rawMiner();
  const bad = await post(`/api/sessions/${sessionId}/auto-replay`, { enabled: true, count: 101 });
  expect(bad.status).toBe(422);
  const res = await post(`/api/sessions/${sessionId}/auto-replay`, { enabled: true, count: 3 });
  expect(await res.json()).toEqual({ session_id: sessionId, enabled: true, count: 3 });
  const poolSubmitsBefore = pool.stats.submits;

  await submitAndFind(peer, sessionId, 11, ["w.raw", jobId, "00000000", ntime, "0000000a"]);
  await submitAndFind(peer, sessionId, 12, ["w.raw", jobId, "00000000", ntime, "0000000b"]);
  await until(() => pool.stats.submits === poolSubmitsBefore + 8, 10_000, "2 submits and 6 repeats at the pool");
  await until(() => hs.autoReplay!.pending === 0, 10_000, "repeats answered");
  const own = hs.store.query({ session_id: sessionId, direction: "hashscope_to_pool" }, 100);
  expect(own.length).toBe(6);
  expect(new Set(own.map((m) => m.rpc_id)).size).toBe(6);
  const answers = hs.store.query({ session_id: sessionId, direction: "pool_to_miner", kind: "response" }, 100);
  for (const m of own) expect(answers.filter((a) => a.reply_to === m.id).length).toBe(1);

  const off = await post(`/api/sessions/${sessionId}/auto-replay`, { enabled: false });
  expect(((await off.json()) as { enabled: boolean }).enabled).toBe(false);
  await submitAndFind(peer, sessionId, 13, ["w.raw", jobId, "00000000", ntime, "0000000c"]);
  await Bun.sleep(100);
  expect(pool.stats.submits).toBe(poolSubmitsBefore + 9);
  // Exactly: subscribe, authorize, 3 submits answered; plus the pool's notifications.
  const minerIds = lines(peer).map(json).filter((m) => m.id !== null && m.id !== undefined && m.method === undefined).map((m) => m.id);
  expect(minerIds).toEqual([1, 2, 11, 12, 13]);
  peer.socket.end();
  // A closed session sends no more submits: switching it on there is refused, off is fine.
  await until(() => hs.store.getSession(sessionId)?.state === "closed", 5000, "session closed");
  await expectError(await post(`/api/sessions/${sessionId}/auto-replay`, { enabled: true, count: 2 }), 409);
  expect((await post(`/api/sessions/${sessionId}/auto-replay`, { enabled: false })).status).toBe(200);
}, 30_000);

test("byte-exact: random pool→miner streams with interleaved own replies; the miner gets everything else unchanged", async () => {
  const up = startByteServer();
  const hs2 = await startTestHashScope(up.port);
  try {
    const rand = prng(424242);
    const miner = await connectPeer(hs2.proxyPort);
    const poolSide = await up.next();
    await until(() => hs2.store.listSessions("live").some((s) => s.state === "live"), 5000, "live session");
    const sessionId = hs2.store.listSessions("live")[0]!.id;
    const replay = new ReplayService(hs2.store, hs2.capture, hs2.relay, { timeoutMs: 5000 });
    const expected: Uint8Array[] = [];
    const withheld: Uint8Array[] = [];

    for (let round = 0; round < 12; round++) {
      // A line start first, then the replays; each request reaches the pool before its answer is written.
      const lead = concat([randomStream(rand, 300), enc.encode("\n")]);
      expected.push(lead);
      await poolSide.send(lead);
      const n = 1 + Math.floor(rand() * 3);
      const seenBefore = dec.decode(poolSide.received()).split("\n").filter((l) => l.includes('"hs-')).length;
      const results = Array.from({ length: n }, (_, i) => replay.send(sessionId, ["w", `j${round}`, "00", "00000000", `${i}`]));
      await until(() => dec.decode(poolSide.received()).split("\n").filter((l) => l.includes('"hs-')).length === seenBefore + n, 5000, "own requests at the pool");
      const ids = dec.decode(poolSide.received()).split("\n").filter((l) => l.includes('"hs-')).slice(seenBefore).map((l) => json(l).id as string);
      const stream: Uint8Array[] = [];
      for (const [i, id] of ids.entries()) {
        let other = randomStream(rand, 200);
        const lf = other.lastIndexOf(10);
        other = lf === -1 ? concat([other, enc.encode("\n")]) : other.subarray(0, lf + 1);
        stream.push(other);
        expected.push(other);
        const reply = enc.encode(`{"id":"${id}","result":${i % 2 === 0},"error":null}\n`);
        stream.push(reply);
        withheld.push(reply);
      }
      const tail = concat([randomStream(rand, 200), enc.encode("\n")]);
      stream.push(tail);
      expected.push(tail);
      for (const piece of randomCuts(rand, concat(stream), 10)) await poolSide.send(piece);
      const answers = await Promise.all(results);
      expect(answers.map((a) => a.ok)).toEqual(ids.map((_, i) => i % 2 === 0));
    }
    const want = concat(expected);
    await until(() => miner.receivedBytes() >= want.byteLength, 5000, "all bytes at the miner");
    await Bun.sleep(50);
    expect(miner.received()).toEqual(want);
    expect(withheld.length).toBeGreaterThan(12);
    miner.socket.end();
  } finally {
    await hs2.stop();
    up.stop();
  }
}, 30_000);

test("a replay the pool never answers fails with 504 after the timeout, and a late answer still stays away from the miner", async () => {
  const up = startByteServer();
  const hs2 = await startTestHashScope(up.port);
  try {
    const miner = await connectPeer(hs2.proxyPort);
    const poolSide = await up.next();
    await until(() => hs2.store.listSessions("live").some((s) => s.state === "live"), 5000, "live session");
    const sessionId = hs2.store.listSessions("live")[0]!.id;
    const replay = new ReplayService(hs2.store, hs2.capture, hs2.relay, { timeoutMs: 200 });
    const err = await replay.send(sessionId, ["w", "j", "00", "00000000", "00000000"]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReplayError);
    expect((err as ReplayError).status).toBe(504);
    const id = json(dec.decode(poolSide.received()).trim()).id as string;
    await poolSide.send(enc.encode(`{"id":"${id}","result":true,"error":null}\n{"id":null,"method":"mining.set_difficulty","params":[2]}\n`));
    await until(() => miner.receivedBytes() > 0, 5000, "the notification");
    await Bun.sleep(30);
    expect(dec.decode(miner.received())).toBe('{"id":null,"method":"mining.set_difficulty","params":[2]}\n');
    miner.socket.end();
  } finally {
    await hs2.stop();
    up.stop();
  }
}, 15_000);
