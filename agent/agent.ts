/**
 * One HashScope agent: a pool connection of its own, a Nostr subscription for the run's share events
 * (verified: signature, kind, run, optional MITM author; de-duplicated by the relay pool), a submitter
 * and periodic telemetry. Nothing here exits the process; main.ts does.
 */
import { RelayPool } from "../src/nostr/relay-pool.ts";
import { parseShare, runFilter, type Expect, type ParseResult, type ShareContent, type TelemetryContent } from "../src/nostr/events.ts";
import type { NostrKeys } from "../src/nostr/keys.ts";
import type { AgentConfig } from "./config.ts";
import { AgentPoolClient, agentWorkerName } from "./pool-client.ts";
import { BehaviourChecks } from "./checks.ts";
import { AgentStats } from "./stats.ts";
import { Submitter } from "./submitter.ts";
import { TelemetryTimer, telemetryContent } from "./telemetry.ts";

export type AgentOptions = {
  log?: (line: string) => void;
  /** Pool reconnect backoff (tests use short ones). */
  poolInitialBackoffMs?: number;
  poolMaxBackoffMs?: number;
  /** Relay reconnect backoff. */
  relayInitialBackoffMs?: number;
  /** Also accept share events this many seconds older than the start (default 0: only new ones). */
  lookbackSec?: number;
  /** Every line on the pool connection. */
  onPoolLine?: (line: string, direction: "in" | "out") => void;
};

export type AgentHandle = {
  readonly config: AgentConfig;
  readonly keys: NostrKeys;
  readonly worker: string;
  readonly stats: AgentStats;
  readonly pool: AgentPoolClient;
  readonly relay: RelayPool;
  readonly submitter: Submitter;
  /** The telemetry content as it would be published now. */
  telemetry(): TelemetryContent;
  /** Publishes a telemetry event now (outside the timer); null when skipped (the last one is under a second old). */
  publishTelemetry(): TelemetryContent | null;
  /** Stops taking shares, sends a last telemetry, waits up to `flushMs` for relays to acknowledge it, closes. */
  stop(flushMs?: number): Promise<TelemetryContent | null>;
};

/** Parse with the share event checks (docs/nostr.md#filters) and count what is refused (the relay pool only counts, per pool). */
export function shareParser(expect: Expect, stats: AgentStats): (raw: unknown) => ParseResult<ShareContent> {
  return (raw) => {
    const r = parseShare(raw, expect);
    if (!r.ok) stats.ignoredEvent(r.reason);
    return r;
  };
}

export function startAgent(config: AgentConfig, keys: NostrKeys, opts: AgentOptions = {}): AgentHandle {
  const log = opts.log ?? (() => {});
  const stats = new AgentStats();
  const checks = new BehaviourChecks();
  // Called by the pool client only once it is connected, i.e. after `submitter` below exists.
  const probeStale = (stale: { jobId: string; ntime: string }): void => void submitter.staleProbe(stale).then((r) => checks.stale(r));
  const worker = agentWorkerName(config.workerBase);
  const pool = new AgentPoolClient({
    pool: config.pool,
    worker,
    password: config.workerPassword,
    requestTimeoutMs: config.submitTimeoutMs,
    maxPending: config.maxInflight + 16,
    ...(opts.poolInitialBackoffMs !== undefined ? { initialBackoffMs: opts.poolInitialBackoffMs } : {}),
    ...(opts.poolMaxBackoffMs !== undefined ? { maxBackoffMs: opts.poolMaxBackoffMs } : {}),
    log,
    onError: (text) => stats.error(`pool: ${text}`),
    onState: (s) => log(`pool: state ${s}`),
    ...(opts.onPoolLine ? { onLine: opts.onPoolLine } : {}),
    ...(config.staleCheck ? { onNewBlock: probeStale } : {}),
  });
  const submitter = new Submitter(pool, stats, { maxInflight: config.maxInflight, timeoutMs: config.submitTimeoutMs, log });
  const relay = new RelayPool({
    urls: config.relayUrls,
    log,
    ...(opts.relayInitialBackoffMs !== undefined ? { initialBackoffMs: opts.relayInitialBackoffMs } : {}),
    onStatus: (url, up) => {
      log(`nostr: ${url} ${up ? "connected" : "disconnected"}`);
      if (!up) stats.error(`nostr: ${url} disconnected`);
    },
  });
  const expect: Expect = { kind: config.kindShare, runId: config.runId, authors: config.mitmPubkey ? [config.mitmPubkey] : undefined };
  const since = Math.floor(Date.now() / 1000) - (opts.lookbackSec ?? 0);
  let taking = true;
  const sub = relay.subscribe({
    filter: runFilter(expect, since, keys.pk),
    parse: shareParser(expect, stats),
    onEvent: (share) => {
      if (!taking) return;
      const sameEn1 = share.context.extranonce1 !== null && share.context.extranonce1 === pool.extranonce1;
      void submitter.handle(share).then((results) => checks.shareEvent(results, sameEn1));
    },
  });

  const current = (): TelemetryContent =>
    telemetryContent({
      runId: config.runId,
      agentId: config.agentId,
      region: config.region,
      target: pool.target,
      connState: pool.state,
      stats: stats.snapshot(),
      jobs: pool.jobs,
      errors: stats.errors,
      recentJobs: pool.recentJobs,
      timings: pool.timings.snapshot(),
      checks: checks.snapshot(),
      difficulty: pool.difficulty,
    });
  const timer = new TelemetryTimer(relay, current, keys.sk, config.kindTelemetry, config.telemetryIntervalMs, log);
  pool.start();
  timer.start();
  log(`agent ${config.agentId} (run ${config.runId}, region ${config.region ?? "none"}) → pool ${config.pool.host}:${config.pool.port} as ${worker}`);

  let stopping: Promise<TelemetryContent | null> | null = null;
  return {
    config,
    keys,
    worker,
    stats,
    pool,
    relay,
    submitter,
    telemetry: current,
    publishTelemetry: () => timer.publishNow(true),
    stop(flushMs = 3000) {
      stopping ??= (async () => {
        taking = false;
        sub.close();
        timer.stop();
        const last = timer.publishNow(true);
        await relay.settled(flushMs);
        pool.stop();
        relay.close();
        return last;
      })();
      return stopping;
    },
  };
}
