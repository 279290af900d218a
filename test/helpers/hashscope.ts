import { loadServerConfig } from "../../src/config";
import { startHashScope, type HashScope } from "../../src/server";

/** Start a HashScope on loopback with ephemeral ports in front of `poolPort`. */
export async function startTestHashScope(poolPort: number, env: Record<string, string> = {}): Promise<HashScope> {
  const config = loadServerConfig({
    POOL_HOST: `127.0.0.1:${poolPort}`,
    LISTEN_HOST: "127.0.0.1",
    LISTEN_PORT: "0",
    API_HOST: "127.0.0.1",
    API_PORT: "0",
    DATABASE_URL: "sqlite::memory:",
    ...env,
  });
  return startHashScope(config);
}
