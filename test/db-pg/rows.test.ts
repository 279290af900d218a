import { expect, test } from "bun:test";
import type { MessageRecord } from "../../src/capture/records";
import { analysisOfStored, analysisToStored } from "../../src/db/pg/analysis";
import { canShareLine, messageToPgRow, prepare, rowToMessage } from "../../src/db/pg/rows";
import { toWireMessage } from "../../src/db/wire";

/** The compact PostgreSQL record (no server needed): whatever a record holds, its row gives it back exactly. */

const base: MessageRecord = {
  id: "41",
  seq: 41,
  session_id: "s",
  direction: "miner_to_pool",
  ts: "2026-12-01T10:00:00.000Z",
  size_bytes: 80,
  raw: '{"id":7,"method":"mining.submit","params":["w.1","4f","00000001","504e86ed","deadbeef"]}',
  raw_hex: null,
  kind: "request",
  method: "mining.submit",
  rpc_id: 7,
  json: { id: 7, method: "mining.submit", params: ["w.1", "4f", "00000001", "504e86ed", "deadbeef"] },
  decoded: { worker: "w.1", job_id: "4f", extranonce2: "00000001", ntime: "504e86ed", nonce: "deadbeef", version_bits: null },
  parse_error: null,
  reply_to: null,
  latency_ms: null,
  truncated: false,
  analysis: null,
};

/** Write as the writer does (a record not marked as captured: every derived field is checked), read as reads do. */
function roundTrip(m: MessageRecord, job: number | null = null) {
  const p = prepare(toWireMessage(JSON.parse(JSON.stringify(m)) as MessageRecord));
  const row = messageToPgRow(p, "x", job);
  const back = rowToMessage({ ...row, method: row.method ?? null, raw: row.raw ?? null, job: row.job ?? null, job_raw: job === null ? null : m.raw });
  return { row, back, form: JSON.parse(row.record)[0] as number, shares: canShareLine(p) };
}

test("records that derive from their line are stored as the line alone, and come back exactly", () => {
  const { row, back, form } = roundTrip(base);
  expect(form).toBe(7);
  expect(back).toEqual(base);
  expect(JSON.stringify(back)).toBe(JSON.stringify(base)); // the record schema's key order
  expect(row.raw).toBe(base.raw);
  expect(row.record).toBe("[7]");
});

test("whatever does not derive is kept: edited json, rpc_id or decoded, odd ids and times, truncated and hex-only lines", () => {
  const cases: MessageRecord[] = [
    { ...base, json: { ...(base.json as Record<string, unknown>), extra: 1 } },
    { ...base, raw: base.raw!.replace('{"id"', '{ "id"') }, // same json, raw not canonical: still derived
    { ...base, rpc_id: "7" },
    { ...base, decoded: { ...base.decoded, worker: "other" } },
    { ...base, decoded: null },
    { ...base, id: "imported-41", ts: "2026-12-01T10:00:00Z" },
    { ...base, ts: "not a time" },
    { ...base, truncated: true, raw: base.raw!.slice(0, 30), json: null, decoded: null, rpc_id: null },
    { ...base, truncated: true, raw: base.raw!.slice(0, 30) }, // a truncated line with json (a test's, an import's)
    { ...base, kind: "invalid", raw: null, raw_hex: "ff00ff", json: null, decoded: null, rpc_id: null, method: null, parse_error: "not UTF-8" },
    { ...base, kind: "response", direction: "pool_to_miner", raw: '{"id":7,"result":true,"error":null}', json: { id: 7, result: true, error: null }, decoded: { ok: true }, reply_to: "40", latency_ms: 1.25 },
    { ...base, json: undefined as unknown as null },
    { ...base, raw: "0", json: false, decoded: null, rpc_id: null }, // a json value that is not null, as the last element
  ];
  for (const m of cases) {
    const want = JSON.parse(JSON.stringify(m)) as MessageRecord;
    if (want.json === undefined) want.json = null; // a record without json reads as json null (as on SQLite)
    expect({ m, back: roundTrip(m).back }).toEqual({ m, back: want });
  }
  expect(roundTrip(cases[0]!).form & 1).toBe(0);
  expect(roundTrip(cases[1]!).form & 1).toBe(1);
  expect(roundTrip(cases[2]!).form & 2).toBe(0);
  expect(roundTrip(cases[3]!).form & 4).toBe(0);
});

test("only a notify whose texts come from its line alone may keep its line in jobs", () => {
  const notify: MessageRecord = {
    ...base, direction: "pool_to_miner", kind: "notification", method: "mining.notify", rpc_id: null, decoded: null,
    raw: '{"id":null,"method":"mining.notify","params":["1"]}', json: { id: null, method: "mining.notify", params: ["1"] },
  };
  expect(roundTrip(notify).shares).toBe(true);
  const { row, back } = roundTrip(notify, 12345);
  expect(row.search).toBe("");
  expect(row.raw).toBeNull();
  expect(back.raw).toBe(notify.raw);
  expect(roundTrip({ ...notify, parse_error: "mining.notify: params[1] (prevhash): expected 64 hex characters" }).shares).toBe(false);
  expect(roundTrip({ ...notify, json: { edited: true } }).shares).toBe(false);
  expect(roundTrip({ ...notify, truncated: true, json: null }).shares).toBe(false);
  expect(roundTrip({ ...base }).shares).toBe(false);
});

test("an analysis with the usual keys is stored without them; any other shape as it is", () => {
  const submit = {
    type: "submit", verdict: "valid", reason: null, hash: "00ab", difficulty: 2, target_difficulty: 1, network_difficulty: 1e12,
    job_id: "4f", job_message_id: "40", merkle_root: null, pool_result: "accepted", pool_error: { code: 23, message: "x" }, agrees: true,
  } as const;
  const stored = analysisToStored(submit);
  expect(Array.isArray(stored)).toBe(true);
  expect(JSON.stringify(analysisOfStored(JSON.parse(JSON.stringify(stored))))).toBe(JSON.stringify(submit));
  // Older exports lack job_message_id; a future key; another key order: kept whole.
  const { job_message_id: _, ...older } = submit;
  const reordered = Object.fromEntries(Object.entries(submit).reverse());
  for (const a of [older, { ...submit, future: 1 }, reordered]) {
    const s = analysisToStored(a as never);
    expect(s).toBe(a as never);
  }
  const r = roundTrip({ ...base, analysis: submit });
  expect(r.back.analysis).toEqual(submit);
  expect(r.row.record).not.toContain("target_difficulty");
});
