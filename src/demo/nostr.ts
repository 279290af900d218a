import { startAgent, type AgentHandle } from "../../agent/agent";
import { loadAgentConfig } from "../../agent/config";
import { setBroadcast } from "../sessions/switches";
import type { Services } from "../http/services";
import { loadKeys } from "../nostr/keys";

/**
 * The demo's Nostr half: two in-process agents "in two regions" (each reaches its pool through a delaying link, see
 * delay-link.ts) on two different simulated pools, and broadcast switched on for one demo miner.
 */

export type DemoAgentSpec = { region: string; poolPort: number; label: string };

export type DemoAgentsOptions = {
  host: string;
  agents: readonly DemoAgentSpec[];
  relayUrl: string;
  runId: string;
  /** HashScope's public key: the agents take share events from it only. */
  mitmPubkey: string;
  telemetrySec: number;
};

export type DemoAgents = { readonly agents: readonly AgentHandle[]; stop(): Promise<void> };

export function startDemoAgents(o: DemoAgentsOptions): DemoAgents {
  const agents = o.agents.map((a) =>
    startAgent(
      loadAgentConfig({
        POOL_HOST: `${o.host}:${a.poolPort}`,
        WORKER_NAME: "demo",
        RUN_ID: o.runId,
        NOSTR_RELAY_URL: o.relayUrl,
        NOSTR_MITM_PUBKEY: o.mitmPubkey,
        AGENT_ID: `agent-${a.region}`,
        AGENT_REGION: a.region,
        TELEMETRY_INTERVAL_SEC: String(o.telemetrySec),
      }),
      loadKeys(undefined),
    ),
  );
  return {
    agents,
    async stop() {
      await Promise.allSettled(agents.map((a) => a.stop(1000)));
    },
  };
}

/**
 * Broadcast on for every live session of `worker` (the demo restarts a miner after a Disconnect, with a new session),
 * so the fleet page has shares to show at once. Returns the unsubscribe.
 */
export function broadcastWorker(svc: Services, worker: string, repeatCount = 1): () => void {
  const done = new Set<string>();
  const check = () => {
    for (const s of svc.store.listSessions("live")) {
      if (done.has(s.id) || !s.workers.includes(worker)) continue;
      done.add(s.id);
      setBroadcast(svc, s.id, { enabled: true, repeat_count: repeatCount });
    }
  };
  // Session events fire inside the store's publish; switch outside it.
  const off = svc.store.events.on((e) => {
    if (e.type === "session" && e.change.kind === "learned" && !done.has(e.session.id) && e.session.workers.includes(worker)) queueMicrotask(check);
  });
  check();
  return off;
}
