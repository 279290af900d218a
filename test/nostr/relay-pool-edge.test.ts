import { afterEach, describe, expect, test } from "bun:test";
import type { ServerWebSocket } from "bun";
import { finalizeEvent, generateSecretKey, getPublicKey, type NostrEvent } from "nostr-tools/pure";
import { parseShare, runFilter, shareTags, type ShareContent } from "../../src/nostr/events.ts";
import { RelayPool } from "../../src/nostr/relay-pool.ts";
import { RUN, shareContent, waitFor } from "./helpers.ts";

/** Pool behaviour against a scripted relay: a real WebSocket server whose answers the test decides. */

type Conn = { n: number };
type Script = (ws: ServerWebSocket<Conn>, msg: unknown[]) => void;

function scriptedRelay(script: Script) {
  let count = 0;
  const frames: { n: number; msg: unknown[] }[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (req, srv) => (srv.upgrade(req, { data: { n: ++count } }) ? undefined : new Response("", { status: 426 })),
    websocket: {
      data: {} as Conn,
      message(ws, m) {
        const msg = JSON.parse(String(m)) as unknown[];
        frames.push({ n: ws.data.n, msg });
        script(ws, msg);
      },
    },
  });
  return { url: `ws://127.0.0.1:${server.port}`, frames, connections: () => count, stop: () => server.stop(true) };
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const sk = generateSecretKey();
const expectShare = { kind: 30080, runId: RUN, authors: [getPublicKey(sk)] };

describe("relay pool against a scripted relay", () => {
  test("re-subscribes with since = newest seen minus the margin; a forged copy does not hide the genuine event", async () => {
    const t = Math.floor(Date.now() / 1000) - 100;
    const genuine = finalizeEvent({ kind: 30080, created_at: t, tags: shareTags(RUN, "g"), content: JSON.stringify(shareContent("g")) }, sk);
    const wire = JSON.parse(JSON.stringify(genuine)) as NostrEvent;
    const forged: NostrEvent = { ...wire, content: JSON.stringify(shareContent("forged")) }; // same id and sig
    const relay = scriptedRelay((ws, msg) => {
      if (msg[0] !== "REQ") return;
      if (ws.data.n === 1) {
        ws.send(JSON.stringify(["EVENT", msg[1], forged]));
        ws.send(JSON.stringify(["EVENT", msg[1], wire]));
        ws.send(JSON.stringify(["EOSE", msg[1]]));
        setTimeout(() => ws.close(), 30); // the relay drops us
      } else {
        ws.send(JSON.stringify(["EVENT", msg[1], wire])); // catch-up repeats it: must be deduplicated
        ws.send(JSON.stringify(["EOSE", msg[1]]));
      }
    });
    cleanups.push(() => relay.stop());
    const p = new RelayPool({ urls: [relay.url], initialBackoffMs: 50, maxBackoffMs: 200, sinceMarginSec: 10 });
    cleanups.push(() => p.close());
    const got: ShareContent[] = [];
    p.subscribe({ filter: runFilter(expectShare), parse: (e) => parseShare(e, expectShare), onEvent: (c) => got.push(c) });

    await waitFor(() => relay.frames.some((f) => f.n === 2 && f.msg[0] === "REQ"), 5000, "the second REQ");
    await waitFor(() => p.counters().duplicates === 1, 3000, "the repeated event");
    const reqs = relay.frames.filter((f) => f.msg[0] === "REQ").map((f) => f.msg[2] as Record<string, unknown>);
    expect(reqs[0]).toEqual(runFilter(expectShare));
    expect(reqs[1]).toEqual({ ...runFilter(expectShare), since: t - 10 });
    expect(got.map((c) => c.event_id)).toEqual(["g"]);
    expect(p.counters()).toMatchObject({ received: 3, duplicates: 1, rejected: { bad_signature: 1 }, reconnects: 1 });
  }, 10000);

  test("a stale first answer (a caching relay) is made good by the one catch-up query after EOSE, then closed", async () => {
    const t = Math.floor(Date.now() / 1000);
    const ev = finalizeEvent({ kind: 30080, created_at: t, tags: shareTags(RUN, "late"), content: JSON.stringify(shareContent("late")) }, sk);
    let reqs = 0;
    const relay = scriptedRelay((ws, msg) => {
      if (msg[0] !== "REQ") return;
      // First answer: empty (as a cached answer computed before the event arrived); the second has it.
      if (++reqs > 1) ws.send(JSON.stringify(["EVENT", msg[1], ev]));
      ws.send(JSON.stringify(["EOSE", msg[1]]));
    });
    cleanups.push(() => relay.stop());
    const p = new RelayPool({ urls: [relay.url], requeryAfterEoseMs: 100, keepaliveMs: 0 });
    cleanups.push(() => p.close());
    const got: string[] = [];
    const filter = runFilter(expectShare, t - 5, "me");
    p.subscribe({ filter, parse: (e) => parseShare(e, expectShare), onEvent: (c) => got.push(c.event_id) });
    await waitFor(() => got.length === 1, 3000, "the event from the catch-up");
    await waitFor(() => relay.frames.some((f) => f.msg[0] === "CLOSE"), 3000, "the catch-up closed");
    const req = relay.frames.filter((f) => f.msg[0] === "REQ");
    expect(req.map((f) => f.msg[2])).toEqual([filter, filter]);
    expect(req[1]!.msg[1]).not.toBe(req[0]!.msg[1]);
    expect(relay.frames.filter((f) => f.msg[0] === "CLOSE").map((f) => f.msg[1])).toEqual([req[1]!.msg[1]]);
    expect(p.counters()).toMatchObject({ catchups: 1, received: 1, duplicates: 0 });
    // One catch-up per EOSE of the subscription itself, never one per catch-up answer.
    await Bun.sleep(300);
    expect(relay.frames.filter((f) => f.msg[0] === "REQ").length).toBe(2);
  }, 10000);

  test("an authentic event refused by the checks (wrong run) is refused once; its second delivery is a duplicate", async () => {
    const foreign = finalizeEvent({ kind: 30080, created_at: Math.floor(Date.now() / 1000), tags: shareTags("other-run", "f"), content: JSON.stringify(shareContent("f", 1, "other-run")) }, sk);
    const relay = scriptedRelay((ws, msg) => {
      if (msg[0] !== "REQ") return;
      // Stored answer and catch-up both carry it (as a relay that ignores the label filter would).
      ws.send(JSON.stringify(["EVENT", msg[1], foreign]));
      ws.send(JSON.stringify(["EOSE", msg[1]]));
    });
    cleanups.push(() => relay.stop());
    const p = new RelayPool({ urls: [relay.url], requeryAfterEoseMs: 50, keepaliveMs: 0 });
    cleanups.push(() => p.close());
    let refusedByParser = 0;
    p.subscribe({
      filter: runFilter(expectShare),
      parse: (e) => {
        const r = parseShare(e, expectShare);
        if (!r.ok) refusedByParser++;
        return r;
      },
      onEvent: () => {},
    });
    await waitFor(() => p.counters().duplicates === 1, 3000, "the second delivery");
    expect(p.counters()).toMatchObject({ received: 2, duplicates: 1, rejected: { wrong_run: 1 }, catchups: 1 });
    expect(refusedByParser).toBe(1);
  }, 10000);

  test("a relay that goes silent is dropped by the keepalive and reconnected", async () => {
    const relay = scriptedRelay(() => {}); // accepts the socket, never answers
    cleanups.push(() => relay.stop());
    const p = new RelayPool({ urls: [relay.url], initialBackoffMs: 50, maxBackoffMs: 200, keepaliveMs: 100 });
    cleanups.push(() => p.close());
    await waitFor(() => relay.connections() >= 2, 5000, "a second connection");
    expect(relay.frames.some((f) => f.msg[0] === "REQ" && f.msg[1] === "hs-ping")).toBe(true);
    expect(p.status()[0]?.last_error).toBe("no answer to keepalive");
  }, 10000);
});
