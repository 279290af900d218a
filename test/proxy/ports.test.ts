import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { TCPSocketListener } from "bun";
import { ConfigError } from "../../src/env";
import { startTestHashScope } from "../helpers/hashscope";
import { startByteServer, type ByteServer } from "../helpers/net";
import { spawnHashScope } from "../helpers/procs";

describe("a port in use", () => {
  let taken: TCPSocketListener<undefined>;
  let pool: ByteServer;
  beforeAll(() => {
    taken = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    pool = startByteServer();
  });
  afterAll(() => {
    taken.stop(true);
    pool.stop();
  });

  for (const variable of ["LISTEN_PORT", "API_PORT"] as const) {
    test(`${variable}: one line naming the variable, exit code 2`, async () => {
      const child = spawnHashScope(variable, { POOL_HOST: `127.0.0.1:${pool.port}`, DATABASE_URL: "sqlite::memory:", [variable]: String(taken.port) });
      const code = await Promise.race([child.proc.exited, Bun.sleep(15_000).then(() => -1)]);
      if (code === -1) await child.stop();
      expect(code).toBe(2);
      const lines = child.output().trim().split("\n");
      expect(lines).toEqual([
        `config error: ${variable}: 127.0.0.1:${taken.port} is in use by another program (EADDRINUSE); choose another ${variable}`,
      ]);
    });
  }

  test("in process, the error is a ConfigError and what was started is released (the proxy port is free again)", async () => {
    const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const free = probe.port;
    probe.stop(true);
    let err: unknown;
    await startTestHashScope(pool.port, { LISTEN_PORT: String(free), API_PORT: String(taken.port) }).catch((e) => (err = e));
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe("API_PORT");
    await Bun.sleep(50); // the relay's listener is stopped by the failed start
    const again = Bun.listen({ hostname: "127.0.0.1", port: free, socket: { data() {} } });
    expect(again.port).toBe(free);
    again.stop(true);
  });
});
