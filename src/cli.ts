import { loadServerConfig } from "./config";
import { exitOnConfigError, loadOrExit, readableByOthers } from "./env";
import { accessLines } from "./access";
import { startHashScope, type HashScope } from "./server";
import { exitOnSignals, exitWhenRelayDies } from "./shutdown";
import { lowerMainThreadPriority } from "./proxy/thread/priority";

/**
 * `bun run start` (src/main.ts): config from the environment, start, print where, stop on signals, exit 1 when the
 * relay dies. Returns the running HashScope, so a test fixture can run exactly this in a child process.
 */
export async function runMain(): Promise<HashScope> {
  const envWarning = readableByOthers(".env"); // Bun reads .env from the working directory
  if (envWarning) console.error(envWarning);
  const config = loadOrExit(() => loadServerConfig());
  const hs = await startHashScope(config).catch(exitOnConfigError); // e.g. DATABASE_URL in use by another HashScope
  if (config.relayThread) lowerMainThreadPriority(config.mainThreadNice);
  const up = config.upstream;
  console.log(
    `HashScope: miners → ${config.listen.host}:${hs.proxyPort} → ${up.tls ? "stratum+ssl" : "stratum+tcp"}://${up.host}:${up.port}; ` +
      `UI and API on http://${config.api.host}:${hs.apiPort}/`,
  );
  for (const line of accessLines(config.api, config.api.host, hs.apiPort)) (line.startsWith("WARNING") ? console.error : console.log)(line);
  if (hs.nostr) {
    // The public key only; the secret never leaves the process.
    console.log(hs.nostr.publicKeyLine);
    console.log(`nostr: run ${config.nostr.runId}${config.nostr.runIdGenerated ? " (generated; set RUN_ID for agents)" : ""}, relays ${config.nostr.relayUrls.join(", ")}`);
  }
  exitOnSignals(() => hs.stop());
  exitWhenRelayDies(() => hs.relay.failure(), () => hs.stop());
  return hs;
}
