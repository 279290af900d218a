import { expect, test } from "bun:test";
import { OwnReplyFilter, type OwnReply } from "../../src/proxy/own-replies";
import { concat, prng, randomCuts, randomStream } from "../helpers/net";

const enc = new TextEncoder();

/** Runs `pieces` through the filter and returns what would reach the miner. */
function run(f: OwnReplyFilter, pieces: Uint8Array[]): Uint8Array {
  return concat(pieces.map((p, i) => f.process(p, i)));
}

test("idle filter returns each chunk itself", () => {
  const f = new OwnReplyFilter();
  const c = enc.encode('{"id":1,"result":true,"error":null}\n{"id":null,"method":"mining.notify","params":[]}');
  expect(f.process(c, 0)).toBe(c);
  expect(f.isActive).toBe(false);
});

test("random streams with interleaved own replies: the miner gets every other byte, in order; each reply once to its handler", () => {
  const rand = prng(20261123);
  for (let round = 0; round < 200; round++) {
    const f = new OwnReplyFilter();
    // Start mid-line sometimes: the first bytes before any LF were "already forwarded" before filtering began.
    const prefix = randomStream(rand, 200);
    const prePieces = randomCuts(rand, prefix, 3);
    const before = run(f, prePieces);
    expect(before).toEqual(prefix);

    const ids = Array.from({ length: 1 + Math.floor(rand() * 4) }, (_, i) => `hs-${round}-${i}`);
    const got: OwnReply[] = [];
    for (const id of ids) expect(f.expect(id, (r) => got.push(r))).toBe(true);

    // The stream after the requests were sent: the tail of the current line, then whole lines, own replies among them.
    // Random bytes contain no own replies by construction (no `"hs-` with a pending id in valid JSON).
    const expected: Uint8Array[] = [];
    const stream: Uint8Array[] = [];
    const midLine = prefix.byteLength > 0 && prefix[prefix.byteLength - 1] !== 10;
    if (midLine) {
      const tail = enc.encode(`tail "hs-${round}-0","result":true}\n`); // looks like a reply but is the end of an older line
      stream.push(tail);
      expected.push(tail);
    }
    const replies = new Map<string, string>();
    for (const id of ids) replies.set(id, `{"id":"${id}","result":${rand() < 0.5},"error":null}`);
    const order = [...ids];
    while (order.length || rand() < 0.5) {
      if (order.length && rand() < 0.4) {
        const id = order.shift()!;
        stream.push(enc.encode(`${replies.get(id)}${rand() < 0.3 ? "\r" : ""}\n`));
      } else {
        let other = randomStream(rand, 120);
        const lf = other.lastIndexOf(10);
        other = lf === -1 ? concat([other, enc.encode("\n")]) : other.subarray(0, lf + 1);
        stream.push(other);
        expected.push(other);
      }
    }
    const miner = run(f, randomCuts(rand, concat(stream), 20));
    expect(miner).toEqual(concat(expected));
    expect(got.map((r) => r.id)).toEqual(ids);
    for (const r of got) expect(r.line).toBe(replies.get(r.id)!);
    expect(f.isActive).toBe(false);
    expect(f.release()).toBeNull();
  }
});

test("a reply to someone else's id (the miner's, or an unknown hs- id) is forwarded", () => {
  const f = new OwnReplyFilter();
  const got: string[] = [];
  f.expect("hs-1", (r) => got.push(r.id));
  const lines = '{"id":"hs-2","result":true,"error":null}\n{"id":1,"result":true,"error":null}\n{"id":"hs-1","result":true,"error":null}\n';
  const out = new TextDecoder().decode(f.process(enc.encode(lines), 0));
  expect(out).toBe('{"id":"hs-2","result":true,"error":null}\n{"id":1,"result":true,"error":null}\n');
  expect(got).toEqual(["hs-1"]);
});

test("a request from the pool with an own-looking id is not taken", () => {
  const f = new OwnReplyFilter();
  f.expect("hs-1", () => {});
  const line = enc.encode('{"id":"hs-1","method":"client.get_version","params":[]}\n');
  expect(f.process(line, 0)).toEqual(line);
  expect(f.pendingCount).toBe(1);
});

test("a late answer after cancel is still kept from the miner", () => {
  const f = new OwnReplyFilter({ lateMs: 1000 });
  f.expect("hs-9", () => {
    throw new Error("cancelled handler must not run");
  });
  f.cancel("hs-9", 0);
  expect(f.process(enc.encode('{"id":"hs-9","result":true,"error":null}\n'), 10).byteLength).toBe(0);
  expect(f.dropped).toBe(1);
  expect(f.isActive).toBe(false);
  // After the late window the id is forgotten and such a line would pass.
  f.expect("hs-10", () => {});
  f.cancel("hs-10", 0);
  const line = enc.encode('{"id":"hs-10","result":true,"error":null}\n');
  expect(f.process(line, 5000)).toEqual(line);
});

test("a long unfinished line is released past the hold bound and passes through", () => {
  const f = new OwnReplyFilter({ maxHeldBytes: 64 });
  f.expect("hs-1", () => {});
  const part1 = enc.encode("x".repeat(50));
  const part2 = enc.encode("y".repeat(50));
  const part3 = enc.encode('z\n{"id":"hs-1","result":true,"error":null}\n');
  const out = concat([f.process(part1, 0), f.process(part2, 1), f.process(part3, 2)]);
  expect(new TextDecoder().decode(out)).toBe("x".repeat(50) + "y".repeat(50) + "z\n");
  expect(f.pendingCount).toBe(0);
});

test("pending own requests are bounded", () => {
  const f = new OwnReplyFilter({ maxPending: 2 });
  expect(f.expect("hs-1", () => {})).toBe(true);
  expect(f.expect("hs-1", () => {})).toBe(false);
  expect(f.expect("hs-2", () => {})).toBe(true);
  expect(f.expect("hs-3", () => {})).toBe(false);
});

test("a held unfinished line can be released early; the rest of that line then passes through untouched", () => {
  const f = new OwnReplyFilter();
  f.expect("hs-9", () => {});
  const head = enc.encode('{"id":null,"method":"mining.notify","params":["j1"');
  expect(f.process(head, 0).byteLength).toBe(0); // held: it might be an own reply
  expect(f.holding).toBe(true);
  expect(f.release()).toEqual(head); // the relay's timer: the miner gets it without waiting for the newline
  const tail = enc.encode(',true]}\n{"id":"hs-9","result":true,"error":null}\n');
  const out = f.process(tail, 1);
  expect(new TextDecoder().decode(out)).toBe(',true]}\n'); // the rest of the line passed; the own reply was taken
  expect(f.holding).toBe(false);
});
