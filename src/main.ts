import { loadServerConfig } from "./config";
import { loadOrExit } from "./env";
import { startHashScope } from "./server";

const config = loadOrExit(() => loadServerConfig());
const hs = await startHashScope(config);
const up = config.upstream;
console.log(
  `HashScope: miners → ${config.listen.host}:${hs.proxyPort} → ${up.tls ? "stratum+ssl" : "stratum+tcp"}://${up.host}:${up.port}; ` +
    `UI and API on http://${config.api.host}:${hs.apiPort}/`,
);
for (const sig of ["SIGINT", "SIGTERM"] as const)
  process.on(sig, () => {
    void hs.stop().finally(() => process.exit(0));
  });
