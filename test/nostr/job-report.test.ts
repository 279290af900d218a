import { describe, expect, test } from "bun:test";
import { bip34Height as bip34 } from "../../src/analysis/coinbase.ts";
import { coinbaseFacts, jobReport, subsidySat } from "../../src/nostr/job-report.ts";

const bip34Height = (script: Uint8Array) => bip34(script).height;
import { coinbaseParts } from "../../src/sim/jobs.ts";

/** Job facts from mining.notify: BIP34 height, coinbase outputs and value, empty template. */

const le = (n: number, bytes: number) => Array.from({ length: bytes }, (_, i) => (Math.floor(n / 256 ** i) & 0xff).toString(16).padStart(2, "0")).join("");

describe("job report", () => {
  test("height and coinbase value of a simulated pool's coinbase, split around 8 extranonce bytes", () => {
    const { coinb1, coinb2 } = coinbaseParts(840_123, "/hashscope-test/", 8);
    const f = coinbaseFacts(coinb1, coinb2, 8)!;
    expect(f.height).toBe(840_123);
    expect(f.outputs).toBe(1);
    // The value as written in coinb2 (8 bytes LE right after the output count).
    const at = coinb2.indexOf("ffffffff01") + 10;
    expect(f.value_sat).toBe(Number(BigInt(`0x${coinb2.slice(at, at + 16).match(/../g)!.reverse().join("")}`)));
    expect(f.value_sat).toBeGreaterThanOrEqual(312_500_000);
  });

  test("two outputs (reward and a zero-value witness commitment) are summed; a wrong extranonce size does not parse", () => {
    const script = "03" + le(900_000, 3) + "08";
    const coinb1 = "02000000" + "01" + "00".repeat(32) + "ffffffff" + le(script.length / 2 + 8, 1) + script;
    const commitment = "6a24aa21a9ed" + "11".repeat(32);
    const coinb2 = "ffffffff" + "02" + le(312_612_345, 8) + "16" + "0014" + "22".repeat(20) + le(0, 8) + le(commitment.length / 2, 1) + commitment + "00000000";
    expect(coinbaseFacts(coinb1, coinb2, 8)).toEqual({ height: 900_000, value_sat: 312_612_345, outputs: 2 });
    expect(coinbaseFacts(coinb1, coinb2, 7)).toBeNull();
    expect(coinbaseFacts(coinb1, coinb2, 9)).toBeNull();
    expect(coinbaseFacts("zz", coinb2, 8)).toBeNull();
    expect(coinbaseFacts(coinb1.slice(0, 20), coinb2, 8)).toBeNull();
  });

  test("BIP34 pushes: small heights as OP_n, multi-byte little-endian, garbage is null", () => {
    expect(bip34Height(Uint8Array.of(0x51))).toBe(1);
    expect(bip34Height(Uint8Array.of(0x01, 0x11))).toBe(17);
    expect(bip34Height(Uint8Array.of(0x03, 0x40, 0x0d, 0x03))).toBe(200_000);
    expect(bip34Height(Uint8Array.of(0x03, 0x40))).toBeNull();
    expect(bip34Height(Uint8Array.of(0x4c, 0x01, 0x01))).toBeNull();
    expect(bip34Height(new Uint8Array())).toBeNull();
  });

  test("subsidy halves every 210,000 blocks", () => {
    expect(subsidySat(0)).toBe(5_000_000_000);
    expect(subsidySat(840_000)).toBe(312_500_000);
    expect(subsidySat(64 * 210_000)).toBe(0);
  });

  test("from notify params: clean flag, branch count, empty template; hostile params are null", () => {
    const { coinb1, coinb2 } = coinbaseParts(840_500, "x", 8);
    const prev = "ab".repeat(32);
    const params = ["j1", prev, coinb1, coinb2, [], "20000000", "1703a30c", "66000000", true];
    const r = jobReport(params, "f000000f", 4, "2026-12-02T00:00:00.000Z")!;
    expect(r).toMatchObject({ job_id: "j1", prevhash: prev, height: 840_500, clean_jobs: true, merkle_branches: 0, empty: true, coinbase_outputs: 1 });
    const two = jobReport([...params.slice(0, 4), ["cd".repeat(32), "ef".repeat(32)], ...params.slice(5, 8), false], "f000000f", 4, r.received_at)!;
    expect(two).toMatchObject({ clean_jobs: false, merkle_branches: 2, empty: false });
    // Unknown extranonce sizes: the job is still reported, without what needs the coinbase.
    expect(jobReport(params, null, null, r.received_at)).toMatchObject({ height: null, coinbase_value_sat: null, merkle_branches: 0 });
    for (const bad of [null, {}, [], ["j", "nothex"], ["", prev, "", "", []], ["j", prev, "", "", "not-array"], { __proto__: ["j"] }]) {
      expect(jobReport(bad, "00", 4, r.received_at)).toBeNull();
    }
  });
});
