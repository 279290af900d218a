import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { finalizeEvent, generateSecretKey, getPublicKey, type NostrEvent } from "nostr-tools/pure";
import { buildShareEvent, buildTelemetryEvent } from "../../src/nostr/events.ts";
import { startRelay, type RelayHandle } from "../../src/relay/server.ts";
import { RawClient, RUN, spawnRelay, waitFor, shareContent, telemetryContent } from "../nostr/helpers.ts";

let relay: RelayHandle;
const sk = generateSecretKey();
const pk = getPublicKey(sk);

beforeAll(() => {
  relay = startRelay({ hostname: "127.0.0.1", port: 0 });
});
afterAll(async () => {
  await relay.stop();
});

const okFor = (id: string) => (f: unknown[]) => f[0] === "OK" && f[1] === id;

describe("relay server", () => {
  test("EVENT gets OK, is fanned out live, and a REQ returns it before EOSE", async () => {
    const pub = await RawClient.open(relay.url);
    const sub = await RawClient.open(relay.url);
    expect(await sub.req("live", { kinds: [30080], "#run": [RUN] })).toHaveLength(0);
    const ev = buildShareEvent(shareContent("srv-1"), sk);
    pub.send(["EVENT", ev]);
    expect(await pub.next(okFor(ev.id))).toEqual(["OK", ev.id, true, ""]);
    const live = await sub.next((f) => f[0] === "EVENT" && f[1] === "live");
    expect((live[2] as NostrEvent).id).toBe(ev.id);
    const stored = await pub.req("q", { ids: [ev.id] });
    expect(stored.map((e) => e.id)).toEqual([ev.id]);
    // CLOSE stops the live feed.
    sub.send(["CLOSE", "live"]);
    const ev2 = buildShareEvent(shareContent("srv-2"), sk);
    pub.send(["EVENT", ev2]);
    await pub.next(okFor(ev2.id));
    expect(await sub.req("after-close", { ids: [ev2.id] })).toHaveLength(1);
    expect(sub.frames.filter((f) => f[1] === "live")).toHaveLength(0);
    pub.close();
    sub.close();
  });

  test("duplicates and invalid events get NIP-01 prefixes", async () => {
    const c = await RawClient.open(relay.url);
    const ev = buildShareEvent(shareContent("srv-dup"), sk);
    c.send(["EVENT", ev]);
    await c.next(okFor(ev.id));
    c.send(["EVENT", ev]);
    const dup = await c.next(okFor(ev.id));
    expect(dup[2]).toBe(true);
    expect(String(dup[3])).toStartWith("duplicate:");
    const tampered = { ...JSON.parse(JSON.stringify(ev)), content: "{}" } as NostrEvent;
    c.send(["EVENT", tampered]);
    const bad = await c.next(okFor(ev.id));
    expect(bad[2]).toBe(false);
    expect(String(bad[3])).toStartWith("invalid:");
    c.close();
  });

  test("addressable kinds: different d both stored, same d replaced by the newer", async () => {
    const c = await RawClient.open(relay.url);
    const a = buildShareEvent(shareContent("addr-a"), sk);
    const b = buildShareEvent(shareContent("addr-b"), sk);
    for (const e of [a, b]) {
      c.send(["EVENT", e]);
      await c.next(okFor(e.id));
    }
    const shares = await c.req("shares", { kinds: [30080], authors: [pk], "#d": [`${RUN}:addr-a`, `${RUN}:addr-b`] });
    expect(shares.map((e) => e.id).sort()).toEqual([a.id, b.id].sort());

    const t1 = finalizeEvent({ ...templateOf(buildTelemetryEvent(telemetryContent("ag-1"), sk)), created_at: 1000 }, sk);
    const t2 = finalizeEvent({ ...templateOf(buildTelemetryEvent(telemetryContent("ag-1"), sk)), created_at: 1001 }, sk);
    for (const e of [t2, t1]) {
      c.send(["EVENT", e]);
      await c.next(okFor(e.id));
    }
    let tele = await c.req("tele", { kinds: [30079], "#agent": ["ag-1"] });
    expect(tele.map((e) => e.id)).toEqual([t2.id]); // the older one arriving later does not replace
    const t3 = finalizeEvent({ ...templateOf(t1), created_at: 1002 }, sk);
    c.send(["EVENT", t3]);
    await c.next(okFor(t3.id));
    tele = await c.req("tele2", { kinds: [30079], "#agent": ["ag-1"] });
    expect(tele.map((e) => e.id)).toEqual([t3.id]);
    c.close();
  });

  test("filters: #run, since, until, authors, limit; ephemeral kinds are not stored", async () => {
    const c = await RawClient.open(relay.url);
    const other = generateSecretKey();
    const mk = (key: Uint8Array, created_at: number, run: string, d: string): NostrEvent =>
      finalizeEvent({ kind: 30080, created_at, tags: [["d", d], ["run", run]], content: "{}" }, key);
    const evs = [mk(sk, 5000, "fr", "1"), mk(sk, 6000, "fr", "2"), mk(other, 6000, "fr", "3"), mk(sk, 6000, "other", "4")];
    for (const e of evs) {
      c.send(["EVENT", e]);
      await c.next(okFor(e.id));
    }
    const ids = async (f: object): Promise<string[]> => (await c.req(`f${Math.random()}`, f)).map((e) => e.id).sort();
    expect(await ids({ "#run": ["fr"] })).toEqual([evs[0]!.id, evs[1]!.id, evs[2]!.id].sort());
    expect(await ids({ "#run": ["fr"], since: 5500 })).toEqual([evs[1]!.id, evs[2]!.id].sort());
    expect(await ids({ "#run": ["fr"], until: 5500 })).toEqual([evs[0]!.id]);
    expect(await ids({ "#run": ["fr"], authors: [pk] })).toEqual([evs[0]!.id, evs[1]!.id].sort());
    expect(await ids({ "#run": ["fr"], authors: [pk], limit: 1 })).toEqual([evs[1]!.id]); // newest first
    expect(await ids({ "#run": ["fr"], limit: 0 })).toEqual([]);
    const eph = finalizeEvent({ kind: 20001, created_at: 7000, tags: [["run", "fr"]], content: "" }, sk);
    c.send(["EVENT", eph]);
    expect((await c.next(okFor(eph.id)))[2]).toBe(true);
    expect(await ids({ ids: [eph.id] })).toEqual([]);
    // Two filters in one REQ: the union, without repeats.
    c.send(["REQ", "two", { "#run": ["fr"], authors: [pk] }, { "#run": ["fr"], since: 5500 }]);
    await c.next((f) => f[0] === "EOSE" && f[1] === "two");
    expect(c.frames.filter((f) => f[1] === "two")).toHaveLength(3);
    c.close();
  });

  test("bad REQ gets CLOSED, malformed frames get NOTICE, and the relay stays up", async () => {
    const c = await RawClient.open(relay.url);
    c.send(["REQ", "bad", { kinds: "30080" }]);
    const closed = await c.next((f) => f[0] === "CLOSED" && f[1] === "bad");
    expect(String(closed[2])).toStartWith("invalid:");
    c.send(["REQ", "none"]);
    await c.next((f) => f[0] === "CLOSED" && f[1] === "none");
    for (const junk of ["not json", "{}", "[]", "[1,2]", '["HELLO"]', '["EVENT"]', '["EVENT", 5]', '["REQ", 7, {}]']) {
      c.send(junk);
    }
    await waitFor(() => c.frames.filter((f) => f[0] === "NOTICE").length === 6, 3000, "six NOTICEs");
    expect(c.frames.filter((f) => f[0] === "OK" && f[2] === false)).toHaveLength(2);
    expect(await c.req("still-alive", { limit: 1 })).toHaveLength(1);
    expect(relay.stats().connections).toBeGreaterThan(0);
    c.close();
  });

  test("NIP-11 info document and plain HTTP", async () => {
    const base = relay.url.replace("ws://", "http://");
    const res = await fetch(base, { headers: { accept: "application/nostr+json" } });
    expect(res.headers.get("content-type")).toContain("application/nostr+json");
    const info = (await res.json()) as { supported_nips: number[] };
    expect(info.supported_nips).toContain(1);
    expect((await fetch(base)).status).toBe(426);
  });
});

function templateOf(e: NostrEvent): { kind: number; tags: string[][]; content: string; created_at: number } {
  return { kind: e.kind, tags: e.tags.map((t) => [...t]), content: e.content, created_at: e.created_at };
}

describe("bun run relay (relay/main.ts)", () => {
  const root = `${import.meta.dir}/../..`;

  test("a bad RELAY_PORT stops it with exit 2 and a line naming the variable", async () => {
    const proc = Bun.spawn(["bun", "run", "src/relay/main.ts"], {
      cwd: root,
      env: { ...process.env, RELAY_PORT: "99999" },
      stdout: "pipe",
      stderr: "pipe",
    });
    const timer = setTimeout(() => proc.kill("SIGKILL"), 5000);
    expect(await proc.exited).toBe(2);
    clearTimeout(timer);
    expect(await new Response(proc.stderr).text()).toContain("RELAY_PORT");
  });

  test("prints its URL with the real port, serves, and exits 0 on SIGTERM", async () => {
    const relayProc = await spawnRelay(0);
    expect(relayProc.port).toBeGreaterThan(0);
    const c = await RawClient.open(relayProc.url);
    expect(await c.req("x", { limit: 1 })).toEqual([]);
    c.close();
    expect(await relayProc.stop()).toBe(0);
  });
});
