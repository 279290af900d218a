import { expect, test } from "bun:test";
import { isDerived } from "../../src/capture/derived";
import { CapturePipeline } from "../../src/capture/ingest";
import type { Direction, MessageRecord } from "../../src/capture/records";
import { CaptureStore } from "../../src/capture/store";
import { analysisOfColumn, analysisToColumn } from "../../src/db/analysis-column";
import { messageToRow } from "../../src/db/rows";
import { decodeBatch, encodeBatch, SHARED_LINE_MIN, toWireBatch, toWireMessage } from "../../src/db/wire";
import { openDatabase } from "../../src/db/open";
import * as reader from "../../src/db/reader";
import { WorkerSink } from "../../src/db/sink";
import { line, noRetention, tempDir, upstream } from "./fixtures";

/**
 * The writer trusts records the capture pipeline marked as deriving json, rpc_id and decoded from their line
 * (capture/derived.ts) instead of checking each: here every marked record is checked all the same, on traffic with
 * the cases that must not be marked (redacted passwords, an answer without an id, bad lines). And a batch crosses to
 * the writer thread (wire.ts) without losing anything.
 */

const NOTIFY =
  '{"id":null,"method":"mining.notify","params":["4f1a","4d16b6f85af6e2198f44ae2a6de67f78487ae5611b77c6c0440b921e00000000",' +
  `"01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff20020862062f503253482f04b8864e5008${"ab".repeat(120)}",` +
  '"072f736c7573682f000000000100f2052a010000001976a914d23fcdf86f7e756a64a7a9688ef9903327048ed988ac00000000",' +
  '["9f1e2b0c0d5e6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d"],"20000000","1c2ac4af","504e86b9",true]}';

const TRAFFIC: [Direction, string][] = [
  ["miner_to_pool", '{"id":1,"method":"mining.subscribe","params":["cgminer/4.12.1"]}'],
  ["pool_to_miner", '{"id":1,"result":[[["mining.notify","ae6812eb4cd7735a302a8a9dd95cf71f"]],"08000002",4],"error":null}'],
  ["miner_to_pool", '{"id":2,"method":"mining.authorize","params":["bc1qfarm.rig1","s3cret-password"]}'],
  ["pool_to_miner", '{"id":2,"result":true,"error":null}'],
  ["pool_to_miner", '{"id":null,"method":"mining.set_difficulty","params":[1]}'],
  ["pool_to_miner", NOTIFY],
  ["pool_to_miner", NOTIFY],
  ["miner_to_pool", '{"params":["bc1qfarm.rig1","4f1a","00000001","504e86ed","b2957c02"],"id":3,"method":"mining.submit"}'],
  ["pool_to_miner", '{"id":3,"result":true,"error":null}'],
  ["miner_to_pool", '{ "params" : ["bc1qfarm.rig1","4f1a","00000002","504e86ed","aa5c7d10"], "id":4, "method":"mining.submit" }'],
  ["pool_to_miner", '{"id": 4, "result": null, "error": [23, "Low difficulty share", null]}'],
  ["pool_to_miner", '{"id":null,"result":null,"error":[20,"cannot read that line",null]}'], // no id: decoded, not derived
  ["miner_to_pool", '{"id":7,"method":"mining.vendor_extension","params":{"a":1}}'],
  ["miner_to_pool", '{"id":6,"method":"mining.submit","params":"wrong shape"}'],
  ["miner_to_pool", '{"id":8,"method":"mining.authorize","params":"mining.authorize but broken"'],
  ["miner_to_pool", "not json at all, from a broken rig"],
  ["miner_to_pool", `{"id":9,"method":"mining.suggest_difficulty","params":["${"x".repeat(2000)}"]}`], // truncated (limit 1500)
];

function capture(redactPasswords: boolean): MessageRecord[] {
  const store = new CaptureStore({ maxMessages: 1000, maxPerSession: 1000, maxSessions: 10 }, 1);
  const pipe = new CapturePipeline(store, { maxLineBytes: 1500, maxBacklogBytes: 1 << 20, redactPasswords });
  const enc = new TextEncoder();
  store.openSession({ id: "s1", miner_addr: "10.0.0.1:1", upstream });
  pipe.open("s1");
  for (const [dir, text] of TRAFFIC) pipe.ingest("s1", dir, enc.encode(text + "\n"), Date.now(), performance.now());
  pipe.ingest("s1", "pool_to_miner", new Uint8Array([0xff, 0xfe, 0x0a]), Date.now(), performance.now()); // not UTF-8
  pipe.drainAll();
  return store.since({}, 0, 1000);
}

test("every record the pipeline marks as derived is one the full check derives too; the others are not marked", () => {
  for (const redact of [false, true]) {
    const records = capture(redact);
    expect(records.length).toBe(TRAFFIC.length + 1);
    let marked = 0;
    for (const m of records) {
      const checked = messageToRow({ ...toWireMessage(m), whole: { json: m.json, decoded: m.decoded } }, { sess: 1 });
      if (isDerived(m)) {
        marked++;
        expect(messageToRow(toWireMessage(m), { sess: 1 })).toEqual(checked);
      }
    }
    const unmarked = records.filter((m) => !isDerived(m)).map((m) => m.raw?.slice(0, 40) ?? m.raw_hex);
    // The id-less answer, the three lines that do not parse (one cut at the capture limit), the not-UTF-8 bytes, and
    // with redaction the authorize (its password masked in json and decoded).
    expect(unmarked.length).toBe(redact ? 6 : 5);
    expect(marked).toBe(records.length - unmarked.length);
  }
});

test("a batch crosses to the writer thread whole: long lines once, every field as it was", () => {
  const records = capture(true);
  const batch = { msgs: records, sess: [], telemetry: [], seqHighWater: 99 };
  const text = encodeBatch(batch);
  expect(text.split("2f736c7573682f").length - 1).toBe(1); // the notify line (a tag of its coinbase) once, of two copies
  expect(NOTIFY.length).toBeGreaterThanOrEqual(SHARED_LINE_MIN);
  expect(decodeBatch(text)).toEqual(toWireBatch(batch));
});

test("an analysis is stored without its key names (a submit's packed as bytes), and comes back the same", () => {
  const records = capture(false).filter((m) => m.analysis !== null);
  expect(new Set(records.map((m) => m.analysis!.type))).toEqual(new Set(["submit", "notify"]));
  for (const m of records) {
    const cell = analysisToColumn(m.analysis)!;
    if (m.analysis!.type === "submit") expect(cell).toBeInstanceOf(Uint8Array);
    else expect(typeof cell === "string" && cell.startsWith("[")).toBe(true);
    expect(analysisOfColumn(cell)).toEqual(m.analysis);
    expect(JSON.stringify(analysisOfColumn(cell))).toBe(JSON.stringify(m.analysis)); // key order too
  }
  // Anything else (another key, a key left out, a value undefined) stays JSON text of the object.
  for (const a of [records.find((m) => m.analysis!.type === "notify")!.analysis!, records.find((m) => m.analysis!.type === "submit")!.analysis!]) {
    for (const odd of [{ ...a, extra: 1 }, { ...a, job_id: undefined }, Object.fromEntries(Object.entries(a).slice(1))]) {
      const cell = analysisToColumn(odd as typeof a)!;
      expect(typeof cell === "string" && cell.startsWith("{")).toBe(true);
      expect(analysisOfColumn(cell)).toEqual(JSON.parse(JSON.stringify(odd)));
    }
  }
});

test("a batch bigger than one piece reaches the writer thread whole, as one transaction, sessions and high-water mark with it", async () => {
  const tmp = tempDir();
  const url = tmp.url("pieces.db");
  openDatabase(url).$client.close(); // migrations, as Storage does before the thread opens its connection
  const sink = new WorkerSink(url, noRetention);
  const msgs = Array.from({ length: 4_500 }, (_, i) => ({ ...line("s1", i + 1), seq: i + 1, id: String(i + 1) }));
  const session = { ...new CaptureStore({ maxMessages: 10, maxPerSession: 10, maxSessions: 10 }, 1).openSession({ id: "s1", miner_addr: "10.0.0.1:1", upstream }) };
  await sink.write({ msgs, sess: [session], telemetry: [], seqHighWater: 9_999 });
  await sink.close();
  const db = openDatabase(url);
  expect(reader.messageCount(db)).toBe(4_500);
  expect(reader.queryMessages(db, {}, 4_500).map((m) => m.seq)).toEqual(msgs.map((m) => m.seq).reverse());
  expect(db.$client.query<{ value: string }, []>("SELECT value FROM meta WHERE key = 'seq_high_water'").get()?.value).toBe("9999");
  expect(db.$client.query<{ n: number }, []>("SELECT count(*) AS n FROM sessions").get()?.n).toBe(1);
  db.$client.close();
  tmp.cleanup();
});
