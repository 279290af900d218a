import { expect, test } from "bun:test";
import { CaptureStore } from "../../src/capture/store";
import { logUpstreamFailures } from "../../src/proxy/upstream-log";
import { until } from "../helpers/net";

const upstream = { host: "pool.example.com", port: 3333, tls: false };

test("failed pool connections: the first is logged at once with its reason, the rest counted into one line per interval", async () => {
  const store = new CaptureStore({ maxMessages: 100, maxPerSession: 10, maxSessions: 100 });
  const lines: string[] = [];
  const stop = logUpstreamFailures(store.events, (l) => lines.push(l), 300);
  const fail = (id: string, detail: string) => {
    store.openSession({ id, miner_addr: `m-${id}`, upstream });
    store.closeSession(id, "upstream_failed", detail, "failed");
  };
  fail("a", "cannot connect to pool.example.com:3333: ECONNREFUSED");
  expect(lines).toEqual(["proxy: a miner's connection to the pool failed: cannot connect to pool.example.com:3333: ECONNREFUSED"]);
  for (let i = 0; i < 5; i++) fail(`b${i}`, `no connection to pool.example.com:3333 within 10000 ms`);
  store.openSession({ id: "ok", miner_addr: "m-ok", upstream });
  store.closeSession("ok", "miner_closed", null); // not a pool failure: not counted
  expect(lines).toHaveLength(1);
  await until(() => lines.length === 2, 2000, "the summary line");
  expect(lines[1]).toBe("proxy: 5 more miner connection(s) failed to reach the pool since the last line; last: no connection to pool.example.com:3333 within 10000 ms");
  stop();
  expect(lines).toHaveLength(2);
});
