import { afterAll, beforeAll, expect, test } from "bun:test";
import type { ServerWebSocket } from "bun";
import { finalizeEvent, generateSecretKey, getPublicKey } from "nostr-tools/pure";
import type { SessionRecord } from "../../src/capture/records";
import { hexToBytes } from "nostr-tools/utils";
import { buildTelemetryEvent, parseShare, ShareContent, type NostrEvent } from "../../src/nostr/events";
import { RelayPool } from "../../src/nostr/relay-pool";
import { startRelay, type RelayHandle } from "../../src/relay/server";
import type { HashScope } from "../../src/server";
import { startSimMiner } from "../../src/sim/miner";
import { startSimPool, type SimPool } from "../../src/sim/pool";
import { startTestHashScope } from "../helpers/hashscope";
import { until } from "../helpers/net";
import { freePort, RawClient, telemetryContent } from "../nostr/helpers";

const RUN = "mitm-test-run";
const MITM_SK = "7f".repeat(32);
const agentSk = generateSecretKey();
const agentPk = getPublicKey(agentSk);

let pool: SimPool;
let relay: RelayHandle;
let hs: HashScope;
let base: string;
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  pool = await startSimPool({ jobIntervalMs: 400 });
  relay = startRelay({ hostname: "127.0.0.1", port: 0 });
  hs = await startTestHashScope(pool.port, {
    NOSTR_ENABLED: "true",
    NOSTR_RELAY_URL: relay.url,
    RUN_ID: RUN,
    NOSTR_SK: MITM_SK,
    NOSTR_AGENT_PUBKEYS: agentPk,
    TELEMETRY_INTERVAL_SEC: "1",
  });
  base = `http://127.0.0.1:${hs.apiPort}`;
  await until(() => hs.nostr!.pool.counters().connected === 1, 5000, "MITM connected to the relay");
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await hs.stop();
  await relay.stop();
  await pool.stop();
});

const post = (path: string, body: unknown) =>
  fetch(`${base}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

/** A sim miner through the proxy, and its session once live. */
async function minerSession(worker: string, maxShares: number, startHashing?: Promise<void>) {
  const before = new Set(hs.store.listSessions("all").map((s) => s.id));
  const miner = startSimMiner({ host: "127.0.0.1", port: hs.proxyPort, worker, maxShares, maxSeconds: 20, startHashing });
  cleanups.push(() => miner.stop());
  await miner.ready;
  let session: SessionRecord | undefined;
  await until(() => (session = hs.store.listSessions("live").find((s) => !before.has(s.id))) !== undefined, 5000, "session");
  return { miner, session: session! };
}

async function shareEvents(client: RawClient, sub: string): Promise<NostrEvent[]> {
  return (await client.req(sub, { kinds: [30080], "#l": [RUN] })) as unknown as NostrEvent[];
}

test("broadcast on: each miner submit becomes one signed share event with the documented tags and job context; off: none", async () => {
  // The miner waits for broadcast to be on: at low difficulty it could otherwise send all its shares first.
  const gate = Promise.withResolvers<void>();
  const { miner, session } = await minerSession("bc1qtest.rig-broadcast", 3, gate.promise);
  // Bad bodies first: 422, unknown session 404.
  expect((await post(`/api/sessions/${session.id}/broadcast`, { enabled: true, repeat_count: 0 })).status).toBe(422);
  expect((await post(`/api/sessions/${session.id}/broadcast`, { enabled: "yes" })).status).toBe(422);
  expect((await post(`/api/sessions/nope/broadcast`, { enabled: true })).status).toBe(404);

  const res = await post(`/api/sessions/${session.id}/broadcast`, { enabled: true, repeat_count: 3 });
  expect(res.status).toBe(200);
  const updated = (await res.json()) as SessionRecord;
  expect(updated.broadcast).toEqual({ enabled: true, repeat_count: 3 });
  const fromSeq = hs.store.lastSeq;
  gate.resolve();

  await miner.done;
  await miner.stop();
  await until(() => hs.store.getSession(session.id)?.state === "closed", 5000, "session closed");
  expect((await post(`/api/sessions/${session.id}/broadcast`, { enabled: true })).status).toBe(409); // closed: no more shares
  hs.capture.drainAll();
  const submits = hs.store
    .query({ session_id: session.id, method: "mining.submit", direction: "miner_to_pool", kind: "request" }, 100)
    .filter((m) => m.seq > fromSeq)
    .reverse();
  expect(submits.length).toBeGreaterThan(0);
  expect(await hs.nostr!.pool.settled(5000)).toBe(true);

  const client = await RawClient.open(relay.url);
  cleanups.push(() => client.close());
  const events = (await shareEvents(client, "s1")).filter((e) => (JSON.parse(e.content) as ShareContent).context.session_id === session.id);
  expect(events.length).toBe(submits.length);
  const contents = events.map((e) => ShareContent.parse(JSON.parse(e.content))).sort((a, b) => a.seq - b.seq);
  for (let i = 1; i < contents.length; i++) expect(contents[i]!.seq).toBeGreaterThan(contents[i - 1]!.seq);
  expect(new Set(events.map((e) => e.tags.find((t) => t[0] === "d")![1])).size).toBe(events.length);
  for (const e of events) {
    const c = ShareContent.parse(JSON.parse(e.content));
    expect(e.pubkey).toBe(hs.nostr!.keys.pk);
    expect(e.kind).toBe(30080);
    expect(e.tags).toEqual([
      ["d", `${RUN}:${c.event_id}`],
      ["t", "hashscope"],
      ["L", "hashscope.run"],
      ["l", RUN, "hashscope.run"],
      ["run", RUN],
      ["type", "share"],
      ["schema", "hashscope.v1"],
    ]);
  }
  for (const [i, c] of contents.entries()) {
    const m = submits[i]!;
    expect(c.run_id).toBe(RUN);
    expect(c.ts).toBe(m.ts);
    expect(c.stratum).toEqual({ method: "mining.submit", id: m.rpc_id, params: (m.json as { params: unknown[] }).params });
    expect(c.pool).toEqual({ host: "127.0.0.1", port: pool.port });
    expect(c.repeat_count).toBe(3);
    const s = hs.store.getSession(session.id)!;
    expect(c.context.session_id).toBe(session.id);
    expect(c.context.miner_peer).toBe(s.miner_addr);
    expect(c.context.worker).toBe("bc1qtest.rig-broadcast");
    expect(c.context.extranonce1).toBe(s.extranonce1);
    expect(c.context.extranonce2_size).toBe(s.extranonce2_size);
    expect(c.context.difficulty).toBe(s.difficulty);
    expect(c.context.version_mask).toBe(s.version_mask);
    // The job: the notify params the pool sent for that job id, as captured.
    const jobId = (m.json as { params: string[] }).params[1];
    const notify = hs.store
      .query({ session_id: session.id, method: "mining.notify" }, 1000)
      .find((n) => (n.json as { params: unknown[] }).params[0] === jobId)!;
    expect(c.context.job).toEqual((notify.json as { params: unknown[] }).params);
  }

  // A second session with broadcast off publishes nothing.
  const published = hs.nostr!.shares.counters().published;
  const other = await minerSession("bc1qtest.rig-quiet", 2);
  await other.miner.done;
  await other.miner.stop();
  await until(() => hs.store.getSession(other.session.id)?.state === "closed", 5000, "second session closed");
  hs.capture.drainAll();
  await Bun.sleep(50);
  expect(hs.store.getSession(other.session.id)!.counters.submits).toBeGreaterThan(0);
  expect(hs.nostr!.shares.counters().published).toBe(published);
  const after = (await shareEvents(client, "s2")).filter((e) => (JSON.parse(e.content) as ShareContent).context.session_id === other.session.id);
  expect(after.length).toBe(0);
}, 40_000);

test("telemetry from an allowed agent shows in /api/agents; offline after 3 missed intervals", async () => {
  const client = await RawClient.open(relay.url);
  cleanups.push(() => client.close());
  const good = buildTelemetryEvent(telemetryContent("agent-ams", RUN), agentSk, 30079);
  client.send(["EVENT", good]);
  await until(() => (hs.fleet?.list().length ?? 0) === 1, 5000, "the agent");

  const list = (await (await fetch(`${base}/api/agents`)).json()) as Record<string, unknown>[];
  expect(list.length).toBe(1);
  const a = list[0]!;
  for (const k of ["agent_id", "region", "last_seen", "online", "conn_state", "pool_target", "stats", "jobs", "errors"]) expect(k in a).toBe(true);
  expect(a.agent_id).toBe("agent-ams");
  expect(a.region).toBe("ams");
  expect(a.online).toBe(true);
  expect(a.conn_state).toBe("connected");
  expect(String(a.last_seen)).toMatch(/Z$/);
  expect((a.stats as { reject_reasons: unknown }).reject_reasons).toEqual({ "21 Job not found": 2 });
  const one = (await (await fetch(`${base}/api/agents/agent-ams`)).json()) as { agent_id: string; history: unknown[] };
  expect(one.agent_id).toBe("agent-ams");
  expect(one.history.length).toBe(1);
  expect((await fetch(`${base}/api/agents/nobody`)).status).toBe(404);

  // The live feed: a snapshot first, then an `agent` event when a report arrives.
  const ac = new AbortController();
  const stream = await fetch(`${base}/api/agents/stream`, { signal: ac.signal });
  const reader = stream.body!.getReader();
  let text = "";
  const readUntil = async (needle: string) => {
    const end = performance.now() + 5000;
    while (!text.includes(needle) && performance.now() < end) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    expect(text).toContain(needle);
  };
  await readUntil("event: snapshot");
  expect(text).toContain('"agent_id":"agent-ams"');
  client.send(["EVENT", buildTelemetryEvent({ ...telemetryContent("agent-ams", RUN), ts: new Date().toISOString() }, agentSk, 30079)]);
  await readUntil("event: agent\n");
  ac.abort();

  // Offline after 3 missed intervals (interval 1 s here).
  await until(() => hs.fleet!.get("agent-ams")!.online === false, 6000, "agent offline");
  const stats = (await (await fetch(`${base}/api/stats`)).json()) as { agents: { online: number; total: number } };
  expect(stats.agents).toEqual({ online: 0, total: 1 });
}, 20_000);

test("relay down at start, then up: share events queued meanwhile are delivered", async () => {
  const port = freePort();
  const hs2 = await startTestHashScope(pool.port, {
    NOSTR_ENABLED: "true",
    NOSTR_RELAY_URL: `ws://127.0.0.1:${port}`,
    RUN_ID: "late-relay-run",
  });
  let relay2: RelayHandle | null = null;
  try {
    const before = new Set(hs2.store.listSessions("all").map((s) => s.id));
    const miner = startSimMiner({ host: "127.0.0.1", port: hs2.proxyPort, worker: "w.late", maxShares: 2, maxSeconds: 20 });
    await miner.ready;
    const session = hs2.store.listSessions("live").find((s) => !before.has(s.id))!;
    const r = await fetch(`http://127.0.0.1:${hs2.apiPort}/api/sessions/${session.id}/broadcast`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ enabled: true }),
    });
    expect(r.status).toBe(200);
    await miner.done;
    await miner.stop();
    // Once the session is recorded closed, every chunk it carried has been handed to capture.
    await until(() => hs2.store.getSession(session.id)?.closed_at != null, 5000, "session closed");
    hs2.capture.drainAll();
    await until(() => hs2.nostr!.shares.counters().published > 0, 5000, "shares built");
    await until(() => hs2.nostr!.pool.counters().queued === hs2.nostr!.shares.counters().published, 5000, "queued");
    const published = hs2.nostr!.shares.counters().published;
    expect(hs2.nostr!.pool.counters().connected).toBe(0);

    relay2 = startRelay({ hostname: "127.0.0.1", port });
    expect(await hs2.nostr!.pool.settled(15_000)).toBe(true);
    const client = await RawClient.open(relay2.url);
    const evs = await client.req("late", { kinds: [30080], "#l": ["late-relay-run"] });
    client.close();
    expect(evs.length).toBe(published);
    expect(hs2.nostr!.pool.counters().dropped).toBe(0);
  } finally {
    await hs2.stop();
    await relay2?.stop();
  }
}, 30_000);

/** A relay that ignores filters (some do): it answers every REQ with the scripted events, so forgeries reach the MITM. */
function filterIgnoringRelay(events: NostrEvent[]): { url: string; stop(): void } {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req, srv) {
      return srv.upgrade(req) ? undefined : new Response("relay", { status: 426 });
    },
    websocket: {
      message(ws: ServerWebSocket<unknown>, data) {
        const msg = JSON.parse(String(data)) as unknown[];
        if (msg[0] !== "REQ") return;
        for (const e of events) ws.send(JSON.stringify(["EVENT", msg[1], e]));
        ws.send(JSON.stringify(["EOSE", msg[1]]));
      },
    },
  });
  return { url: `ws://127.0.0.1:${server.port}`, stop: () => server.stop(true) };
}

test("forged telemetry (bad signature, wrong author, wrong run) is ignored and counted", async () => {
  const genuine = buildTelemetryEvent(telemetryContent("agent-ok", RUN), agentSk, 30079);
  const tampered = { ...buildTelemetryEvent(telemetryContent("agent-evil", RUN), agentSk, 30079) };
  tampered.content = tampered.content.replace("agent-evil", "agent-fake");
  const wrongAuthor = buildTelemetryEvent(telemetryContent("agent-intruder", RUN), generateSecretKey(), 30079);
  // The run tags say ours, the signed content another run.
  const wrongRun = finalizeEvent(
    {
      kind: 30079,
      created_at: Math.floor(Date.now() / 1000),
      tags: [["d", `${RUN}:x`], ["L", "hashscope.run"], ["l", RUN, "hashscope.run"], ["run", RUN]],
      content: JSON.stringify(telemetryContent("agent-other-run", "other-run")),
    },
    agentSk,
  );
  const wrongRunTag = buildTelemetryEvent(telemetryContent("agent-other-tag", "other-run"), agentSk, 30079);
  const fake = filterIgnoringRelay([tampered, wrongAuthor, wrongRun, wrongRunTag, genuine]);
  const hs3 = await startTestHashScope(pool.port, {
    NOSTR_ENABLED: "true",
    NOSTR_RELAY_URL: fake.url,
    RUN_ID: RUN,
    NOSTR_AGENT_PUBKEYS: agentPk,
  });
  try {
    await until(() => hs3.fleet!.counters().received === 1, 5000, "the genuine report");
    expect(hs3.fleet!.list().map((a) => a.agent_id)).toEqual(["agent-ok"]);
    const status = (await (await fetch(`http://127.0.0.1:${hs3.apiPort}/api/nostr`)).json()) as {
      telemetry: { received: number; rejected: Record<string, number> };
    };
    expect(status.telemetry.received).toBe(1);
    expect(status.telemetry.rejected).toEqual({ bad_signature: 1, wrong_author: 1, wrong_run: 2 });
  } finally {
    await hs3.stop();
    fake.stop();
  }
}, 15_000);

test("relay stopped mid-run and restarted on its port: a subscriber (as an agent) gets every share event exactly once", async () => {
  const port = freePort();
  let r: RelayHandle = startRelay({ hostname: "127.0.0.1", port });
  const hs4 = await startTestHashScope(pool.port, {
    NOSTR_ENABLED: "true",
    NOSTR_RELAY_URL: r.url,
    RUN_ID: "restart-run",
    NOSTR_SK: MITM_SK,
  });
  const agent = new RelayPool({ urls: [r.url], initialBackoffMs: 50, maxBackoffMs: 200 });
  const got: string[] = [];
  agent.subscribe({
    filter: { kinds: [30080], "#l": ["restart-run"], authors: [getPublicKey(hexToBytes(MITM_SK))] },
    parse: (e) => parseShare(e, { kind: 30080, runId: "restart-run" }),
    onEvent: (c) => got.push(c.event_id),
  });
  try {
    await until(() => hs4.nostr!.pool.counters().connected === 1 && agent.counters().connected === 1, 5000, "both connected");
    const before = new Set(hs4.store.listSessions("all").map((s) => s.id));
    const miner = startSimMiner({ host: "127.0.0.1", port: hs4.proxyPort, worker: "w.restart", maxShares: 6, maxSeconds: 20 });
    await miner.ready;
    const session = hs4.store.listSessions("live").find((s) => !before.has(s.id))!;
    hs4.store.sessions.setSwitch(session.id, "broadcast", { enabled: true, repeat_count: 1 });
    await until(() => hs4.nostr!.shares.counters().published >= 2, 10_000, "first shares");
    await r.stop();
    await until(() => hs4.nostr!.pool.counters().connected === 0, 5000, "MITM sees the relay gone");
    await until(() => hs4.nostr!.shares.counters().published >= 4, 10_000, "shares while the relay is down");
    r = startRelay({ hostname: "127.0.0.1", port });
    await miner.done;
    await miner.stop();
    await until(() => hs4.store.getSession(session.id)?.closed_at != null, 5000, "session closed");
    hs4.capture.drainAll();
    await Bun.sleep(20);
    const published = hs4.nostr!.shares.counters().published;
    expect(await hs4.nostr!.pool.settled(10_000)).toBe(true);
    await until(() => got.length >= published, 10_000, "every share at the subscriber");
    await Bun.sleep(100);
    expect(got.length).toBe(published);
    expect(new Set(got).size).toBe(published);
  } finally {
    agent.close();
    await hs4.stop();
    await r.stop();
  }
}, 40_000);
