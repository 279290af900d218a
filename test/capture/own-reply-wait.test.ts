import { expect, test } from "bun:test";
import { CapturePipeline } from "../../src/capture/ingest";
import type { MessageRecord } from "../../src/capture/records";
import { CaptureStore } from "../../src/capture/store";

/**
 * A replay learns the record of its answer from capture, along the own-reply path (capture.ownReply just before the
 * relay hands over the chunk holding it): exactly once, with the record of that line, or null when there is none.
 */

const upstream = { host: "pool", port: 3333, tls: false };
const enc = (s: string) => new TextEncoder().encode(s);

function setup(maxBacklogBytes = 1 << 20) {
  const store = new CaptureStore({ maxMessages: 10_000, maxPerSession: 10_000, maxSessions: 10 });
  const capture = new CapturePipeline(store, { maxLineBytes: 1024, maxBacklogBytes });
  store.openSession({ id: "s", miner_addr: "m", upstream });
  capture.open("s");
  return { store, capture };
}
const hand = (capture: CapturePipeline, text: string) => capture.ingest("s", "pool_to_miner", enc(text), Date.now(), performance.now());

test("the waiter gets the record of its own line, in stream order, after capture decoded the chunk", () => {
  const { store, capture } = setup();
  const request = capture.captureOwnLine("s", enc('{"id":"hs-x-1","method":"mining.submit","params":["w","j","00","01","02"]}'))!;
  const got: (MessageRecord | null)[] = [];
  capture.ownReply("s", "hs-x-1", (m) => got.push(m));
  hand(capture, '{"id":null,"method":"mining.set_difficulty","params":[8]}\n{"id":"hs-x-1","result":true,"error":null}\n{"id":4,"result":true,"error":null}\n');
  expect(got).toEqual([]); // not before capture decodes it
  capture.drainAll();
  expect(got.length).toBe(1);
  expect(got[0]!.rpc_id).toBe("hs-x-1");
  expect(got[0]!.reply_to).toBe(request.id);
  expect(store.getMessage(got[0]!.id)).toBe(got[0]!);
  // Two own answers in one chunk: each waiter its own line.
  const two: string[] = [];
  capture.ownReply("s", "hs-x-3", (m) => two.push(`3:${m?.rpc_id}`));
  capture.ownReply("s", "hs-x-2", (m) => two.push(`2:${m?.rpc_id}`));
  hand(capture, '{"id":"hs-x-2","result":false,"error":null}\n{"id":"hs-x-3","result":true,"error":null}\n');
  capture.drainAll();
  expect(two).toEqual(["2:hs-x-2", "3:hs-x-3"]);
});

test("no record: a chunk dropped at the backlog bound settles at once with null; so does a session capture has ended", () => {
  const { capture } = setup(64);
  hand(capture, "x".repeat(60)); // fills the backlog
  const got: (MessageRecord | null)[] = [];
  capture.ownReply("s", "hs-x-9", (m) => got.push(m));
  hand(capture, '{"id":"hs-x-9","result":true,"error":null}\n'); // over the bound: relayed, not captured
  expect(got).toEqual([null]);
  capture.drainAll();
  expect(got).toEqual([null]); // once only

  capture.close("s");
  capture.drainAll();
  capture.ownReply("s", "hs-x-10", (m) => got.push(m));
  expect(got).toEqual([null, null]);
});

test("a line capture cannot read (cut at MAX_LINE_BYTES) settles with null once its chunk is decoded", () => {
  const { capture } = setup();
  const got: (MessageRecord | null)[] = [];
  capture.ownReply("s", "hs-x-5", (m) => got.push(m));
  hand(capture, `{"id":"hs-x-5","result":true,"error":"${"e".repeat(2000)}"}\n`);
  capture.drainAll();
  expect(got).toEqual([null]);
});
