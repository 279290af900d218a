import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { buildShareEvent, parseShare, runFilter, type Expect, type Filter } from "../../src/nostr/events.ts";
import { RelayPool } from "../../src/nostr/relay-pool.ts";
import { RawClient, shareContent, spawnRelay, waitFor, type RelayProcess } from "./helpers.ts";

/**
 * The failure, reproduced on @nostr-relay/core (it caches a query's answer by filter for 1 s): subscriber A asks,
 * an event is stored, subscriber B asks with the identical filter within the second and gets A's cached answer without it.
 * Either of the relay pool's two defences fixes it: a filter unique per subscriber, or the catch-up query after EOSE.
 */

const sk = generateSecretKey();
let relay: RelayProcess;
let publisher: RawClient;
const pools: RelayPool[] = [];
beforeAll(async () => {
  relay = await spawnRelay(0, "nostr-relay-core");
  publisher = await RawClient.open(relay.url);
});
afterAll(async () => {
  for (const p of pools) p.close();
  publisher?.close();
  await relay?.stop();
});

/**
 * A asks (its answer is cached), the event is stored, then B asks with `filterB`: what B has after `waitMs`. B's socket is
 * open before the event is published, so B's REQ follows A's by one publish round trip (well inside the 1 s cache).
 */
async function scenario(run: string, filterA: Filter, filterB: Filter, requeryAfterEoseMs: number, waitMs: number): Promise<string[]> {
  const expect_: Expect = { kind: 30080, runId: run, authors: [getPublicKey(sk)] };
  // Both sockets open first, so between A's query and B's only the publish round trip passes.
  const pb = new RelayPool({ urls: [relay.url], keepaliveMs: 0, requeryAfterEoseMs });
  pools.push(pb);
  await waitFor(() => pb.counters().connected === 1, 3000, "B connected");
  const a = await RawClient.open(relay.url);
  expect(await a.req("a", filterA)).toEqual([]);
  a.close();
  const e = buildShareEvent(shareContent("e1", 1, run), sk);
  publisher.send(["EVENT", e]);
  await publisher.next((f) => f[0] === "OK" && f[1] === e.id);
  const b: string[] = [];
  pb.subscribe({ filter: filterB, parse: (ev) => parseShare(ev, expect_), onEvent: (c) => b.push(c.event_id) });
  await Bun.sleep(waitMs);
  return b;
}

describe("a relay that caches answers by filter", () => {
  const since = Math.floor(Date.now() / 1000) - 5;
  test("identical filters and no catch-up: B misses the event (the relay's behaviour, reproduced)", async () => {
    const f = runFilter({ kind: 30080, runId: "cache-1", authors: [getPublicKey(sk)] }, since);
    expect(await scenario("cache-1", f, f, 0, 600)).toEqual([]);
  });

  test("a filter unique per subscriber: B gets it from its own stored query", async () => {
    const base = { kind: 30080, runId: "cache-2", authors: [getPublicKey(sk)] };
    expect(await scenario("cache-2", runFilter(base, since, "a"), runFilter(base, since, "b"), 0, 600)).toEqual(["e1"]);
  });

  test("identical filters, with the catch-up query after EOSE: B gets it once the cache has expired", async () => {
    const f = runFilter({ kind: 30080, runId: "cache-3", authors: [getPublicKey(sk)] }, since);
    expect(await scenario("cache-3", f, f, 1500, 2500)).toEqual(["e1"]);
  });
});
