import { describe, expect, test } from "bun:test";
import { type FramedLine } from "../../src/stratum/framing";
import { decodeRequest, decodeResponse, KNOWN_METHODS } from "../../src/stratum/methods";
import { isShareAccepted, rpcOutcome, STRATUM_ERROR_NAMES } from "../../src/stratum/outcome";
import { parseLine } from "../../src/stratum/parse";

/** Parse a captured line and decode it the way capture does. */
const parsed = (raw: string) => {
  const bytes = new TextEncoder().encode(raw);
  return parseLine({ bytes, size_bytes: bytes.length + 1, truncated: false } satisfies FramedLine);
};
const req = (raw: string) => {
  const p = parsed(raw);
  return decodeRequest(p.method ?? "", p.params);
};
const res = (method: string | null, raw: string) => {
  const p = parsed(raw);
  expect(p.kind).toBe("response");
  return decodeResponse(method, p.result, p.error);
};

// The classic mining.notify from the Stratum v1 documentation (its prevhash is the prevhash test vector, docs/protocol.md#test-vectors).
const NOTIFY =
  '{"params": ["bf", "4d16b6f85af6e2198f44ae2a6de67f78487ae5611b77c6c0440b921e00000000", ' +
  '"01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff20020862062f503253482f04b8864e5008", ' +
  '"072f736c7573682f000000000100f2052a010000001976a914d23fcdf86f7e756a64a7a9688ef9903327048ed988ac00000000", [], ' +
  '"00000002", "1c2ac4af", "504e86b9", false], "id": null, "method": "mining.notify"}';

describe("requests and notifications", () => {
  test("mining.subscribe", () => {
    expect(req('{"id": 1, "method": "mining.subscribe", "params": ["cpuminer/2.5.0"]}')).toEqual({
      decoded: { user_agent: "cpuminer/2.5.0", session_id: null, host: null, port: null },
      error: null,
    });
    expect(req('{"id":1,"method":"mining.subscribe","params":["bmminer/2.0.0","0300a1c4","stratum.example.com",3333]}').decoded).toEqual(
      { user_agent: "bmminer/2.0.0", session_id: "0300a1c4", host: "stratum.example.com", port: 3333 },
    );
    expect(req('{"id":1,"method":"mining.subscribe","params":[]}').decoded).toEqual({
      user_agent: null,
      session_id: null,
      host: null,
      port: null,
    });
    expect(req('{"id":1,"method":"mining.subscribe","params":["NiceHash/1.0.0",null]}').decoded?.user_agent).toBe("NiceHash/1.0.0");
  });

  test("mining.authorize", () => {
    expect(req('{"params": ["slush.miner1", "password"], "id": 2, "method": "mining.authorize"}')).toEqual({
      decoded: { worker: "slush.miner1", password: "password" },
      error: null,
    });
    expect(req('{"id":2,"method":"mining.authorize","params":["bc1qworker.rig7"]}').decoded).toEqual({
      worker: "bc1qworker.rig7",
      password: null,
    });
    expect(req('{"id":2,"method":"mining.authorize","params":[]}').error).toContain("params[0] (worker)");
  });

  test("mining.configure (BIP310)", () => {
    const r = req(
      '{"method": "mining.configure","id": 1,"params": [["minimum-difficulty", "version-rolling"],' +
        '{"minimum-difficulty.value": 2048, "version-rolling.mask": "00fff000", "version-rolling.min-bit-count": 2}]}',
    );
    expect(r).toEqual({
      decoded: {
        extensions: ["minimum-difficulty", "version-rolling"],
        version_rolling_mask: "00fff000",
        version_rolling_min_bit_count: 2,
        minimum_difficulty: 2048,
        subscribe_extranonce: false,
        info: null,
      },
      error: null,
    });
    const withInfo = req(
      '{"id":1,"method":"mining.configure","params":[["version-rolling","subscribe-extranonce","info"],' +
        '{"version-rolling.mask":"1fffe000","info.connection-url":"stratum+tcp://pool:3333","info.sw-version":"bosminer 1.0","x-vendor":1}]}',
    );
    expect(withInfo.decoded).toMatchObject({
      subscribe_extranonce: true,
      version_rolling_mask: "1fffe000",
      info: { connection_url: "stratum+tcp://pool:3333", hw_version: null, sw_version: "bosminer 1.0", hw_id: null },
    });
    expect(req('{"id":1,"method":"mining.configure","params":[["version-rolling"],{"version-rolling.mask":"fff"}]}').error).toContain(
      "version-rolling.mask",
    );
  });

  test("mining.notify (documentation vector)", () => {
    const r = req(NOTIFY);
    expect(r.error).toBeNull();
    expect(r.decoded).toEqual({
      job_id: "bf",
      prevhash: "4d16b6f85af6e2198f44ae2a6de67f78487ae5611b77c6c0440b921e00000000",
      prevhash_display: "00000000440b921e1b77c6c0487ae5616de67f788f44ae2a5af6e2194d16b6f8",
      coinb1:
        "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff20020862062f503253482f04b8864e5008",
      coinb2: "072f736c7573682f000000000100f2052a010000001976a914d23fcdf86f7e756a64a7a9688ef9903327048ed988ac00000000",
      merkle_branch: [],
      version: "00000002",
      nbits: "1c2ac4af",
      ntime: "504e86b9",
      clean_jobs: false,
    });
  });

  test("mining.notify: extra trailing params are tolerated; wrong hex lengths are errors, not throws", () => {
    const base = JSON.parse(NOTIFY) as { params: unknown[] };
    expect(decodeRequest("mining.notify", [...base.params, "extra", 1]).error).toBeNull();
    const bad = [...base.params];
    bad[7] = "504e86";
    expect(decodeRequest("mining.notify", bad)).toEqual({
      decoded: null,
      error: "mining.notify: params[7] (ntime): expected 8 hex characters (4 bytes)",
    });
    const badPrev = [...base.params];
    badPrev[1] = "4d16b6f8";
    expect(decodeRequest("mining.notify", badPrev).error).toContain("params[1] (prevhash): expected 64 hex characters");
    const badBranch = [...base.params];
    badBranch[4] = ["zz"];
    expect(decodeRequest("mining.notify", badBranch).error).toContain("params[4] (merkle_branch)[0]");
    // The original parser test's placeholder notify is not a valid notify.
    expect(req('{"method": "mining.notify", "params": ["job1", "prevhash", "c1", "c2", [], "version", "nbits", "ntime", true]}').error).toContain(
      "prevhash",
    );
    expect(decodeRequest("mining.notify", "not-an-array").error).toContain("expected tuple");
  });

  test("mining.submit", () => {
    expect(req('{"params": ["slush.miner1", "bf", "00000001", "504e86ed", "b2957c02"], "id": 4, "method": "mining.submit"}')).toEqual({
      decoded: { worker: "slush.miner1", job_id: "bf", extranonce2: "00000001", ntime: "504e86ed", nonce: "b2957c02", version_bits: null },
      error: null,
    });
    expect(
      req('{"id":7,"method":"mining.submit","params":["wallet.rig1","job123","0b00000000b7ce3f","695f100e","2ae00486","0492a000"]}').decoded,
    ).toEqual({
      worker: "wallet.rig1",
      job_id: "job123",
      extranonce2: "0b00000000b7ce3f",
      ntime: "695f100e",
      nonce: "2ae00486",
      version_bits: "0492a000",
    });
    expect(req('{"id":7,"method":"mining.submit","params":["w","j","00","695f100e","2ae0048"]}').error).toBe(
      "mining.submit: params[4] (nonce): expected 8 hex characters (4 bytes)",
    );
    expect(req('{"id":7,"method":"mining.submit","params":["w","j","0","695f100e","2ae00486"]}').error).toContain("(extranonce2)");
    expect(req('{"id":7,"method":"mining.submit","params":["w","j","00","695f100e","2ae00486","xyz"]}').error).toContain("(version_bits)");
  });

  test("mining.set_difficulty and mining.suggest_difficulty", () => {
    expect(req('{"id":null,"method":"mining.set_difficulty","params":[16384]}')).toEqual({ decoded: { difficulty: 16384 }, error: null });
    expect(req('{"id":null,"method":"mining.set_difficulty","params":[0.0005]}').decoded).toEqual({ difficulty: 0.0005 });
    expect(req('{"id":null,"method":"mining.set_difficulty","params":["abc"]}').error).toContain("params[0] (difficulty)");
    expect(req('{"id":null,"method":"mining.set_difficulty","params":[0]}').error).toContain("(difficulty)");
    expect(req('{"id":3,"method":"mining.suggest_difficulty","params":[512]}').decoded).toEqual({ difficulty: 512 });
  });

  test("mining.set_extranonce, mining.extranonce.subscribe, mining.set_version_mask", () => {
    expect(req('{"id":null,"method":"mining.set_extranonce","params":["08000002",4]}').decoded).toEqual({
      extranonce1: "08000002",
      extranonce2_size: 4,
    });
    expect(req('{"id":null,"method":"mining.set_extranonce","params":["08000002",-1]}').error).toContain("extranonce2_size");
    expect(req('{"id": 3, "method": "mining.extranonce.subscribe", "params": []}')).toEqual({ decoded: {}, error: null });
    expect(req('{"id":null,"method":"mining.set_version_mask","params":["1fffe000"]}').decoded).toEqual({ version_mask: "1fffe000" });
    expect(req('{"id":null,"method":"mining.set_version_mask","params":["1fffe0"]}').error).toContain("(version_mask)");
  });

  test("client.reconnect, client.show_message, client.get_version", () => {
    expect(req('{"id":null,"method":"client.reconnect","params":["stratum.example.com",3333,5]}').decoded).toEqual({
      host: "stratum.example.com",
      port: 3333,
      wait_seconds: 5,
    });
    expect(req('{"id":null,"method":"client.reconnect","params":["stratum.example.com","3334"]}').decoded).toEqual({
      host: "stratum.example.com",
      port: 3334,
      wait_seconds: null,
    });
    expect(req('{"id":null,"method":"client.reconnect","params":[]}').decoded).toEqual({ host: null, port: null, wait_seconds: null });
    expect(req('{"id":null,"method":"client.reconnect","params":["h",70000]}').error).toContain("(port)");
    expect(req('{"id":null,"method":"client.show_message","params":["Maintenance in 10 minutes <b>now</b>"]}').decoded).toEqual({
      message: "Maintenance in 10 minutes <b>now</b>",
    });
    expect(req('{"id":5,"method":"client.get_version","params":[]}')).toEqual({ decoded: {}, error: null });
    expect(req('{"id":5,"method":"client.get_version"}')).toEqual({ decoded: {}, error: null });
    expect(req('{"id":5,"method":"client.get_version","params":null}')).toEqual({ decoded: {}, error: null });
    expect(req('{"id":5,"method":"mining.set_difficulty","params":{"difficulty":1}}').error).toContain("expected tuple");
  });

  test("unknown methods decode to nothing, without error", () => {
    expect(req('{"id":9,"method":"mining.ping","params":[]}')).toEqual({ decoded: null, error: null });
    expect(decodeRequest("__proto__", [])).toEqual({ decoded: null, error: null });
    expect(decodeRequest("toString", [])).toEqual({ decoded: null, error: null });
  });

  test("KNOWN_METHODS lists every method of docs/protocol.md#methods", () => {
    expect([...KNOWN_METHODS].sort()).toEqual(
      [
        "mining.subscribe",
        "mining.authorize",
        "mining.configure",
        "mining.notify",
        "mining.submit",
        "mining.set_difficulty",
        "mining.set_extranonce",
        "mining.extranonce.subscribe",
        "mining.set_version_mask",
        "mining.suggest_difficulty",
        "client.reconnect",
        "client.show_message",
        "client.get_version",
      ].sort(),
    );
  });
});

describe("responses", () => {
  test("mining.subscribe: nested subscriptions", () => {
    const r = res(
      "mining.subscribe",
      '{"id": 1, "result": [ [ ["mining.set_difficulty", "b4b6693b72a50c7116db18d6497cac52"], ' +
        '["mining.notify", "ae6812eb4cd7735a302a8a9dd95cf71f"]], "08000002", 4], "error": null}',
    );
    expect(r).toEqual({
      decoded: {
        ok: true,
        subscriptions: [
          { method: "mining.set_difficulty", id: "b4b6693b72a50c7116db18d6497cac52" },
          { method: "mining.notify", id: "ae6812eb4cd7735a302a8a9dd95cf71f" },
        ],
        extranonce1: "08000002",
        extranonce2_size: 4,
      },
      error: null,
    });
  });

  test("mining.subscribe: flat pair form and the original test vector", () => {
    expect(res("mining.subscribe", '{"id":1,"result":[["mining.notify","ae6812eb4cd7735a302a8a9dd95cf71f"],"f8002c90",4],"error":null}').decoded).toEqual({
      ok: true,
      subscriptions: [{ method: "mining.notify", id: "ae6812eb4cd7735a302a8a9dd95cf71f" }],
      extranonce1: "f8002c90",
      extranonce2_size: 4,
    });
    expect(res("mining.subscribe", '{"id": 1, "result": [[["mining.notify", "1234"]], "deadbeef", 4], "error": null}').decoded).toMatchObject({
      subscriptions: [{ method: "mining.notify", id: "1234" }],
      extranonce1: "deadbeef",
    });
  });

  test("mining.subscribe: a result of the wrong shape keeps the outcome and reports the error", () => {
    expect(res("mining.subscribe", '{"id":1,"result":[[], "xyz", 4],"error":null}')).toEqual({
      decoded: { ok: true },
      error: "mining.subscribe: result[1]: expected hex (even length)",
    });
  });

  test("mining.configure result", () => {
    const r = res(
      "mining.configure",
      '{"error": null,"id": 1,"result": {"version-rolling": true,"version-rolling.mask": "007f8000","minimum-difficulty": true}}',
    );
    expect(r).toEqual({
      decoded: {
        ok: true,
        version_rolling: true,
        version_rolling_mask: "007f8000",
        minimum_difficulty: true,
        subscribe_extranonce: null,
        info: null,
        extension_errors: {},
      },
      error: null,
    });
    const refused = res("mining.configure", '{"id":1,"result":{"version-rolling":false,"info":"not supported"},"error":null}');
    expect(refused.decoded).toMatchObject({ ok: true, version_rolling: false, version_rolling_mask: null, info: false });
    expect(refused.decoded?.extension_errors).toEqual({ info: "not supported" });
  });

  test("client.get_version result", () => {
    expect(res("client.get_version", '{"id":5,"result":"cgminer/4.12.0","error":null}').decoded).toEqual({ ok: true, version: "cgminer/4.12.0" });
  });

  test("boolean results: authorize, submit, extranonce.subscribe, suggest_difficulty", () => {
    for (const m of ["mining.authorize", "mining.submit", "mining.extranonce.subscribe", "mining.suggest_difficulty"]) {
      expect(res(m, '{"error": null, "id": 2, "result": true}')).toEqual({ decoded: { ok: true }, error: null });
    }
  });

  test("rejections in every shape seen in the wild", () => {
    const cases: [string, unknown][] = [
      ['{"id":4,"result":null,"error":[21,"Job not found",null]}', { code: 21, message: "Job not found", data: null }],
      ['{"id":4,"result":null,"error":[23,"Low difficulty share"]}', { code: 23, message: "Low difficulty share", data: null }],
      ['{"id":4,"result":false,"error":[22,"Duplicate share",{"hash":"00ab"}]}', { code: 22, message: "Duplicate share", data: { hash: "00ab" } }],
      ['{"id":4,"result":null,"error":"Stale share"}', { code: null, message: "Stale share", data: null }],
      ['{"id":4,"result":null,"error":{"code":24,"message":"Unauthorized worker"}}', { code: 24, message: "Unauthorized worker", data: null }],
      ['{"id":4,"result":null,"error":[-3,"Method not found",null]}', { code: -3, message: "Method not found", data: null }],
      ['{"id":4,"result":null,"error":-3}', { code: -3, message: "unknown method", data: null }],
      ['{"id":4,"result":null,"error":[25,null,null]}', { code: 25, message: "not subscribed", data: null }],
      ['{"id":4,"result":false,"error":null}', { code: null, message: "result false", data: null }],
      ['{"id":4,"result":null,"error":null}', { code: null, message: "result null", data: null }],
    ];
    for (const [raw, error] of cases) {
      expect(res("mining.submit", raw)).toEqual({ decoded: { ok: false, error }, error: null });
    }
  });

  test("unpaired and unknown-method responses still carry the outcome", () => {
    expect(res(null, '{"id":77,"result":true,"error":null}')).toEqual({ decoded: { ok: true }, error: null });
    expect(res("mining.ping", '{"id":77,"result":"pong","error":null}')).toEqual({ decoded: { ok: true }, error: null });
    expect(res(null, '{"id":77,"result":null,"error":[20,"Other",null]}').decoded).toEqual({
      ok: false,
      error: { code: 20, message: "Other", data: null },
    });
  });

  test("mining.submit: only result true is acceptance", () => {
    expect(res("mining.submit", '{"id":4,"result":"ok","error":null}').decoded).toMatchObject({ ok: false });
    expect(res("mining.authorize", '{"id":4,"result":"ok","error":null}').error).toContain("expected boolean");
  });
});

describe("outcome", () => {
  test("rpcOutcome", () => {
    expect(rpcOutcome(true, null)).toEqual({ ok: true, code: null, message: null });
    expect(rpcOutcome({ a: 1 }, undefined)).toEqual({ ok: true, code: null, message: null });
    expect(rpcOutcome(false, null)).toEqual({ ok: false, code: null, message: "result false" });
    expect(rpcOutcome(null, null)).toEqual({ ok: false, code: null, message: "result null" });
    expect(rpcOutcome(true, [21, "Job not found", null])).toEqual({ ok: false, code: 21, message: "Job not found" });
    expect(rpcOutcome(null, "21")).toEqual({ ok: false, code: 21, message: "job not found (stale)" });
    expect(rpcOutcome(null, { code: -32601 })).toEqual({ ok: false, code: -32601, message: "method not found" });
    expect(rpcOutcome(null, [])).toEqual({ ok: false, code: null, message: "unknown error" });
  });

  test("isShareAccepted", () => {
    expect(isShareAccepted(true, null)).toBe(true);
    expect(isShareAccepted(true, undefined)).toBe(true);
    expect(isShareAccepted(true, [21, "Job not found", null])).toBe(false);
    expect(isShareAccepted(false, null)).toBe(false);
    expect(isShareAccepted(null, null)).toBe(false);
    expect(isShareAccepted("true", null)).toBe(false);
  });

  test("STRATUM_ERROR_NAMES", () => {
    expect(STRATUM_ERROR_NAMES[20]).toBe("other");
    expect(STRATUM_ERROR_NAMES[21]).toBe("job not found (stale)");
    expect(STRATUM_ERROR_NAMES[22]).toBe("duplicate share");
    expect(STRATUM_ERROR_NAMES[23]).toBe("low difficulty share");
    expect(STRATUM_ERROR_NAMES[24]).toBe("unauthorized worker");
    expect(STRATUM_ERROR_NAMES[25]).toBe("not subscribed");
  });
});
