import { afterEach, describe, expect, test } from "bun:test";
import { generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { buildShareEvent, parseShare, parseVerified, runFilter, type ShareContent } from "../../src/nostr/events.ts";
import { RelayPool, type PoolOptions } from "../../src/nostr/relay-pool.ts";
import { startRelay, type RelayHandle } from "../../src/relay/server.ts";
import { freePort, RUN, shareContent, spawnRelay, waitFor, type RelayProcess } from "./helpers.ts";

const sk = generateSecretKey();
const pk = getPublicKey(sk);
const expectShare = { kind: 30080, runId: RUN, authors: [pk] };
const fast: Omit<PoolOptions, "urls"> = { initialBackoffMs: 50, maxBackoffMs: 300, connectTimeoutMs: 2000 };

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function pool(urls: string[]): RelayPool {
  const p = new RelayPool({ urls, ...fast });
  cleanups.push(() => p.close());
  return p;
}

function collectShares(p: RelayPool): ShareContent[] {
  const got: ShareContent[] = [];
  p.subscribe({ filter: runFilter(expectShare), parse: (e) => parseShare(e, expectShare), onEvent: (c) => got.push(c) });
  return got;
}

const seqs = (got: ShareContent[]): number[] => got.map((c) => c.seq).sort((a, b) => a - b);
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("relay pool", () => {
  test("events published while the relay is down (first connect failing) are delivered once it starts", async () => {
    const port = freePort();
    const url = `ws://127.0.0.1:${port}`;
    const logged: string[] = [];
    const pub = new RelayPool({ urls: [url], ...fast, log: (l) => logged.push(l) });
    cleanups.push(() => pub.close());
    for (let i = 1; i <= 3; i++) pub.publish(buildShareEvent(shareContent(`down-${i}`, i), sk));
    expect(pub.counters()).toMatchObject({ published: 3, queued: 3, connected: 0, sent: 0 });
    await waitFor(() => (pub.status()[0]?.attempt ?? 0) >= 3, 3000, "three failed connects");
    // The unreachable relay is said once, not once per attempt.
    expect(logged.filter((l) => l.startsWith(`nostr: cannot reach ${url}:`))).toHaveLength(1);

    const relay: RelayHandle = startRelay({ hostname: "127.0.0.1", port });
    cleanups.push(() => relay.stop());
    expect(await pub.settled(5000)).toBe(true);
    expect(pub.counters()).toMatchObject({ connected: 1, queued: 0, dropped: 0, acked: 3 });

    const sub = pool([url]);
    const got = collectShares(sub);
    await waitFor(() => got.length === 3, 5000, "three shares");
    expect(seqs(got)).toEqual([1, 2, 3]);
  }, 15000);

  test("relay process killed mid-stream and restarted: the subscriber gets everything exactly once", async () => {
    let relay: RelayProcess = await spawnRelay(0);
    cleanups.push(() => relay.kill());
    const pub = pool([relay.url]);
    const sub = pool([relay.url]);
    const got = collectShares(sub);
    await waitFor(() => sub.counters().connected === 1 && pub.counters().connected === 1, 5000, "connected");

    let seq = 0;
    const publishNext = (): void => {
      seq++;
      pub.publish(buildShareEvent(shareContent(`kill-${seq}`, seq), sk));
    };
    for (let i = 0; i < 5; i++) publishNext();
    await waitFor(() => got.length === 5, 5000, "the first five");

    // Keep publishing while the relay dies and comes back.
    const ticker = setInterval(publishNext, 15);
    cleanups.push(() => clearInterval(ticker));
    await waitFor(() => seq >= 10, 3000, "publishing");
    await relay.kill();
    await waitFor(() => sub.counters().connected === 0 && pub.counters().connected === 0, 5000, "both pools notice");
    await waitFor(() => seq >= 25, 3000, "publishing while down");
    expect(pub.counters().queued).toBeGreaterThan(0);
    relay = await spawnRelay(relay.port);
    await waitFor(() => seq >= 40, 3000, "publishing after restart");
    clearInterval(ticker);

    await waitFor(() => got.length >= seq, 8000, `all ${seq} shares`);
    await Bun.sleep(100); // room for a late duplicate to show up (it must not)
    expect(seqs(got)).toEqual(range(1, seq));
    const c = sub.counters();
    expect(c.reconnects).toBe(1);
    expect(c.rejected).toEqual({});
    expect(pub.counters()).toMatchObject({ dropped: 0, reconnects: 1 });
    expect(await pub.settled(3000)).toBe(true);
  }, 20000);

  test("two relays: every event is handed over once; a dead relay does not block the live one", async () => {
    const a = startRelay({ hostname: "127.0.0.1", port: 0 });
    const b = startRelay({ hostname: "127.0.0.1", port: 0 });
    cleanups.push(() => a.stop(), () => b.stop());
    const dead = `ws://127.0.0.1:${freePort()}`;
    const pub = pool([a.url, b.url, dead]);
    const sub = pool([a.url, b.url]);
    const got = collectShares(sub);
    await waitFor(() => sub.counters().connected === 2 && pub.counters().connected === 2, 5000, "connected");
    for (let i = 1; i <= 10; i++) pub.publish(buildShareEvent(shareContent(`two-${i}`, i), sk));
    await waitFor(() => sub.counters().received === 20, 5000, "both copies");
    expect(seqs(got)).toEqual(range(1, 10));
    expect(sub.counters().duplicates).toBe(10);
    expect(pub.counters().queued).toBe(10); // waiting for the dead relay
  }, 15000);

  test("events failing the parser are counted by reason and never handed over", async () => {
    const relay = startRelay({ hostname: "127.0.0.1", port: 0 });
    cleanups.push(() => relay.stop());
    const pub = pool([relay.url]);
    const sub = pool([relay.url]);
    const got: ShareContent[] = [];
    // The filter has no author (as if the relay ignored it); the parser enforces the allowlist.
    sub.subscribe({ filter: runFilter({ kind: 30080, runId: RUN }), parse: (e) => parseShare(e, expectShare), onEvent: (c) => got.push(c) });
    const raw: unknown[] = [];
    sub.subscribe({ filter: { kinds: [30080] }, parse: parseVerified, onEvent: (e) => raw.push(e) });
    await waitFor(() => sub.counters().connected === 1 && pub.counters().connected === 1, 5000, "connected");
    pub.publish(buildShareEvent(shareContent("intruder", 1), generateSecretKey()));
    pub.publish(buildShareEvent(shareContent("other-run", 2, "another-run"), sk));
    pub.publish(buildShareEvent(shareContent("good", 3), sk));
    await waitFor(() => got.length === 1 && raw.length === 3, 5000, "the good share");
    expect(got[0]?.event_id).toBe("good");
    expect(sub.counters().rejected).toEqual({ wrong_author: 1 });
  }, 15000);

  test("a closed subscription stops, and a closed pool drops new events", async () => {
    const relay = startRelay({ hostname: "127.0.0.1", port: 0 });
    cleanups.push(() => relay.stop());
    const pub = pool([relay.url]);
    const sub = pool([relay.url]);
    const got: ShareContent[] = [];
    const s = sub.subscribe({ filter: runFilter(expectShare), parse: (e) => parseShare(e, expectShare), onEvent: (c) => got.push(c) });
    await waitFor(() => sub.counters().connected === 1, 5000, "connected");
    pub.publish(buildShareEvent(shareContent("c-1", 1), sk));
    await waitFor(() => got.length === 1, 5000, "first");
    s.close();
    pub.publish(buildShareEvent(shareContent("c-2", 2), sk));
    expect(await pub.settled(3000)).toBe(true);
    await Bun.sleep(50);
    expect(got).toHaveLength(1);
    pub.close();
    pub.publish(buildShareEvent(shareContent("c-3", 3), sk));
    expect(pub.counters()).toMatchObject({ published: 2, dropped: 1, connected: 0 });
  }, 15000);
});
