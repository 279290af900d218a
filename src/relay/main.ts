import { z } from "zod";
import { loadOrExit, parseEnv, port } from "../env.ts";
import { startRelay } from "./server.ts";
import { exitOnSignals } from "../shutdown.ts";

/** `bun run relay`: a local NIP-01 relay. Prints exactly one line with the real URL (tests read the port from it). */

const RelayEnv = z.object({
  RELAY_HOST: z.string().default("127.0.0.1"),
  RELAY_PORT: port.default(7447),
});

const env = loadOrExit(() => parseEnv(RelayEnv, process.env));
const relay = (() => {
  try {
    return startRelay({ hostname: env.RELAY_HOST, port: env.RELAY_PORT, log: (l) => console.error(l) });
  } catch (err) {
    console.error(`relay: cannot listen on ${env.RELAY_HOST}:${env.RELAY_PORT}: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
})();
console.log(`relay listening on ${relay.url}`);

exitOnSignals(() => relay.stop());
