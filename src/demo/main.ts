/**
 * `bun run demo`: a simulated pool (real share validation), a local Nostr relay, HashScope in front of the pool with
 * Nostr on, two agents ("demo-a", "demo-b") and a few simulated miners with the odd bad share, all on loopback and in
 * this one process. Broadcast is on for the first miner, so the fleet page fills at once. Open the printed URL.
 *
 * Parts start in order and stop in reverse.
 */
import { loadServerConfig } from "../config";
import { loadOrExit } from "../env";
import { startHashScope, type HashScope } from "../server";
import { exitOnSignals } from "../shutdown";
import { startRelay as startNostrRelay } from "../nostr/relay-server";
import { startSimPool, type SimPool } from "../sim/pool";
import { DEMO_MINERS, startDemoMiners } from "./miners";
import { broadcastWorker, DEMO_REGIONS, startDemoAgents } from "./nostr";

type Part = { name: string; stop(): Promise<void> };

const env = process.env;
const apiPort = env.DEMO_API_PORT ?? "8000";
const proxyPort = env.DEMO_PROXY_PORT ?? "0";
/** Ephemeral by default, so a `bun run relay` already on 7447 is not in the way. */
const relayPort = Number(env.DEMO_RELAY_PORT ?? "0");
const runId = env.RUN_ID ?? "hashscope-demo";
const TELEMETRY_SEC = 2;
const host = "127.0.0.1";
const parts: Part[] = [];

async function stopAll(): Promise<void> {
  for (const p of parts.reverse()) await p.stop().catch((e: unknown) => console.error(`stopping ${p.name}:`, e));
}

try {
  // Low difficulty so throttled miners find a share every second or two without using much CPU.
  const pool: SimPool = await startSimPool({ hostname: host, port: 0, difficulty: 2 ** -16, jobIntervalMs: 15_000 });
  parts.push({ name: "sim pool", stop: () => pool.stop() });

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
    poolPort: pool.port,
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
      `  simulated pool   stratum+tcp://${host}:${pool.port}`,
      `  HashScope proxy  stratum+tcp://${host}:${hs.proxyPort}  (point more miners here)`,
      `  4 simulated miners, a few bad shares on purpose`,
      `  Nostr relay      ${relay.url}  (run id ${config.nostr.runId})`,
      `  2 agents         ${DEMO_REGIONS.join(", ")}, telemetry every ${TELEMETRY_SEC} s; broadcast is on for ${broadcastOf}`,
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
