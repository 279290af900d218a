import { afterEach, describe, expect, test } from "bun:test";
import { RUN, share, startRig, waitFor, type Rig } from "./helpers.ts";

/** Pool behaviour checks against the validating sim pool: replay, duplicate, stale; the pool's exact answers in telemetry. */

let rig: Rig | null = null;
afterEach(async () => {
  await rig?.stop();
  rig = null;
});

const latestChecks = (r: Rig) => r.telemetry.at(-1)?.checks ?? null;

describe("pool behaviour checks", () => {
  test("a replayed share the pool refuses (low difficulty here) is 'refused'; no acceptance, so no duplicate verdict", async () => {
    rig = await startRig({ sim: { difficulty: 2 ** 20 } });
    const r = rig;
    const job = r.pool.currentJob!;
    r.publishShare(share(["miner.rig1", job.job_id, "00000001", job.ntime, "00000000"], 2));
    await waitFor(() => (latestChecks(r)?.replay.refused ?? 0) === 1, 4000, "replay verdict in telemetry");
    const c = latestChecks(r)!;
    expect(c.replay).toMatchObject({ refused: 1, accepted: 0, inconclusive: 0, answers: { "23 Low difficulty share": 1 } });
    expect(c.replay.last).toMatchObject({ verdict: "refused", answer: "23 Low difficulty share" });
    expect(c.duplicate).toMatchObject({ refused: 0, accepted: 0 });
    expect(r.telemetry.at(-1)!.run_id).toBe(RUN);
  });

  test("a pool that accepts a replayed share is flagged ('accepted'); its repeats must then be refused as duplicates", async () => {
    // Any hash meets this difficulty: the sim pool accepts the first copy, as a pool not checking extranonce binding would.
    rig = await startRig({ sim: { difficulty: 1e-30 } });
    const r = rig;
    const job = r.pool.currentJob!;
    r.publishShare(share(["miner.rig1", job.job_id, "00000002", job.ntime, "00000000"], 3));
    await waitFor(() => (latestChecks(r)?.duplicate.refused ?? 0) === 2, 4000, "duplicate verdicts");
    const c = latestChecks(r)!;
    expect(c.replay).toMatchObject({ accepted: 1, refused: 0, answers: { accepted: 1 } });
    expect(c.duplicate).toMatchObject({ refused: 2, accepted: 0, answers: { "22 Duplicate share": 2 } });
    // What the pool saw: one accepted, two duplicates, all from the agent's worker.
    const outs = r.pool.outcomes.filter((o) => o.worker === r.agent.worker);
    expect(outs.map((o) => (o.accepted ? "ok" : String(o.error?.[0])))).toEqual(["ok", "22", "22"]);
  });

  test("the same extranonce1 as the miner's session makes the replay inconclusive", async () => {
    rig = await startRig({ sim: { difficulty: 1e-30 } });
    const r = rig;
    const job = r.pool.currentJob!;
    const s = share(["miner.rig1", job.job_id, "00000003", job.ntime, "00000000"], 1);
    s.context.extranonce1 = r.agent.pool.extranonce1;
    r.publishShare(s);
    await waitFor(() => (latestChecks(r)?.replay.inconclusive ?? 0) === 1, 4000, "inconclusive verdict");
    expect(latestChecks(r)!.replay).toMatchObject({ accepted: 0, refused: 0, inconclusive: 1 });
  });

  test("stale: after a clean_jobs notify the agent probes the job before it once; the pool's refusal is recorded", async () => {
    rig = await startRig({ sim: { difficulty: 2 ** 20 } });
    const r = rig;
    const old = r.pool.newJob(false);
    await waitFor(() => r.agent.pool.knowsJob(old.job_id), 4000, "the agent has the job");
    r.pool.newJob(true);
    await waitFor(() => (latestChecks(r)?.stale.refused ?? 0) === 1, 4000, "stale verdict");
    const c = latestChecks(r)!;
    expect(c.stale.accepted).toBe(0);
    expect(Object.keys(c.stale.answers)).toEqual([c.stale.last!.answer]);
    // The probe went to the pool for exactly that old job, with the agent's worker; nothing else was submitted.
    const outs = r.pool.outcomes.filter((o) => o.worker === r.agent.worker);
    expect(outs.map((o) => o.jobId)).toEqual([old.job_id]);
    expect(`${outs[0]!.error?.[0]} ${outs[0]!.error?.[1]}`).toBe(c.stale.last!.answer);
    // Share-event stats stay about share events.
    expect(r.telemetry.at(-1)!.stats.submits_attempted_total).toBe(0);
  });

  test("AGENT_STALE_CHECK=false: no probe", async () => {
    rig = await startRig({ sim: { difficulty: 2 ** 20 }, env: { AGENT_STALE_CHECK: "false" } });
    const r = rig;
    const old = r.pool.newJob(false);
    await waitFor(() => r.agent.pool.knowsJob(old.job_id), 4000, "the agent has the job");
    r.pool.newJob(true);
    const reports = r.telemetry.length;
    await waitFor(() => r.telemetry.length >= reports + 3, 4000, "three more reports");
    expect(r.pool.outcomes.filter((o) => o.worker === r.agent.worker)).toHaveLength(0);
    expect(latestChecks(r)!.stale).toMatchObject({ refused: 0, accepted: 0 });
  });
});
