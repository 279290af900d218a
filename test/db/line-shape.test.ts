import { expect, test } from "bun:test";
import { fillLine, MAX_SHAPE_CHARS, splitLine } from "../../src/db/line-shape";
import { openDatabase } from "../../src/db/open";
import * as reader from "../../src/db/reader";
import { prepareWrites, writeBatch } from "../../src/db/statements";
import { line, tempDir } from "./fixtures";

const shapeOf = (raw: string) => splitLine(raw)?.shape ?? null;

test("a farm's lines split into a shared shape and their values, and fill back exactly", () => {
  const submit = '{"params":["bc1qfarm0.rig5000","0","00000004","65a1b004","b5b1d232"],"id":45010,"method":"mining.submit"}';
  expect(splitLine(submit)).toEqual({
    shape: '{"params":[$,$,$,$,$],"id":#,"method":"mining.submit"}',
    values: ["bc1qfarm0.rig5000", "0", "00000004", "65a1b004", "b5b1d232", "45010"].join("\u001f"),
  });
  expect(shapeOf('{"params":["other.worker","1f","00000001","65a1b005","00ff00ff"],"id":7,"method":"mining.submit"}')).toBe(
    shapeOf(submit),
  );
  expect(shapeOf('{"id":45010,"result":true,"error":null}')).toBe('{"id":#,"result":true,"error":null}');
  expect(shapeOf('{"id": 4, "jsonrpc": "2.0", "method": "mining.notify", "params": ["a"]}')).toBe(
    '{"id": #, "jsonrpc": "2.0", "method": "mining.notify", "params": [$]}',
  );
});

test("whatever the text, a split fills back to exactly that text, or there is none", () => {
  const lines = [
    '{"id":1,"result":null,"error":[21,"Job \\"x\\" not found \\\\",null]}',
    '{"a":"\\u0000\\ud800","b":-1.5e+10,"c":[1e-7,0,-0],"":"","k":"v:","x" : "y"}',
    '{"method":"a$b#c","params":["$","#","\\"$\\""]}',
    '{"params":["has\u001fseparator"],"id":1}',
    '{"id":1,"result":"unterminated',
    '$#{"id":1}',
    "not json at all 123 \"quoted\" 456",
    '{"id":1,"method":"x","params":["ünïcödé ✓ 😀"]}',
    "",
    "{}",
    '{"id":' + "9".repeat(400) + "}",
  ];
  let split = 0;
  for (const raw of lines) {
    const s = splitLine(raw);
    if (s === null) continue;
    split++;
    expect(fillLine(s.shape, s.values)).toBe(raw);
  }
  expect(split).toBeGreaterThanOrEqual(5);
  expect(splitLine('{"params":["has\u001fseparator"],"id":1}')).toBeNull();
  expect(splitLine('{"id":1,"result":"unterminated')).toBeNull();
  expect(splitLine("$#")).toBeNull();
});

test("seeded random lines: every split fills back exactly", () => {
  let seed = 12345;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
  const alphabet = ['"', "\\", ":", ",", "{", "}", "[", "]", "1", "-", "e", ".", "a", " ", "$", "#", "\u001f", "u", "ü"];
  let split = 0;
  for (let i = 0; i < 5_000; i++) {
    let raw = '{"id":' + rnd(1000) + ',"params":["';
    const len = rnd(40);
    for (let j = 0; j < len; j++) raw += alphabet[rnd(alphabet.length)];
    raw += '"]}';
    const s = splitLine(raw);
    if (s === null) continue;
    split++;
    expect(fillLine(s.shape, s.values)).toBe(raw);
  }
  expect(split).toBeGreaterThan(500);
});

test("long shapes are not kept, and values that do not fit a shape are an error", () => {
  const keys = Array.from({ length: 30 }, (_, i) => `"key${i}":1`).join(",");
  expect(splitLine(`{${keys}}`)!.shape.length).toBeLessThanOrEqual(MAX_SHAPE_CHARS);
  const wide = Array.from({ length: 100 }, (_, i) => `"a-long-key-name-${i}":1`).join(",");
  expect(splitLine(`{${wide}}`)).toBeNull();
  expect(() => fillLine('{"id":#}', "1\u001f2")).toThrow();
  expect(() => fillLine('{"id":#,"x":$}', "1")).toThrow();
});

test("in a database: lines come back exactly through their shapes; past the shared-text bound new shapes' lines stay whole", () => {
  const tmp = tempDir();
  const db = openDatabase(tmp.url("shapes.db"));
  const w = prepareWrites(db, { maxSharedTexts: 3 });
  // Five shapes (a key of its own each), three of them common: only the first three get a number.
  const raws = Array.from({ length: 50 }, (_, i) => `{"id":${i},"method":"mining.submit","params":["w${i}.rig","j1","0000000${i % 10}"],"k${i % 5}":"${"v".repeat(20)}"}`);
  const msgs = raws.map((raw, i) => ({ ...line("s", i + 1), seq: i + 1, id: String(i + 1), raw, json: JSON.parse(raw), kind: "request" as const, method: "mining.submit", decoded: null }));
  writeBatch(db, w, { msgs, sess: [], telemetry: [], seqHighWater: 50 });
  const texts = db.$client.query<{ n: number }, []>("SELECT count(*) AS n FROM shared_texts").get()!.n;
  const shaped = db.$client.query<{ n: number }, []>("SELECT count(*) AS n FROM messages WHERE form >= 32").get()!.n;
  const back = reader.messagesAfter(db, {}, 0, 100);
  db.$client.close();
  tmp.cleanup();
  expect(texts).toBe(3);
  expect(shaped).toBe(30); // k0, k1, k2 lines; k3 and k4 lines whole
  expect(back.map((m) => m.raw)).toEqual(raws);
});
