import { loadServerConfig } from "./config";
import { exitOnConfigError, loadOrExit, readableByOthers } from "./env";
import { accessLines } from "./access";
import { startHashScope } from "./server";
import { exitOnSignals } from "./shutdown";
import { lowerMainThreadPriority } from "./proxy/thread/priority";

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
