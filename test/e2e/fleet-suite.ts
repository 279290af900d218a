import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { finalizeEvent, generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { hexToBytes } from "nostr-tools/utils";
import { shareParser } from "../../agent/agent";
import { AgentStats } from "../../agent/stats";
import type { SessionRecord } from "../../src/capture/records";
import type { BlockView, ClockView } from "../../src/mitm/blocks";
import type { AgentView } from "../../src/mitm/fleet";
import type { NostrStatus } from "../../src/mitm/nostr";
import { buildShareEvent, runFilter, shareTags, type Expect, type NostrEvent } from "../../src/nostr/events";
import { RelayPool } from "../../src/nostr/relay-pool";
import type { HashScope } from "../../src/server";
import { startSimMiner, type MinerShare, type SimMiner } from "../../src/sim/miner";
import { startSimPool, type SimPool, type SubmitOutcome } from "../../src/sim/pool";
import { startTestHashScope } from "../helpers/hashscope";
import { until } from "../helpers/net";
import { freePort, RawClient, shareContent, spawnRelay, type RelayImpl, type RelayProcess } from "../nostr/helpers";
import { countOf, spawnAgent, type ChildProcess } from "../helpers/procs";

/**
 * Issue 4, item 5, on loopback with real processes:
 *   sim miner → HashScope proxy → sim pool; HashScope publishes share events to a relay (child process);
 *   three agents (child processes) receive them, submit to the same sim pool with their own workers, report telemetry.
 * Run once per relay program (fleet.test.ts: ours; fleet-core.test.ts: @nostr-relay/core from npm).
 */

export function fleetSuite(impl: RelayImpl): void {
 describe(`fleet e2e over ${impl}`, () => {
  const RUN = "e2e-fleet-run";
  const MITM_SK = "1a".repeat(32);
  const MITM_PK = getPublicKey(hexToBytes(MITM_SK));
  const AGENTS = [
    { id: "agent-ams", region: "ams", sk: "2b".repeat(32), worker: "e2e-ams" },
    { id: "agent-sin", region: "sin", sk: "3c".repeat(32), worker: "e2e-sin" },
    { id: "agent-iad", region: "iad", sk: "4d".repeat(32), worker: "e2e-iad" },
  ];
  const REPEAT = 2;
  const MINER_SHARES = 24;
  /** While the miner waits for broadcast: a share at this difficulty needs ~2^40 hashes, i.e. never in this test. */
  const UNREACHABLE_DIFFICULTY = 2 ** 8;
  const SHARE_DIFFICULTY = 2 ** -16;

  let pool: SimPool;
  let relayPort: number;
  let relay: RelayProcess | null = null;
  let hs: HashScope;
  let base: string;
  let miner: SimMiner | null = null;
  const agents: ChildProcess[] = [];
  const cleanups: (() => unknown)[] = [];
  const minerShares: MinerShare[] = [];
  let sessionId = "";

  const getJson = async <T>(path: string): Promise<T> => (await fetch(`${base}${path}`)).json() as Promise<T>;
  const fleet = () => getJson<AgentView[]>("/api/agents");
  const nostrStatus = () => getJson<NostrStatus>("/api/nostr");
  const agentOutcomes = (worker: string): SubmitOutcome[] => pool.outcomes.filter((o) => o.worker?.startsWith(`${worker}.hashscope_agent`) ?? false);

  /** Poll an async condition (bounded); the last value is returned for precise assertions afterwards. */
  async function poll<T>(get: () => Promise<T>, ok: (v: T) => boolean, ms: number, what: string): Promise<T> {
    const end = performance.now() + ms;
    let v = await get();
    while (!ok(v)) {
      if (performance.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}; last: ${JSON.stringify(v).slice(0, 2000)}`);
      await Bun.sleep(100);
      v = await get();
    }
    return v;
  }

  beforeAll(async () => {
    relayPort = freePort();
    relay = await spawnRelay(relayPort, impl);
    pool = await startSimPool({ difficulty: UNREACHABLE_DIFFICULTY, jobIntervalMs: 1500, maxOutcomes: 10_000 });
    hs = await startTestHashScope(pool.port, {
      NOSTR_ENABLED: "true",
      NOSTR_RELAY_URL: relay.url,
      RUN_ID: RUN,
      NOSTR_SK: MITM_SK,
      NOSTR_AGENT_PUBKEYS: AGENTS.map((a) => getPublicKey(hexToBytes(a.sk))).join(","),
      TELEMETRY_INTERVAL_SEC: "1",
    });
    base = `http://127.0.0.1:${hs.apiPort}`;
    for (const a of AGENTS) {
      agents.push(
        spawnAgent(a.id, {
          POOL_HOST: `127.0.0.1:${pool.port}`,
          WORKER_NAME: a.worker,
          RUN_ID: RUN,
          NOSTR_RELAY_URL: relay.url,
          NOSTR_SK: a.sk,
          NOSTR_MITM_PUBKEY: MITM_PK,
          AGENT_REGION: a.region,
          TELEMETRY_INTERVAL_SEC: "1",
          SUBMIT_TIMEOUT_MS: "5000",
          // The stale-job probe would add submits to the exact per-worker counts below (test/agent/checks.test.ts covers it).
          AGENT_STALE_CHECK: "false",
        }),
      );
    }
  }, 20_000);

  afterAll(async () => {
    // Everything is stopped even when a step fails; children are awaited so none outlives the test.
    const steps: (() => unknown)[] = [
      ...cleanups.reverse(),
      () => miner?.stop(),
      ...agents.map((a) => () => a.stop(2000)),
      () => relay?.kill(),
      () => hs?.stop(),
      () => pool?.stop(),
    ];
    for (const s of steps) {
      try {
        await s();
      } catch (err) {
        console.error(`cleanup: ${String(err)}`);
      }
    }
  }, 15_000);

  test("the fleet API shows the three agents online, connected to the sim pool", async () => {
    const list = await poll(fleet, (l) => l.length === 3 && l.every((a) => a.online && a.conn_state === "connected"), 15_000, "three connected agents");
    expect(list.map((a) => a.agent_id).sort()).toEqual(AGENTS.map((a) => a.id).sort());
    for (const a of AGENTS) {
      const v = list.find((x) => x.agent_id === a.id)!;
      expect(v.region).toBe(a.region);
      expect(v.pubkey).toBe(getPublicKey(hexToBytes(a.sk)));
      expect(v.pool_target).toEqual({ host: "127.0.0.1", port: pool.port });
    // One handshake so far: connect, subscribe and authorize timed once; no TLS on this pool.
    expect(v.timings).toMatchObject({ connect_ms: { n: 1 }, subscribe_ms: { n: 1 }, authorize_ms: { n: 1 }, tls_handshake_ms: { n: 0, p50: null } });
    expect(v.timings!.subscribe_ms.p50).toBe(v.timings!.subscribe_ms.last);
    }
    // Each agent authorized on the pool with its own worker, and logged its public key only.
    for (const [i, a] of agents.entries()) {
      await until(() => /as \S+\.hashscope_agent\d+/.test(a.output()), 5000, `${a.id} worker line`);
      expect(a.output()).toContain(`as ${AGENTS[i]!.worker}.hashscope_agent`);
      expect(a.output()).not.toContain(AGENTS[i]!.sk);
    }
  }, 20_000);

  test("broadcast on, relay SIGKILLed and restarted mid-run: every submit reaches every agent exactly once; outcomes match the pool", async () => {
    const before = new Set(hs.store.listSessions("all").map((s) => s.id));
    miner = startSimMiner({
      host: "127.0.0.1",
      port: hs.proxyPort,
      worker: "bc1qe2e.rig1",
      maxShares: MINER_SHARES,
      maxSeconds: 30,
      // ~4 shares/s at SHARE_DIFFICULTY, and light on a shared 2-core machine.
      maxHashesPerSecond: 2 ** 18,
      batchSize: 4096,
      onShare: (s) => minerShares.push(s),
    });
    await miner.ready;
    let session: SessionRecord | undefined;
    await until(() => (session = hs.store.listSessions("live").find((s) => !before.has(s.id))) !== undefined, 5000, "miner session");
    sessionId = session!.id;
    const res = await fetch(`${base}/api/sessions/${sessionId}/broadcast`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ enabled: true, repeat_count: REPEAT }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as SessionRecord).broadcast).toEqual({ enabled: true, repeat_count: REPEAT });
    // Only now can the miner find shares, so every one of its submits is sent with broadcast on.
    expect(miner.stats.submitted).toBe(0);
    pool.setDifficulty(SHARE_DIFFICULTY);

    const published = () => hs.nostr!.shares.counters().published;
    await until(() => published() >= 6, 15_000, "first share events");
    await relay!.kill();
    await until(() => hs.nostr!.pool.counters().connected === 0, 5000, "HashScope sees the relay gone");
    const atKill = published();
    await until(() => published() >= atKill + 3, 10_000, "share events while the relay is down");
    expect(miner.stats.submitted).toBeLessThan(MINER_SHARES); // the miner is still submitting across the restart
    relay = await spawnRelay(relayPort, impl);
    await miner.done;
    // Every answer back, then the session closes (its last submits still become events).
    await until(() => minerShares.length === miner!.stats.submitted, 5000, "miner answers");
    await miner.stop();
    await until(() => hs.store.getSession(sessionId)?.state === "closed", 5000, "session closed");
    hs.capture.drainAll();
    expect(await hs.nostr!.pool.settled(15_000)).toBe(true);

    const submitted = miner.stats.submitted;
    expect(submitted).toBe(MINER_SHARES);
    expect(hs.store.getSession(sessionId)!.counters.submits).toBe(submitted);
    const status = await nostrStatus();
    expect(status.shares.published).toBe(submitted);
    expect(status.shares.dropped).toBe(0);
    expect(status.pool.dropped).toBe(0);
    expect(status.pool.reconnects).toBeGreaterThanOrEqual(1);
    expect(status.relays.every((r) => r.connected)).toBe(true);

    // Each agent: received == published (the relay pool de-duplicates by id, so fewer would mean a loss and
    // more is impossible), REPEAT submits per event, every submit answered.
    const done = (a: AgentView) =>
      a.stats.share_events_received_total === submitted &&
      a.stats.submits_attempted_total === submitted * REPEAT &&
      a.stats.submits_accepted_total + a.stats.submits_rejected_total + a.stats.submits_timeout_total === submitted * REPEAT;
    const list = await poll(fleet, (l) => l.length === 3 && l.every(done) && l.every((a) => a.online), 20_000, "every agent's final telemetry");

    for (const [i, cfg] of AGENTS.entries()) {
      const view = list.find((a) => a.agent_id === cfg.id)!;
      const outs = agentOutcomes(cfg.worker);
      // One pool connection and one worker per agent, the one it logged.
      expect(new Set(outs.map((o) => o.worker)).size).toBe(1);
      expect(new Set(outs.map((o) => o.connId)).size).toBe(1);
      expect(agents[i]!.output()).toContain(`as ${outs[0]!.worker}`);
      // Exactly once, per share: each miner submit's job shows up REPEAT times on this agent's connection.
      expect(outs.length).toBe(submitted * REPEAT);
      const jobs = (xs: string[]) => xs.sort().join(",");
      expect(jobs(outs.map((o) => o.jobId ?? "?"))).toBe(jobs(minerShares.flatMap((s) => Array<string>(REPEAT).fill(s.jobId))));
      // Counts and reasons as the pool answered them.
      const reasons: Record<string, number> = {};
      for (const o of outs) if (!o.accepted && o.error) reasons[`${o.error[0]} ${o.error[1]}`] = (reasons[`${o.error[0]} ${o.error[1]}`] ?? 0) + 1;
      expect(view.stats.submits_accepted_total).toBe(outs.filter((o) => o.accepted).length);
      expect(view.stats.submits_rejected_total).toBe(outs.filter((o) => !o.accepted).length);
      expect(view.stats.reject_reasons).toEqual(reasons);
      expect(view.stats.submits_timeout_total).toBe(0);
    // The replay check: one verdict per share event, from the first answer, as the pool gave it.
    const firstAnswers = view.checks!.replay;
    expect(firstAnswers.refused + firstAnswers.accepted + firstAnswers.inconclusive).toBe(submitted);
    expect(Object.values(firstAnswers.answers).reduce((a, b) => a + b, 0)).toBe(submitted);
      expect(view.stats.latency_ms.p50).not.toBeNull();
      // The agent lost the relay and came back (it logs each connect).
      expect(countOf(agents[i]!.output(), `nostr: connected to ${relay!.url}`)).toBeGreaterThanOrEqual(2);
    }
    // Nothing else submitted to the pool besides the miner and the three agents.
    expect(pool.stats.submits).toBe(submitted + 3 * submitted * REPEAT);
  }, 40_000);

  test("block propagation: each new block lines up HashScope's miner and all three agents, with the pool's height and coinbase", async () => {
    // The broadcast test's miner has gone: a new one (too slow to find a share) gives HashScope its own connection again.
    const watcher = startSimMiner({ host: "127.0.0.1", port: hs.proxyPort, worker: "bc1qe2e.watch", maxShares: 1, maxSeconds: 25, maxHashesPerSecond: 1, batchSize: 1 });
    cleanups.push(() => watcher.stop());
    await watcher.ready;
    const submitsBefore = pool.stats.submits;
    // Blocks that began after every source was connected (sim pool: a clean job every 4th, one job per 1.5 s).
    type Blocks = { blocks: BlockView[]; clocks: ClockView[] };
    const full = (b: BlockView) => b.sightings.filter((s) => !s.joined).length === 4;
    const got = await poll(() => getJson<Blocks>("/api/fleet/blocks"), (r) => r.blocks.some(full), 20_000, "a block seen by all four sources");
    const blk = got.blocks.find(full)!;
    expect(blk.sightings.map((s) => s.source).sort()).toEqual(["hashscope", ...AGENTS.map((a) => a.id)].sort());
    const poolAddr = `127.0.0.1:${pool.port}`;
    for (const s of blk.sightings) {
      expect(s.pool).toBe(poolAddr);
      expect(s.delay_ms).toBeGreaterThanOrEqual(0);
      // Every connection got the same block's facts from the pool (the coinbases differ only by extranonce).
      expect(s.height).toBe(blk.height);
      expect(s.clean_jobs).toBe(true);
      expect(s.coinbase_outputs).toBe(1);
      expect(s.coinbase_value_sat).toBeGreaterThanOrEqual(312_500_000);
      expect(s.region).toBe(s.kind === "hashscope" ? null : AGENTS.find((a) => a.id === s.source)!.region);
    }
    expect(blk.height).not.toBeNull();
    expect(blk.sightings[0]!.delay_ms).toBe(0);
    expect(blk.first?.source).toBe(blk.sightings[0]!.source);
    // Each agent's clock offset was measured (same machine: small, but no threshold here).
    expect(got.clocks.map((c) => c.agent_id).sort()).toEqual(AGENTS.map((a) => a.id).sort());
    for (const c of got.clocks) expect(c.offset_ms).not.toBeNull();
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain("# HELP hashscope_fleet_checks_total ");
    expect(metrics).toMatch(/^hashscope_fleet_blocks_total [1-9]\d*$/m);
    expect(metrics).toContain('hashscope_fleet_last_block_delay_ms{source="hashscope",region="",pool="127.0.0.1:');
    for (const a of AGENTS) {
      expect(metrics).toMatch(new RegExp(`^hashscope_fleet_latency_ms\\{agent="${a.id}",region="${a.region}",step="subscribe",quantile="p50"\\} [\\d.]+$`, "m"));
      // The broadcast run's shares were replayed on each agent's connection and refused by the sim pool.
      expect(metrics).toMatch(new RegExp(`^hashscope_fleet_checks_total\\{agent="${a.id}",check="replay",verdict="refused"\\} [1-9]\\d*$`, "m"));
    }
    await watcher.stop();
    expect(pool.stats.submits).toBe(submitsBefore);
  }, 30_000);

  test("forged share events (wrong author, bad signature, wrong run) never make an agent submit; the agent parser counts them", async () => {
    expect(sessionId).not.toBe(""); // needs the broadcast run above
    const received = (await fleet()).map((a) => [a.agent_id, a.stats.share_events_received_total] as const);
    const poolSubmits = pool.stats.submits;

    // A subscriber exactly like an agent (its filter and its counting parser), to see what reaches an agent and how it is counted.
    const expect_: Expect = { kind: 30080, runId: RUN, authors: [MITM_PK] };
    const stats = new AgentStats();
    const observer = new RelayPool({ urls: [relay!.url], keepaliveMs: 0 });
    cleanups.push(() => observer.close());
    const delivered: string[] = [];
    observer.subscribe({ filter: runFilter(expect_, Math.floor(Date.now() / 1000)), parse: shareParser(expect_, stats), onEvent: (_c, e) => delivered.push(e.id) });
    await until(() => observer.counters().connected === 1, 5000, "observer connected");

    const mitmSk = hexToBytes(MITM_SK);
    const params = minerShares.length > 0 ? ["bc1qe2e.rig1", minerShares[0]!.jobId, "00000000", "00000000", minerShares[0]!.nonce] : [];
    const content = (id: string, run = RUN) => ({ ...shareContent(id, 1, run), stratum: { method: "mining.submit" as const, id: 1, params } });
    const wrongAuthor = buildShareEvent(content("forged-author"), generateSecretKey());
    const good = buildShareEvent(content("forged-sig"), mitmSk);
    const badSig: NostrEvent = { ...good, tags: good.tags.map((t) => [...t]), sig: (good.sig[0] === "0" ? "1" : "0") + good.sig.slice(1) };
    const wrongRunTag = buildShareEvent(content("forged-run-tag", "other-run"), mitmSk);
    // Our run in the tag (passes relay filters), another run in the signed content: reaches agents.
    const wrongRunContent = finalizeEvent(
      { kind: 30080, created_at: Math.floor(Date.now() / 1000), tags: shareTags(RUN, "forged-run-content"), content: JSON.stringify(content("forged-run-content", "other-run")) },
      mitmSk,
    );
    const client = await RawClient.open(relay!.url);
    cleanups.push(() => client.close());
    const ok = async (e: NostrEvent) => {
      client.send(["EVENT", e]);
      return (await client.next((f) => f[0] === "OK" && f[1] === e.id, 5000))[2];
    };
    expect(await ok(badSig)).toBe(false); // this relay verifies signatures itself
    expect(await ok(wrongAuthor)).toBe(true);
    expect(await ok(wrongRunTag)).toBe(true);
    expect(await ok(wrongRunContent)).toBe(true);
    const sentAt = Date.now();

    // The wrong author is filtered by every relay (agents ask for authors). The wrong run label is filtered by ours;
    // @nostr-relay/core 0.0.40 applies tag filters to stored events only, never to live ones, so it reaches the
    // agents there and their own check refuses it. The bad signature was refused by the relay.
    const wrongRuns = impl === "hashscope" ? 1 : 2;
    await until(() => stats.ignored.wrong_run === wrongRuns, 5000, "the wrong-run events at the observer");
    expect(stats.ignored).toEqual({ wrong_run: wrongRuns });
    expect(stats.received).toBe(0);
    for (const e of [wrongAuthor, badSig, wrongRunTag, wrongRunContent]) expect(delivered).not.toContain(e.id);

    // Reports the agents made after they had the forged events in hand: nothing received, nothing submitted.
    const later = await poll(fleet, (l) => l.length === 3 && l.every((a) => Date.parse(a.ts) > sentAt + 1500), 10_000, "fresh telemetry");
    for (const [id, n] of received) expect(later.find((a) => a.agent_id === id)!.stats.share_events_received_total).toBe(n);
    // Each real agent counted the forged event that reached it, and says so in its telemetry.
    for (const a of later) expect(a.stats.share_events_ignored).toEqual({ wrong_run: wrongRuns });
    expect(pool.stats.submits).toBe(poolSubmits);
    expect(later.every((a) => a.online)).toBe(true);
  }, 20_000);
 });
}
