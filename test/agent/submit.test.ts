import { afterEach, describe, expect, test } from "bun:test";
import { finalizeEvent, generateSecretKey } from "nostr-tools/pure";
import { buildShareEvent, shareTags } from "../../src/nostr/events.ts";
import { RUN, share, startRig, waitFor, type Rig } from "./helpers.ts";

let rig: Rig | null = null;
afterEach(async () => {
  await rig?.stop();
  rig = null;
});

const outcomesOf = (r: Rig) => r.pool.outcomes.filter((o) => o.worker === r.agent.worker);

describe("agent submits share events to its own pool connection", () => {
  test("repeat_count submits with its own worker and ids; telemetry counts match the pool's answers", async () => {
    // Any hash meets this difficulty, so the pool's verdicts are: accepted, then duplicate, and job-not-found.
    const lines: string[] = [];
    rig = await startRig({ sim: { difficulty: 1e-30 }, agent: { onPoolLine: (l, d) => d === "out" && lines.push(l) } });
    const r = rig;
    expect(r.agent.worker).toMatch(/^hashscope_agent\.hashscope_agent\d{5}$/);
    const job = r.pool.currentJob!;
    const good = share(["miner.rig1", job.job_id, "00000001", job.ntime, "00000000"], 3);
    const stale = share(["miner.rig1", "nope", "00000001", job.ntime, "00000000"], 2);
    r.publishShare(good);
    r.publishShare(stale);
    await waitFor(() => outcomesOf(r).length === 5, 4000, "5 outcomes at the pool");
    await waitFor(() => r.agent.stats.accepted + r.agent.stats.rejected === 5, 4000, "5 outcomes at the agent");

    const outs = outcomesOf(r);
    expect(outs.every((o) => o.worker === r.agent.worker)).toBe(true);
    const poolAccepted = outs.filter((o) => o.accepted).length;
    const poolReasons: Record<string, number> = {};
    for (const o of outs) if (o.error) poolReasons[`${o.error[0]} ${o.error[1]}`] = (poolReasons[`${o.error[0]} ${o.error[1]}`] ?? 0) + 1;
    expect(poolAccepted).toBe(1);
    expect(poolReasons).toEqual({ "22 Duplicate share": 2, "21 Job not found": 2 });

    // The latest telemetry over the relay shows the same numbers.
    await waitFor(() => (r.telemetry.at(-1)?.stats.submits_attempted_total ?? 0) === 5 && r.telemetry.at(-1)!.stats.submits_rejected_total === 4, 4000, "telemetry with 5 attempts");
    const t = r.telemetry.at(-1)!;
    expect(t.run_id).toBe(RUN);
    expect(t.agent_id).toBe("test-agent");
    expect(t.region).toBe("lab");
    expect(t.pool_target).toEqual({ host: "127.0.0.1", port: r.pool.port });
    expect(t.conn_state).toBe("connected");
    expect(t.stats.share_events_received_total).toBe(2);
    expect(t.stats.submits_accepted_total).toBe(poolAccepted);
    expect(t.stats.reject_reasons).toEqual(poolReasons);
    expect(t.stats.submits_timeout_total).toBe(0);
    expect(t.stats.last_submit_latency_ms).not.toBeNull();
    const { p50, p90, p99 } = t.stats.latency_ms;
    expect(p50 !== null && p90 !== null && p99 !== null && p50 <= p90 && p90 <= p99).toBe(true);
    expect(t.stats.submits_per_second_10sec).toBeCloseTo(5 / 10, 5);
    expect(t.stats.submits_per_second_1min).toBeCloseTo(5 / 60, 2);
    expect(t.jobs.notify_total).toBeGreaterThanOrEqual(1);
    expect(t.jobs.last_prevhash).toBe(job.prevhash);
    expect(t.jobs.last_notify_at).not.toBeNull();
    // On the agent's own wire: the client's own distinct ids (never the miner's 7777), its worker, the miner's other params.
    const submits = lines.map((l) => JSON.parse(l) as { id: number; method: string; params: string[] }).filter((m) => m.method === "mining.submit");
    expect(submits).toHaveLength(5);
    expect(new Set(submits.map((m) => m.id)).size).toBe(5);
    expect(submits.some((m) => m.id === 7777)).toBe(false);
    expect(submits[0]!.params).toEqual([r.agent.worker, job.job_id, "00000001", job.ntime, "00000000"]);
    // The job id "nope" was never sent to this connection.
    expect(r.agent.submitter.foreignJobSubmits).toBe(2);
  });

  test("a share from another session (other extranonce1) is measured, not made valid", async () => {
    rig = await startRig(); // realistic difficulty
    const r = rig;
    const job = r.pool.currentJob!;
    r.publishShare(share(["miner.rig1", job.job_id, "0000abcd", job.ntime, "12345678"], 1));
    const o = await r.pool.waitForOutcome((x) => x.worker === r.agent.worker, 4000);
    expect(o.accepted).toBe(false);
    await waitFor(() => r.agent.stats.rejected === 1, 4000, "rejection counted");
    expect(Object.keys(r.agent.stats.reasons)).toEqual([`${o.error![0]} ${o.error![1]}`]);
  });

  test("forged or foreign share events are ignored and counted; duplicates are submitted once", async () => {
    rig = await startRig({ sim: { difficulty: 1e-30 } });
    const r = rig;
    const job = r.pool.currentJob!;
    const params = ["miner.rig1", job.job_id, "00000002", job.ntime, "00000000"];
    // Wrong author: the relay filters by NOSTR_MITM_PUBKEY, and the agent would refuse it anyway.
    r.mitm.out.publish(buildShareEvent(share(params), generateSecretKey()));
    // Wrong run in the signed content under the right run tag (some relays ignore tag filters).
    const wrongRun = share(params, 1, "other-run");
    r.mitm.out.publish(finalizeEvent({ kind: 30080, created_at: Math.floor(Date.now() / 1000), tags: shareTags(RUN, wrongRun.event_id), content: JSON.stringify(wrongRun) }, r.mitm.sk));
    // A genuine one, published twice: submitted once.
    const genuine = buildShareEvent(share(params), r.mitm.sk);
    r.mitm.out.publish(genuine);
    r.mitm.out.publish(genuine);
    await waitFor(() => r.agent.stats.ignored.wrong_run === 1 && r.agent.stats.accepted === 1, 4000, "wrong run counted, genuine accepted");
    await r.mitm.out.settled(2000);
    await Bun.sleep(100);
    expect(r.agent.stats.received).toBe(1);
    expect(outcomesOf(r)).toHaveLength(1);
    expect(r.agent.stats.ignored.wrong_author ?? 0).toBe(0); // never delivered by this relay
  });
});
