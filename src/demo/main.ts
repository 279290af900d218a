/**
 * `bun run demo`: two simulated pools (real share validation) fed the same simulated chain with different delays, a
 * local Nostr relay, HashScope in front of pool A with Nostr on, two agents "in two regions" (each through a delaying
 * link: ams → pool A, sin → pool B) and a few simulated miners with the odd bad share, all on loopback and in this one
 * process. Broadcast is on for the first miner, so the fleet page fills at once, and the block-propagation table gets
 * a row per simulated block. Open the printed URL.
 *
 * Parts start in order and stop in reverse.
 */
import { loadServerConfig } from "../config";
import { loadOrExit } from "../env";
import { startHashScope, type HashScope } from "../server";
import { exitOnSignals } from "../shutdown";
import { startRelay as startNostrRelay } from "../relay/server";
import { startSimPool, type SimPool } from "../sim/pool";
import { DEMO_MINERS, startDemoMiners } from "./miners";
import { startDemoChain } from "./chain";
import { startDelayLink } from "./delay-link";
import { broadcastWorker, startDemoAgents, type DemoAgentSpec } from "./nostr";

type Part = { name: string; stop(): Promise<void> };

const env = process.env;
const apiPort = env.DEMO_API_PORT ?? "8000";
const proxyPort = env.DEMO_PROXY_PORT ?? "0";
/** Ephemeral by default, so a `bun run relay` already on 7447 is not in the way. */
const relayPort = Number(env.DEMO_RELAY_PORT ?? "0");
const runId = env.RUN_ID ?? "hashscope-demo";
const TELEMETRY_SEC = 2;
const BLOCK_EVERY_MS = Number(env.DEMO_BLOCK_MS ?? "20000");
/** Simulated delays: how late each pool gets a block, and each agent's link to its pool (each way). */
const POOL_B_LAG_MS = 250;
const AGENT_LINKS = [
  { region: "ams", pool: "A", linkMs: 40 },
  { region: "sin", pool: "B", linkMs: 120 },
] as const;
const host = "127.0.0.1";
const parts: Part[] = [];

async function stopAll(): Promise<void> {
  for (const p of parts.reverse()) await p.stop().catch((e: unknown) => console.error(`stopping ${p.name}:`, e));
}

try {
  // Low difficulty so throttled miners find a share every second or two without using much CPU.
  // New blocks come from the shared chain; the pools' own timers only refresh the job within a block.
  const simOpts = { hostname: host, port: 0, difficulty: 2 ** -16, jobIntervalMs: 7_000, cleanEvery: 1_000_000 };
  const pool: SimPool = await startSimPool(simOpts);
  parts.push({ name: "sim pool A", stop: () => pool.stop() });
  const poolB: SimPool = await startSimPool(simOpts);
  parts.push({ name: "sim pool B", stop: () => poolB.stop() });
  const chain = startDemoChain([{ pool, delayMs: 0 }, { pool: poolB, delayMs: POOL_B_LAG_MS }], BLOCK_EVERY_MS);
  parts.push({ name: "sim chain", stop: async () => chain.stop() });
  const specs: DemoAgentSpec[] = AGENT_LINKS.map((a) => {
    const link = startDelayLink({ host, port: (a.pool === "A" ? pool : poolB).port }, a.linkMs);
    parts.push({ name: `link ${a.region}`, stop: async () => link.stop() });
    return { region: a.region, poolPort: link.port, label: `${a.region} → pool ${a.pool} (+${a.linkMs} ms each way)` };
  });

  const relay = startNostrRelay({ hostname: host, port: relayPort });
  parts.push({ name: "nostr relay", stop: () => relay.stop() });

  const config = loadOrExit(() =>
    loadServerConfig({
      ...env,
      POOL_HOST: `${host}:${pool.port}`,
      LISTEN_HOST: host,
      LISTEN_PORT: proxyPort,
      API_HOST: host,
      API_PORT: apiPort,
      DATABASE_URL: env.DATABASE_URL ?? "sqlite::memory:",
      NOSTR_ENABLED: "true",
      NOSTR_RELAY_URL: relay.url,
      RUN_ID: runId,
      TELEMETRY_INTERVAL_SEC: String(TELEMETRY_SEC),
    }),
  );
  const hs: HashScope = await startHashScope(config);
  parts.push({ name: "HashScope", stop: () => hs.stop() });

  // Agents before the miners, so they see every share.
  const agents = startDemoAgents({
    host,
    agents: specs,
    relayUrl: relay.url,
    runId: config.nostr.runId,
    mitmPubkey: hs.nostr!.keys.pk,
    telemetrySec: TELEMETRY_SEC,
  });
  parts.push({ name: "agents", stop: () => agents.stop() });

  const broadcastOf = DEMO_MINERS[0]!.worker;
  const stopBroadcast = broadcastWorker(hs, broadcastOf);
  parts.push({ name: "broadcast", stop: async () => stopBroadcast() });

  const fleet = startDemoMiners(host, hs.proxyPort);
  parts.push({ name: "sim miners", stop: () => fleet.stop() });

  console.log(
    [
      "HashScope demo is running:",
      `  simulated pools  A stratum+tcp://${host}:${pool.port} · B stratum+tcp://${host}:${poolB.port} (blocks ${POOL_B_LAG_MS} ms later), a new block every ${BLOCK_EVERY_MS / 1000} s`,
      `  HashScope proxy  stratum+tcp://${host}:${hs.proxyPort}  (point more miners here)`,
      `  4 simulated miners, a few bad shares on purpose`,
      `  Nostr relay      ${relay.url}  (run id ${config.nostr.runId})`,
      `  2 agents         ${specs.map((s) => s.label).join(", ")}; telemetry every ${TELEMETRY_SEC} s; broadcast is on for ${broadcastOf}`,
      `  ${hs.nostr!.publicKeyLine}`,
      "",
      `  Open http://${host}:${hs.apiPort}/   (fleet: /agents · Ctrl-C to stop)`,
    ].join("\n"),
  );
} catch (e) {
  console.error("demo failed to start:", e instanceof Error ? e.message : e);
  await stopAll();
  process.exit(1);
}

exitOnSignals(stopAll);
