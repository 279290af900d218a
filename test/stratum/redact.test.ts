import { expect, test } from "bun:test";
import { parseLine } from "../../src/stratum/parse";
import { passwordSpan, REDACTED, redactLine } from "../../src/stratum/redact";

const line = (s: string) => parseLine({ bytes: new TextEncoder().encode(s), size_bytes: s.length + 1, truncated: false });

test("only the password literal is masked; a worker equal to the password and the rest stay as sent", () => {
  const raw = '{"id": 2, "method":"mining.authorize","params":["x", "x"]}';
  const r = redactLine(line(raw));
  expect(r.redacted).toEqual(["password"]);
  expect(r.line.raw).toBe(`{"id": 2, "method":"mining.authorize","params":["x", "${REDACTED}"]}`);
  expect(r.line.json).toEqual({ id: 2, method: "mining.authorize", params: ["x", REDACTED] });
  expect(r.line.params).toEqual(["x", REDACTED]);
});

test("escapes, nesting, key order and a repeated params key are handled as JSON.parse reads them", () => {
  const cases: [string, string][] = [
    ['{"params":["w","p\\"a\\\\ss\\u0041"],"id":1,"method":"mining.authorize"}', '{"params":["w","[redacted]"],"id":1,"method":"mining.authorize"}'],
    ['{"id":1,"method":"mining.authorize","x":{"params":["a","b"]},"params":["w","s3"]}', '{"id":1,"method":"mining.authorize","x":{"params":["a","b"]},"params":["w","[redacted]"]}'],
    ['{"id":1,"method":"mining.authorize","params":["w","old"],"par\\u0061ms":[["n"],"new"]}', '{"id":1,"method":"mining.authorize","params":["w","old"],"par\\u0061ms":[["n"],"[redacted]"]}'],
  ];
  for (const [raw, want] of cases) {
    const r = redactLine(line(raw));
    expect(r.line.raw).toBe(want);
    expect(JSON.stringify(r.line.raw)).not.toContain("s3");
  }
  expect(passwordSpan('{"params":["w"]}')).toBeNull();
});

test("other lines pass untouched; an unparsable authorize line keeps nothing but the fact", () => {
  for (const raw of ['{"id":1,"method":"mining.submit","params":["w","j","e","t","n"]}', '{"id":1,"method":"mining.authorize","params":["w"]}', '{"id":1,"result":true,"error":null}']) {
    const p = line(raw);
    expect(redactLine(p)).toEqual({ line: p, redacted: null });
  }
  const bad = redactLine(line('{"id":1,"method":"mining.authorize","params":["w","secret"'));
  expect(bad.redacted).toEqual(["raw"]);
  expect(bad.line.raw).not.toContain("secret");
});
