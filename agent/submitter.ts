/**
 * Turns a verified share event into `repeat_count` mining.submit requests on the agent's own connection,
 * with the agent's worker name and the client's own JSON-RPC ids (the miner's id is never reused, so two
 * events with the same miner id cannot be confused). Each outcome is classified and timed per request.
 *
 * Honesty note: the share was found on another session (another extranonce1, maybe a job this connection
 * was never sent), so the pool will generally reject it here. The agent measures the pool's answers and
 * latency; it does not try to make the share valid.
 */
import { ClientClosedError, RpcTimeoutError, type JsonValue, type RpcReply } from "../src/net/stratum-client.ts";
import { submitOutcome } from "../src/stratum/outcome.ts";
import type { ShareContent } from "../src/nostr/events.ts";
import type { AgentStats, SubmitResult } from "./stats.ts";

export type SubmitPort = {
  readonly worker: string;
  readonly isReady: boolean;
  readonly extranonce2Size: number | null;
  knowsJob(jobId: string): boolean;
  submit(params: JsonValue[], timeoutMs: number): Promise<RpcReply>;
};

export type SubmitterOptions = { maxInflight: number; timeoutMs: number; log?: (line: string) => void };

export const MAX_REPEAT = 100;

export const clampRepeat = (n: unknown): number =>
  typeof n === "number" && Number.isFinite(n) ? Math.min(MAX_REPEAT, Math.max(1, Math.floor(n))) : 1;

/** A JSON value (the params came from JSON.parse, but the schema only says unknown). */
export function asJson(v: unknown, depth = 0): JsonValue | undefined {
  if (v === null || typeof v === "boolean" || typeof v === "string") return v;
  if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
  if (depth > 8) return undefined;
  if (Array.isArray(v)) {
    const out: JsonValue[] = [];
    for (const x of v) {
      const j = asJson(x, depth + 1);
      if (j === undefined) return undefined;
      out.push(j);
    }
    return out;
  }
  if (typeof v === "object") {
    const out: { [k: string]: JsonValue } = {};
    for (const [k, x] of Object.entries(v)) {
      const j = asJson(x, depth + 1);
      if (j === undefined) return undefined;
      out[k] = j;
    }
    return out;
  }
  return undefined;
}

/** [own worker, ...the miner's params from index 1]; null when the miner's submit is not a Stratum v1 submit shape. */
export function agentSubmitParams(worker: string, minerParams: readonly unknown[]): JsonValue[] | null {
  if (minerParams.length < 5 || minerParams.length > 8) return null;
  const rest = minerParams.slice(1).map((p) => asJson(p));
  if (rest.some((p) => p === undefined)) return null;
  if (!rest.slice(0, 4).every((p) => typeof p === "string")) return null;
  return [worker, ...(rest as JsonValue[])];
}

export function classifyReply(reply: RpcReply): SubmitResult {
  const o = submitOutcome(reply.result, reply.error);
  if (o.ok) return { kind: "accepted", latencyMs: reply.latencyMs };
  return { kind: "rejected", latencyMs: reply.latencyMs, code: o.code, message: o.message ?? "rejected" };
}

export class Submitter {
  inflight = 0;
  /** Submits for a job id this connection was never sent (expected for shares from other sessions). */
  foreignJobSubmits = 0;
  /** Share events whose params could not be submitted at all. */
  unusable = 0;

  constructor(private readonly pool: SubmitPort, private readonly stats: AgentStats, private readonly o: SubmitterOptions) {}

  /** Fires `repeat_count` submits (pipelined) and resolves when all have an outcome. */
  async handle(share: ShareContent): Promise<SubmitResult[]> {
    this.stats.shareEvent();
    const params = agentSubmitParams(this.pool.worker, share.stratum.params);
    if (params === null) {
      this.unusable++;
      this.stats.error(`share ${share.event_id}: params are not a mining.submit [worker, job_id, extranonce2, ntime, nonce, ...]`);
      return [];
    }
    const jobId = params[1] as string;
    const n = clampRepeat(share.repeat_count);
    const runs: Promise<SubmitResult>[] = [];
    for (let i = 0; i < n; i++) {
      if (this.pool.isReady && !this.pool.knowsJob(jobId)) this.foreignJobSubmits++;
      runs.push(this.one(params));
    }
    return Promise.all(runs);
  }

  /**
   * The stale-job check's probe: a share for the job before the pool's clean_jobs, with zero extranonce2 and nonce
   * (docs/nostr.md). Counted as a check, not in the share-event stats.
   */
  async staleProbe(stale: { jobId: string; ntime: string }): Promise<SubmitResult> {
    const en2 = "00".repeat(Math.max(0, Math.min(16, this.pool.extranonce2Size ?? 4)));
    if (!this.pool.isReady) return { kind: "not_connected" };
    const start = performance.now();
    try {
      return classifyReply(await this.pool.submit([this.pool.worker, stale.jobId, en2, stale.ntime, "00000000"], this.o.timeoutMs));
    } catch (err) {
      if (err instanceof RpcTimeoutError) return { kind: "timeout", latencyMs: performance.now() - start };
      return { kind: "not_connected" };
    }
  }

  private async one(params: JsonValue[]): Promise<SubmitResult> {
    const result = await this.outcome(params);
    this.stats.record(result);
    if (result.kind === "not_connected") this.stats.error("submit skipped: not connected to the pool");
    if (result.kind === "dropped") this.stats.error(`submit dropped: ${this.o.maxInflight} already in flight`);
    return result;
  }

  private async outcome(params: JsonValue[]): Promise<SubmitResult> {
    if (!this.pool.isReady) return { kind: "not_connected" };
    if (this.inflight >= this.o.maxInflight) return { kind: "dropped" };
    this.inflight++;
    this.stats.attempt();
    const start = performance.now();
    try {
      return classifyReply(await this.pool.submit(params, this.o.timeoutMs));
    } catch (err) {
      if (err instanceof RpcTimeoutError) return { kind: "timeout", latencyMs: performance.now() - start };
      if (err instanceof ClientClosedError) return { kind: "not_connected" };
      this.o.log?.(`submit failed: ${String(err)}`);
      return { kind: "not_connected" };
    } finally {
      this.inflight--;
    }
  }
}
