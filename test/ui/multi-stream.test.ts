import { afterAll, beforeAll, expect, test } from "bun:test";
import { MAX_STREAMS, parseStreams } from "../../src/ui/multi-stream";
import type { HashScope } from "../../src/server";
import { startSimPool, type SimPool } from "../../src/sim/pool";
import { startTestHashScope } from "../helpers/hashscope";

/** The multiplexed stream the tabs share: what it accepts, and its frames. */

test("only our own stream paths, at most 16, with numeric last ids", () => {
  const q = (s: string) => parseStreams(new URLSearchParams(s));
  expect(q("u=/ui/stream/messages%3Fdirection%3Dminer_to_pool%26after%3D5&l=7")).toEqual([
    { url: "/ui/stream/messages?direction=miner_to_pool&after=5", last: "7" },
  ]);
  expect(q("u=/ui/stream/session/abc123&l=x")).toEqual([{ url: "/ui/stream/session/abc123", last: "" }]);
  for (const bad of ["/api/messages", "/ui/stream/multi?u=x", "/ui/stream/multi", "/ui/stream/../api/stats", "/ui/stream/%2e%2e/api", "//evil/ui/stream/x", "/ui/stream/"])
    expect(typeof q(`u=${encodeURIComponent(bad)}`)).toBe("string");
  expect(typeof q("")).toBe("string");
  expect(typeof q(Array.from({ length: MAX_STREAMS + 1 }, () => "u=/ui/stream/overview").join("&"))).toBe("string");
});

let pool: SimPool;
let hs: HashScope;
beforeAll(async () => {
  pool = await startSimPool({});
  hs = await startTestHashScope(pool.port);
});
afterAll(async () => {
  await hs.stop();
  await pool.stop();
});

test("frames carry the stream's index, event, data and id; a bad part says so; bad requests are 422", async () => {
  const base = `http://127.0.0.1:${hs.apiPort}`;
  expect((await fetch(`${base}/ui/stream/multi?u=/api/stats`)).status).toBe(422);
  const ctl = new AbortController();
  const res = await fetch(`${base}/ui/stream/multi?u=/ui/stream/overview&u=/ui/stream/nothing-here&u=/ui/stream/sessions`, { signal: ctl.signal });
  expect(res.headers.get("content-type")).toStartWith("text/event-stream");
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let text = "";
  const frames: { s: number; e: string | null; d: string; i: string | null }[] = [];
  const deadline = performance.now() + 5000;
  while (performance.now() < deadline && !(frames.some((f) => f.s === 0 && f.e === "stats") && frames.some((f) => f.s === 1))) {
    const { value, done } = await reader.read();
    if (done) break;
    text += dec.decode(value, { stream: true });
    for (const m of text.matchAll(/^data: (\{.*\})$/gm)) frames.push(JSON.parse(m[1]!));
    text = text.slice(text.lastIndexOf("\n\n") + 2);
  }
  ctl.abort();
  // The overview stats event came through under index 0; a path that is no stream (404) is said, not hidden.
  expect(frames.find((f) => f.s === 0 && f.e === "stats")!.d).toContain("sessions_live");
  expect(frames.find((f) => f.s === 1)).toMatchObject({ e: "stream-error" });
}, 10_000);
