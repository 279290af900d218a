import { expect, test } from "bun:test";
import type { SubmitAnalysis } from "../../src/analysis/schema";
import { Verdict } from "../../src/analysis/schema";
import { analysisOfColumn, analysisToColumn } from "../../src/db/analysis-column";
import { packSubmit, unpackSubmit } from "../../src/db/analysis-pack";
import { hashDifficulty } from "../../src/stratum/header";

const base: SubmitAnalysis = {
  type: "submit",
  verdict: "valid",
  reason: null,
  hash: "00000000000000000001a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7",
  difficulty: 1234.5678,
  target_difficulty: 1024,
  network_difficulty: 86388558925171.02,
  job_id: "6a3f",
  job_message_id: "55001",
  merkle_root: "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100",
  pool_result: null,
  pool_error: null,
  agrees: null,
};

/** Exactly the same object back, key order included. */
const roundTrip = (a: SubmitAnalysis) => {
  const packed = packSubmit(a);
  expect(packed).not.toBeNull();
  const back = unpackSubmit(packed!);
  expect(JSON.stringify(back)).toBe(JSON.stringify(a));
  expect(back).toEqual(a);
  return packed!;
};

test("every verdict, pool result, agreement and error shape packs back exactly", () => {
  for (const verdict of Verdict.options)
    for (const [pool_result, pool_error] of [
      [null, null],
      ["accepted", null],
      ["rejected", { code: 23, message: "Low difficulty share" }],
      ["rejected", { code: null, message: null }],
      ["rejected", { code: -1.5, message: "ünïcödé ✓ \u0000 \n" }],
    ] as const)
      for (const agrees of [null, true, false]) roundTrip({ ...base, verdict, pool_result, pool_error, agrees });
});

test("nulls, odd numbers, text ids and long strings pack back exactly; a farm submit takes a fraction of its JSON", () => {
  const nulls = { ...base, hash: null, difficulty: null, target_difficulty: null, network_difficulty: null, job_id: null, job_message_id: null, merkle_root: null };
  expect(roundTrip(nulls).length).toBe(5);
  roundTrip({ ...base, difficulty: 2 ** -32, target_difficulty: Number.MAX_VALUE, network_difficulty: 5e-324 });
  for (const id of ["0", "9007199254740991", "007", "12a", "", "-1", "1".repeat(30)]) roundTrip({ ...base, job_message_id: id });
  roundTrip({ ...base, verdict: "bad_extranonce2_size", reason: "extranonce2 must be 8 bytes, got 4", job_id: "x".repeat(70_000) });
  const packed = roundTrip({ ...base, pool_result: "accepted", agrees: true });
  const json = JSON.stringify(Object.values(base));
  expect(packed.length).toBeLessThan(json.length / 2);
});

test("what would not come back exactly is not packed, and stays JSON text", () => {
  const odd: unknown[] = [
    { ...base, hash: base.hash!.toUpperCase() },
    { ...base, merkle_root: "abc" },
    { ...base, reason: "lone \ud800 surrogate" },
    { ...base, job_id: "\udfff" },
    { ...base, verdict: "newer_verdict" },
    { ...base, pool_result: "maybe" },
    { ...base, pool_error: { message: "keys swapped", code: 1 } },
    { ...base, pool_error: { code: 1, message: "extra", data: 2 } },
    { ...base, difficulty: "1" },
    { ...base, extra: true },
  ];
  for (const a of odd) {
    expect(packSubmit(a as SubmitAnalysis)).toBeNull();
    const cell = analysisToColumn(a as SubmitAnalysis);
    expect(typeof cell).toBe("string");
    expect(analysisOfColumn(cell)).toEqual(JSON.parse(JSON.stringify(a)));
  }
});

test("a submit stored as a JSON array before the packed form still reads back", () => {
  const before = JSON.stringify(Object.values(base));
  expect(analysisOfColumn(before)).toEqual(base);
});

test("a damaged packed cell is an error, not a wrong analysis", () => {
  const packed = packSubmit(base)!;
  expect(() => unpackSubmit(packed.subarray(0, packed.length - 3))).toThrow();
  expect(() => analysisOfColumn(new Uint8Array([9, 0, 0, 0]))).toThrow();
});

test("a share's difficulty that follows from its hash is left out, and comes back the same; a float32 target takes 4 bytes", () => {
  const hash = "00000000000000000003" + "5a".repeat(22);
  const d = hashDifficulty(Buffer.from(hash, "hex").reverse());
  const own = roundTrip({ ...base, hash, difficulty: d, target_difficulty: 2 ** -32 });
  const other = roundTrip({ ...base, hash, difficulty: d * 2, target_difficulty: 2 ** -32 });
  expect(other.length - own.length).toBe(8);
  const wide = roundTrip({ ...base, hash, difficulty: d, target_difficulty: 0.1 });
  expect(wide.length - own.length).toBe(4);
  // A zero hash: the check stores the largest finite number, and so does the derivation.
  roundTrip({ ...base, hash: "0".repeat(64), difficulty: Number.MAX_VALUE });
});
