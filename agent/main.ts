/** `bun run agent`: one HashScope agent (README.md#agents). Bad config → one line naming the variable, exit 2. */
import { loadOrExit } from "../src/env.ts";
import { loadKeys, logPublicKey } from "../src/nostr/keys.ts";
import { exitOnSignals } from "../src/shutdown.ts";
import { startAgent } from "./agent.ts";
import { loadAgentConfig } from "./config.ts";

const config = loadOrExit(() => loadAgentConfig(process.env));
const keys = loadOrExit(() => loadKeys(config.sk ?? undefined));
logPublicKey(keys, `agent ${config.agentId}`);
const agent = startAgent(config, keys, { log: (line) => console.log(line) });

exitOnSignals(async (signal) => {
  console.log(`agent: ${signal}, sending a last telemetry event`);
  const last = await agent.stop();
  console.log(`agent: stopped (last telemetry ${last ? "published" : "not published"})`);
});
