import { afterAll, beforeAll, expect, test } from "bun:test";
import { startRelay, type RelayHandle } from "../../src/relay/server";
import type { HashScope } from "../../src/server";
import { startSimMiner, type SimMiner } from "../../src/sim/miner";
import { startSimPool, type SimPool } from "../../src/sim/pool";
import { startTestHashScope } from "../helpers/hashscope";
import { until } from "../helpers/net";

/**
 * HashScope's own miners' new blocks reach the fleet page's stream without any agent: the block board's changes are
 * followed as well as the fleet's updates. Real sockets: sim pool, sim miner, relay, HashScope's HTTP stream.
 */

let pool: SimPool;
let relay: RelayHandle;
let hs: HashScope;
let miner: SimMiner;
beforeAll(async () => {
  pool = await startSimPool({ difficulty: 2 ** 20, jobIntervalMs: 0 });
  relay = startRelay({ hostname: "127.0.0.1", port: 0 });
  hs = await startTestHashScope(pool.port, { NOSTR_ENABLED: "true", NOSTR_RELAY_URL: relay.url, RUN_ID: "blocks-stream" });
  miner = startSimMiner({ host: "127.0.0.1", port: hs.proxyPort, worker: "solo.rig", maxHashesPerSecond: 1, batchSize: 1, maxSeconds: 20 });
  await miner.ready;
});
afterAll(async () => {
  await miner?.stop();
  await hs?.stop();
  await relay?.stop();
  await pool?.stop();
});

test("a new block on the miners' pool is sent as a fleet-blocks event with no agent reporting", async () => {
  const ctl = new AbortController();
  const res = await fetch(`http://127.0.0.1:${hs.apiPort}/ui/stream/agents`, { signal: ctl.signal });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let text = "";
  const readUntil = async (ok: () => boolean, ms: number, what: string) => {
    const end = performance.now() + ms;
    while (!ok()) {
      if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
      const timer = setTimeout(() => ctl.abort(), Math.max(1, end - performance.now()));
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      clearTimeout(timer);
      if (done) throw new Error(`stream ended before ${what}`);
      text += dec.decode(value, { stream: true });
    }
  };
  await readUntil(() => text.includes("event: fleet-blocks"), 5000, "the snapshot");
  const before = text.length;
  const height = pool.newJob(true).height.toLocaleString("en-US");
  await until(() => hs.nostr!.blocks.list().some((b) => b.height !== null && b.height.toLocaleString("en-US") === height), 5000, "the board has the block");
  await readUntil(() => text.slice(before).includes("event: fleet-blocks") && text.slice(before).includes(`<td>${height}</td>`), 5000, "the new block's row");
  expect(hs.fleet!.list()).toHaveLength(0);
  ctl.abort();
});
