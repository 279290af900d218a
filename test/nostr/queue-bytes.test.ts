import { describe, expect, test } from "bun:test";
import { generateSecretKey } from "nostr-tools/pure";
import { buildShareEvent } from "../../src/nostr/events.ts";
import { RelayPool } from "../../src/nostr/relay-pool.ts";
import { freePort, shareContent } from "./helpers.ts";

describe("relay pool queue byte bound", () => {
  test("events queued for a relay that is down are bounded in bytes: the oldest go first, counted as dropped", () => {
    const sk = generateSecretKey();
    const pool = new RelayPool({ urls: [`ws://127.0.0.1:${freePort()}`], initialBackoffMs: 60_000, maxQueue: 10_000, maxQueueBytes: 20_000 });
    const events = Array.from({ length: 100 }, (_, i) => buildShareEvent(shareContent(`big-${i}`, i), sk));
    const frame = JSON.stringify(["EVENT", events[0]]).length;
    for (const e of events) pool.publish(e);
    const c = pool.counters();
    expect(c.queued).toBe(Math.floor(20_000 / frame));
    expect(c.dropped).toBe(100 - c.queued);
    pool.close();
  });
});
