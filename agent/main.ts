/** `bun run agent`: one HashScope agent (SPEC §1). Bad config → one line naming the variable, exit 2. */
import { loadOrExit } from "../src/env.ts";
import { loadKeys, logPublicKey } from "../src/nostr/keys.ts";
import { startAgent } from "./agent.ts";
import { loadAgentConfig } from "./config.ts";

const config = loadOrExit(() => loadAgentConfig(process.env));
const keys = loadOrExit(() => loadKeys(config.sk ?? undefined));
logPublicKey(keys, `agent ${config.agentId}`);
const agent = startAgent(config, keys, { log: (line) => console.log(line) });

let exiting = false;
const shutdown = (signal: string): void => {
  if (exiting) return;
  exiting = true;
  console.log(`agent: ${signal}, sending a last telemetry event`);
  agent
    .stop()
    .then((last) => {
      console.log(`agent: stopped (last telemetry ${last ? "published" : "not published"})`);
      process.exit(0);
    })
    .catch((err: unknown) => {
      console.error(`agent: stop failed: ${String(err)}`);
      process.exit(1);
    });
};
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
