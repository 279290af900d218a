/**
 * `bun run demo`: a simulated pool (real share validation), HashScope in front of it, and a few simulated miners
 * with the odd bad share, all on loopback. Open the printed URL to watch live traffic with no pool of your own.
 *
 * Parts start in order and stop in reverse. More parts (a Nostr relay, agents) slot into `parts` below.
 */
import { loadServerConfig } from "../config";
import { loadOrExit } from "../env";
import { startHashScope, type HashScope } from "../server";
import { startSimPool, type SimPool } from "../sim/pool";
import { startDemoMiners } from "./miners";

type Part = { name: string; stop(): Promise<void> };

const env = process.env;
const apiPort = env.DEMO_API_PORT ?? "8000";
const proxyPort = env.DEMO_PROXY_PORT ?? "0";
const host = "127.0.0.1";
const parts: Part[] = [];

async function stopAll(): Promise<void> {
  for (const p of parts.reverse()) await p.stop().catch((e: unknown) => console.error(`stopping ${p.name}:`, e));
}

try {
  // Low difficulty so throttled miners find a share every second or two without using much CPU.
  const pool: SimPool = await startSimPool({ hostname: host, port: 0, difficulty: 2 ** -16, jobIntervalMs: 15_000 });
  parts.push({ name: "sim pool", stop: () => pool.stop() });

  const config = loadOrExit(() =>
    loadServerConfig({
      ...env,
      POOL_HOST: `${host}:${pool.port}`,
      LISTEN_HOST: host,
      LISTEN_PORT: proxyPort,
      API_HOST: host,
      API_PORT: apiPort,
      DATABASE_URL: env.DATABASE_URL ?? "sqlite::memory:",
    }),
  );
  const hs: HashScope = await startHashScope(config);
  parts.push({ name: "HashScope", stop: () => hs.stop() });

  // Future parts (Nostr relay, agents) go here, before the miners so they see every share.

  const fleet = startDemoMiners(host, hs.proxyPort);
  parts.push({ name: "sim miners", stop: () => fleet.stop() });

  console.log(
    [
      "HashScope demo is running:",
      `  simulated pool   stratum+tcp://${host}:${pool.port}`,
      `  HashScope proxy  stratum+tcp://${host}:${hs.proxyPort}  (point more miners here)`,
      `  4 simulated miners, a few bad shares on purpose`,
      "",
      `  Open http://${host}:${hs.apiPort}/   (Ctrl-C to stop)`,
    ].join("\n"),
  );
} catch (e) {
  console.error("demo failed to start:", e instanceof Error ? e.message : e);
  await stopAll();
  process.exit(1);
}

for (const sig of ["SIGINT", "SIGTERM"] as const)
  process.on(sig, () => {
    void stopAll().finally(() => process.exit(0));
  });
