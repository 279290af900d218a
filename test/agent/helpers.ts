import { generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { until } from "../helpers/net";
import { startAgent, type AgentHandle, type AgentOptions } from "../../agent/agent.ts";
import { loadAgentConfig } from "../../agent/config.ts";
import { buildShareEvent, parseTelemetry, runFilter, type ShareContent, type TelemetryContent } from "../../src/nostr/events.ts";
import { loadKeys } from "../../src/nostr/keys.ts";
import { RelayPool } from "../../src/nostr/relay-pool.ts";
import { startRelay, type RelayHandle } from "../../src/relay/server.ts";
import { startSimPool, type SimPool, type SimPoolOptions } from "../../src/sim/pool.ts";

/** Loopback fixture: a validating sim pool, an in-process relay, a "MITM" key that publishes shares, one agent. */

export const RUN = "run-agent-test";

export type Rig = {
  pool: SimPool;
  relay: RelayHandle;
  mitm: { sk: Uint8Array; pk: string; out: RelayPool };
  agent: AgentHandle;
  /** Telemetry received over the relay, oldest first. */
  telemetry: TelemetryContent[];
  watcher: RelayPool;
  publishShare(content: ShareContent): string;
  stop(): Promise<void>;
};

/** `until` with this suite's own default bound of 4000 ms. */
export const waitFor = (check: () => boolean, ms = 4000, what = "condition"): Promise<void> => until(check, ms, what);

let seq = 0;
export function share(params: unknown[], repeat = 1, runId = RUN): ShareContent {
  seq++;
  return {
    schema: "hashscope.v1",
    run_id: runId,
    event_id: crypto.randomUUID(),
    seq,
    ts: new Date().toISOString(),
    pool: { host: "127.0.0.1", port: 3333 },
    stratum: { method: "mining.submit", id: 7777, params },
    repeat_count: repeat,
    context: { session_id: "s-1", miner_peer: "127.0.0.1:5000", worker: "miner.rig1", extranonce1: "00000001", extranonce2_size: 4, difficulty: 1, version_mask: null, job: null },
  };
}

export async function startRig(o: { sim?: SimPoolOptions; env?: Record<string, string>; agent?: AgentOptions; withAuthor?: boolean } = {}): Promise<Rig> {
  const pool = await startSimPool(o.sim ?? {});
  const relay = startRelay({ port: 0 });
  const sk = generateSecretKey();
  const pk = getPublicKey(sk);
  const out = new RelayPool({ urls: [relay.url], keepaliveMs: 0 });
  const config = loadAgentConfig({
    POOL_HOST: `127.0.0.1:${pool.port}`,
    RUN_ID: RUN,
    NOSTR_RELAY_URL: relay.url,
    AGENT_ID: "test-agent",
    AGENT_REGION: "lab",
    TELEMETRY_INTERVAL_SEC: "0.2",
    SUBMIT_TIMEOUT_MS: "3000",
    ...(o.withAuthor === false ? {} : { NOSTR_MITM_PUBKEY: pk }),
    ...o.env,
  });
  const agent = startAgent(config, loadKeys(undefined), { poolInitialBackoffMs: 100, relayInitialBackoffMs: 100, ...o.agent });
  const telemetry: TelemetryContent[] = [];
  const watcher = new RelayPool({ urls: [relay.url], keepaliveMs: 0 });
  const expect = { kind: config.kindTelemetry, runId: RUN, authors: [agent.keys.pk] };
  watcher.subscribe({ filter: runFilter(expect), parse: (e) => parseTelemetry(e, expect), onEvent: (t) => telemetry.push(t) });
  await waitFor(() => agent.pool.isReady && agent.relay.counters().connected === 1 && out.counters().connected === 1, 4000, "agent ready");
  return {
    pool,
    relay,
    mitm: { sk, pk, out },
    agent,
    telemetry,
    watcher,
    publishShare(content) {
      const e = buildShareEvent(content, sk);
      out.publish(e);
      return e.id;
    },
    async stop() {
      await agent.stop(500);
      watcher.close();
      out.close();
      await relay.stop();
      await pool.stop();
    },
  };
}
