import type { CapturePipeline } from "../capture/ingest";
import type { CaptureStore } from "../capture/store";
import type { ServerConfig } from "../config";
import { parseTelemetry, runFilter, type Expect } from "../nostr/events";
import { loadKeys, publicKeyLine, type NostrKeys } from "../nostr/keys";
import { RelayPool, type PoolCounters, type PoolOptions, type PoolSubscription, type RelayStatus } from "../nostr/relay-pool";
import { BlockBoard } from "./blocks";
import { feedOwnJobs } from "./block-feed";
import { FleetRegistry, type FleetCounters } from "./fleet";
import { SharePublisher, type ShareCounters } from "./shares";

/** The MITM's Nostr side: one relay pool, share publishing out, telemetry in (fleet). Started only when enabled. */

export type NostrStatus = {
  enabled: true;
  run_id: string;
  public_key: string;
  kinds: { share: number; telemetry: number };
  relays: RelayStatus[];
  pool: PoolCounters;
  shares: ShareCounters;
  telemetry: FleetCounters;
};

export type MitmNostr = {
  keys: NostrKeys;
  /** The line to log about the key (public key only). */
  publicKeyLine: string;
  pool: RelayPool;
  shares: SharePublisher;
  fleet: FleetRegistry;
  /** Block propagation: HashScope's own miners' jobs and the agents' reported jobs, per block. */
  blocks: BlockBoard;
  status(): NostrStatus;
  /** Publishes what is queued, waits briefly for relays to acknowledge, then closes. */
  stop(settleMs?: number): Promise<void>;
};

export function startMitmNostr(
  config: ServerConfig,
  store: CaptureStore,
  capture: CapturePipeline,
  poolOptions: Partial<PoolOptions> = {},
): MitmNostr {
  const n = config.nostr;
  const keys = loadKeys(n.sk ?? undefined);
  const pool = new RelayPool({ ...poolOptions, urls: n.relayUrls, log: poolOptions.log ?? ((l) => console.log(l)) });
  const shares = new SharePublisher({ store, capture, publisher: pool, sk: keys.sk, runId: n.runId, kind: n.kindShare });
  const fleet = new FleetRegistry({ intervalSec: n.telemetryIntervalSec });
  const blocks = new BlockBoard();
  const stopOwnJobs = feedOwnJobs(store, blocks);
  const expect: Expect = { kind: n.kindTelemetry, runId: n.runId, authors: n.agentPubkeys ?? undefined };
  // Reports older than the offline window say nothing about now; the relay keeps each agent's latest anyway.
  const since = Math.floor(Date.now() / 1000 - 3 * n.telemetryIntervalSec);
  const sub: PoolSubscription = pool.subscribe({
    filter: runFilter(expect, since, keys.pk),
    parse: (e) => {
      const r = parseTelemetry(e, expect);
      if (!r.ok) fleet.reject(r.reason);
      return r;
    },
    onEvent: (content, event) => {
      const now = Date.now();
      if (!fleet.ingest(content, event, now)) return;
      const target = `${content.pool_target.host}:${content.pool_target.port}`;
      blocks.agentReport(content.agent_id, content.region, target, content.ts, content.recent_jobs, now);
    },
  });
  shares.start();
  fleet.start();
  return {
    keys,
    publicKeyLine: publicKeyLine(keys, "HashScope nostr"),
    pool,
    shares,
    fleet,
    blocks,
    status: () => ({
      enabled: true,
      run_id: n.runId,
      public_key: keys.pk,
      kinds: { share: n.kindShare, telemetry: n.kindTelemetry },
      relays: pool.status(),
      pool: pool.counters(),
      shares: shares.counters(),
      telemetry: fleet.counters(),
    }),
    async stop(settleMs = 1000) {
      shares.stop();
      fleet.stop();
      stopOwnJobs();
      await pool.settled(settleMs);
      sub.close();
      pool.close();
    },
  };
}
