import { describe, expect, test } from "bun:test";
import { type FramedLine, LineFramer } from "../../src/stratum/framing";
import { parseLine } from "../../src/stratum/parse";

const line = (s: string | Uint8Array, truncated = false): FramedLine => {
  const bytes = typeof s === "string" ? new TextEncoder().encode(s) : s;
  return { bytes, size_bytes: bytes.length + 1, truncated };
};
const parse = (s: string | Uint8Array) => parseLine(line(s));

describe("parseLine: the original parser's vectors", () => {
  test("subscribe request", () => {
    const p = parse('{"id": 1, "method": "mining.subscribe", "params": ["cpuminer/2.5.0"]}');
    expect(p.kind).toBe("request");
    expect(p.method).toBe("mining.subscribe");
    expect(p.rpc_id).toBe(1);
    expect(p.params).toEqual(["cpuminer/2.5.0"]);
    expect(p.parse_error).toBeNull();
    expect(p.raw_hex).toBeNull();
  });

  test("authorize request", () => {
    const p = parse('{"id": 2, "method": "mining.authorize", "params": ["username", "password"]}');
    expect([p.kind, p.method, p.rpc_id]).toEqual(["request", "mining.authorize", 2]);
  });

  test("response with result", () => {
    const p = parse('{"id": 1, "result": [[["mining.notify", "1234"]], "deadbeef", 4], "error": null}');
    expect(p.kind).toBe("response");
    expect(p.method).toBeNull();
    expect(p.rpc_id).toBe(1);
    expect(p.result).toEqual([[["mining.notify", "1234"]], "deadbeef", 4]);
    expect(p.error).toBeNull();
  });

  test("notification without id", () => {
    const p = parse(
      '{"method": "mining.notify", "params": ["job1", "prevhash", "coinbase1", "coinbase2", [], "version", "nbits", "ntime", true]}',
    );
    expect([p.kind, p.method, p.rpc_id]).toEqual(["notification", "mining.notify", null]);
  });

  test("invalid JSON", () => {
    const p = parse('{"invalid json');
    expect(p.kind).toBe("invalid");
    expect(p.raw).toBe('{"invalid json');
    expect(p.json).toBeNull();
    expect(p.parse_error).toStartWith("invalid JSON: ");
  });

  test("empty line", () => {
    const p = parse("");
    expect([p.kind, p.raw, p.raw_hex, p.parse_error]).toEqual(["invalid", "", null, "empty line"]);
  });

  test("non-UTF-8 bytes: raw null, raw_hex set", () => {
    const bytes = new Uint8Array([0xff, 0xfe, ...new TextEncoder().encode(" invalid utf-8")]);
    const p = parse(bytes);
    expect(p.kind).toBe("invalid");
    expect(p.raw).toBeNull();
    expect(p.raw_hex).toBe(Buffer.from(bytes).toString("hex"));
    expect(p.raw_hex).toStartWith("fffe20");
    expect(p.parse_error).toBe("not valid UTF-8");
  });
});

describe("parseLine: classification", () => {
  test("null id with method is a notification", () => {
    const p = parse('{"id":null,"method":"mining.set_difficulty","params":[16384]}');
    expect([p.kind, p.rpc_id, p.method]).toEqual(["notification", null, "mining.set_difficulty"]);
    expect(p.params).toEqual([16384]);
  });

  test("string ids are kept", () => {
    const p = parse('{"id":"abc-1","method":"mining.submit","params":[]}');
    expect([p.kind, p.rpc_id]).toEqual(["request", "abc-1"]);
  });

  test('extra fields like "jsonrpc" are kept in json, not normalised', () => {
    const raw = '{"jsonrpc":"2.0","id":3,"method":"mining.authorize","params":["w","x"],"x-extra":{"a":[1,null]}}';
    const p = parse(raw);
    expect(p.kind).toBe("request");
    expect(p.json).toEqual({ jsonrpc: "2.0", id: 3, method: "mining.authorize", params: ["w", "x"], "x-extra": { a: [1, null] } });
    expect(p.raw).toBe(raw);
  });

  test("a response with result null and error null is still a response", () => {
    const p = parse('{"id":9,"result":null,"error":null}');
    expect(p.kind).toBe("response");
    expect(p.result).toBeNull();
    expect(p.error).toBeNull();
  });

  test("error-only response", () => {
    const p = parse('{"id":4,"error":[21,"Job not found",null]}');
    expect(p.kind).toBe("response");
    expect(p.result).toBeUndefined();
    expect(p.error).toEqual([21, "Job not found", null]);
  });

  test("a response with a null id is a response that cannot be paired", () => {
    const p = parse('{"id":null,"result":null,"error":[20,"Parse error",null]}');
    expect([p.kind, p.rpc_id]).toEqual(["response", null]);
  });

  test("params absent → undefined", () => {
    expect(parse('{"id":1,"method":"client.get_version"}').params).toBeUndefined();
  });

  test.each([
    ["[1,2]", "not a JSON object (got array)"],
    ['[{"id":1,"method":"mining.subscribe","params":[]}]', "not a JSON object (got array)"],
    ["42", "not a JSON object (got number)"],
    ['"mining.notify"', "not a JSON object (got string)"],
    ["null", "not a JSON object (got null)"],
    ["true", "not a JSON object (got boolean)"],
  ])("non-object JSON %s is invalid", (raw, message) => {
    const p = parse(raw);
    expect(p.kind).toBe("invalid");
    expect(p.parse_error).toBe(message);
    expect(p.json).toEqual(JSON.parse(raw));
  });

  test.each([
    ['{"id":1}', "neither a request"],
    ['{"hello":"world"}', "neither a request"],
    ['{"result":true,"error":null}', 'response without an "id"'],
    ['{"id":1,"method":42,"params":[]}', '"method" must be a string'],
    ['{"id":{"x":1},"method":"mining.submit"}', '"id" must be a number, a string or null'],
    ['{"id":true,"result":true}', '"id" must be a number, a string or null'],
  ])("object %s is invalid", (raw, message) => {
    const p = parse(raw);
    expect(p.kind).toBe("invalid");
    expect(p.parse_error).toContain(message);
    expect(p.json).toEqual(JSON.parse(raw));
    expect(p.method).toBeNull();
  });

  test("whitespace-only line", () => {
    const p = parse(" \t ");
    expect([p.kind, p.raw, p.parse_error]).toEqual(["invalid", " \t ", "whitespace-only line"]);
  });

  test("surrounding whitespace is allowed and kept in raw", () => {
    const p = parse('  {"id":1,"result":true,"error":null}  ');
    expect(p.kind).toBe("response");
    expect(p.raw).toBe('  {"id":1,"result":true,"error":null}  ');
  });

  test("hostile strings are kept verbatim", () => {
    const raw = '{"id":2,"method":"mining.authorize","params":["<script>alert(1)</script>","\\"><img src=x onerror=alert(2)>"]}';
    const p = parse(raw);
    expect(p.raw).toBe(raw);
    expect(p.params).toEqual(["<script>alert(1)</script>", '"><img src=x onerror=alert(2)>']);
  });

  test("a UTF-8 BOM stays in raw (exact text) and makes the line invalid JSON", () => {
    const p = parse(new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]));
    expect(p.raw).toBe("\uFEFF{}");
    expect(p.kind).toBe("invalid");
  });

  test("non-ASCII UTF-8 text is decoded", () => {
    const p = parse('{"id":1,"method":"client.show_message","params":["Wartung – 10 min ✓"]}');
    expect(p.params).toEqual(["Wartung – 10 min ✓"]);
  });
});

describe("parseLine with the framer", () => {
  test("CRLF lines parse without the CR in raw", () => {
    const [l] = new LineFramer(1024).push(new TextEncoder().encode('{"id":1,"result":true,"error":null}\r\n'));
    const p = parseLine(l as FramedLine);
    expect(p.raw).toBe('{"id":1,"result":true,"error":null}');
    expect(p.kind).toBe("response");
  });

  test("the last line without a newline comes via flush and parses", () => {
    const f = new LineFramer(1024);
    f.push(new TextEncoder().encode('{"id":5,"method":"mining.submit","params":["w","j","00","504e86ed","b2957c02"]}'));
    const p = parseLine(f.flush() as FramedLine);
    expect([p.kind, p.method, p.rpc_id]).toEqual(["request", "mining.submit", 5]);
  });

  test("a truncated line is invalid, names the limit, keeps the prefix text", () => {
    const f = new LineFramer(16);
    const [l] = f.push(new TextEncoder().encode(`{"id":1,"method":"mining.notify","params":["${"a".repeat(100)}"]}\n`));
    const p = parseLine(l as FramedLine);
    expect(p.kind).toBe("invalid");
    expect(p.raw).toBe('{"id":1,"method"');
    expect(p.json).toBeNull();
    expect(p.parse_error).toBe("line longer than the capture limit of 16 bytes; relayed whole, captured truncated");
  });

  test("truncation inside a multi-byte character keeps the whole characters before it", () => {
    // "é" is 2 bytes; a 6-byte cut splits the third one.
    const p = parseLine(line(new TextEncoder().encode("ééé").subarray(0, 5), true));
    expect(p.raw).toBe("éé");
    expect(p.raw_hex).toBeNull();
  });
});

test("parseLine never throws on random bytes (seeded)", () => {
  let seed = 7;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const pieces = ['{"id":', '"method":', "null", "[", "]", "}", ",", '"', "\\u00", "1e999", "\xff", "é"];
  for (let i = 0; i < 500; i++) {
    let s = "";
    const n = Math.floor(rnd() * 12);
    for (let k = 0; k < n; k++) s += pieces[Math.floor(rnd() * pieces.length)];
    const bytes = new TextEncoder().encode(s);
    if (rnd() < 0.3 && bytes.length > 0) bytes[Math.floor(rnd() * bytes.length)] = Math.floor(rnd() * 256);
    const p = parseLine(line(bytes, rnd() < 0.1));
    expect(["request", "response", "notification", "invalid"]).toContain(p.kind);
    expect(p.kind === "invalid").toBe(p.parse_error !== null);
    expect((p.raw === null) !== (p.raw_hex === null)).toBe(true);
  }
});
