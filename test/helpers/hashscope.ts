import { loadServerConfig } from "../../src/config";
import { startHashScope, type HashScope } from "../../src/server";

/**
 * Start a HashScope on loopback with ephemeral ports in front of `poolPort`. Loopback needs no token (SECURITY.md);
 * pass API_TOKEN (or API_AUTH=token) in `env` to test the closed API.
 */
export async function startTestHashScope(poolPort: number, env: Record<string, string> = {}): Promise<HashScope> {
  const config = loadServerConfig({
    POOL_HOST: `127.0.0.1:${poolPort}`,
    LISTEN_HOST: "127.0.0.1",
    LISTEN_PORT: "0",
    API_HOST: "127.0.0.1",
    API_PORT: "0",
    DATABASE_URL: "sqlite::memory:",
    // In process, RSS is the whole test runner's (many HashScopes, browsers' pipes, fuzz data), not this HashScope's:
    // the memory guard would shed capture under tests that have nothing to do with it. Its own tests set it.
    MAX_MEMORY_MB: "65536",
    ...env,
  });
  return startHashScope(config);
}
