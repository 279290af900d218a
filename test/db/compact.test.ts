import { afterAll, expect, test } from "bun:test";
import { CapturePipeline } from "../../src/capture/ingest";
import type { Direction, MessageRecord } from "../../src/capture/records";
import * as reader from "../../src/db/reader";
import { Storage } from "../../src/db/storage";
import { smallStore, tempDir, upstream } from "./fixtures";

/**
 * Compact rows (rows.ts) give back exactly the records the real capture pipeline made: json and decoded derived on
 * read, each notify line stored once, share analyses in columns. And `q` finds what users look for in them.
 */

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const NOTIFY =
  '{"id":null,"method":"mining.notify","params":["4f1a","4d16b6f85af6e2198f44ae2a6de67f78487ae5611b77c6c0440b921e00000000",' +
  '"01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff20020862062f503253482f04b8864e5008",' +
  '"072f736c7573682f000000000100f2052a010000001976a914d23fcdf86f7e756a64a7a9688ef9903327048ed988ac00000000",' +
  '["9f1e2b0c0d5e6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d"],"20000000","1c2ac4af","504e86b9",true]}';

/** One session's traffic: handshake, difficulty, a job, submits and their answers, and some bad lines. */
function traffic(worker: string): [Direction, string][] {
  return [
    ["miner_to_pool", '{"id":1,"method":"mining.subscribe","params":["cgminer/4.12.1"]}'],
    ["pool_to_miner", '{"id":1,"result":[[["mining.notify","ae6812eb4cd7735a302a8a9dd95cf71f"]],"08000002",4],"error":null}'],
    ["miner_to_pool", `{"id":2,"method":"mining.authorize","params":["${worker}","s3cret-password"]}`],
    ["pool_to_miner", '{"id":2,"result":true,"error":null}'],
    ["pool_to_miner", '{"id":null,"method":"mining.set_difficulty","params":[1]}'],
    ["pool_to_miner", NOTIFY],
    ["miner_to_pool", `{"params":["${worker}","4f1a","00000001","504e86ed","b2957c02"],"id":3,"method":"mining.submit"}`],
    ["pool_to_miner", '{"id":3,"result":true,"error":null}'],
    ["miner_to_pool", `{"params":["${worker}","4f1a","00000002","504e86ed","aa5c7d10"],"id":4,"method":"mining.submit"}`],
    ["pool_to_miner", '{"id": 4, "result": null, "error": [23, "Low difficulty share", null]}'], // spaced: json kept
    ["miner_to_pool", `{"params":["${worker}","zzzz","00000003","504e86ed","0badc0de"],"id":5,"method":"mining.submit"}`],
    ["miner_to_pool", "not json at all, from a broken rig"],
    ["miner_to_pool", '{"id":6,"method":"mining.submit","params":"wrong shape"}'],
  ];
}

test("records from the capture pipeline come back from disk exactly; a job shared by sessions is stored once; q finds them", async () => {
  const st = Storage.open({ url: tmp.url("compact.db"), retention: { days: 0, maxMessages: 0 } });
  const store = smallStore(st.firstSeq, 10_000, 10_000);
  st.attach(store);
  const pipe = new CapturePipeline(store, { maxLineBytes: 65_536, maxBacklogBytes: 1 << 20 });
  const enc = new TextEncoder();
  for (const [id, worker] of [["s1", "bc1qfarm.rig1"], ["s2", "bc1qfarm.rig2"]] as const) {
    store.openSession({ id, miner_addr: `10.0.0.1:${id}`, upstream });
    pipe.open(id);
    for (const [dir, text] of traffic(worker)) pipe.ingest(id, dir, enc.encode(text + "\n"), Date.now(), performance.now());
    pipe.ingest(id, "pool_to_miner", new Uint8Array([0xff, 0xfe, 0x0a]), Date.now(), performance.now()); // not UTF-8
  }
  pipe.drainAll();
  const memory: MessageRecord[] = store.since({}, 0, 1000);
  expect(memory.length).toBe(28);
  // The pipeline really analysed the shares (so the share columns are exercised).
  const hashed = memory.filter((m) => m.kind === "request" && m.analysis?.type === "submit" && m.analysis.hash !== null);
  expect(hashed.length).toBe(4);
  await st.flush();

  const disk = reader.messagesAfter(st.db, {}, 0, 1000);
  expect(disk).toEqual(memory);
  const c = st.db.$client;
  // The notify line once; each distinct decoded coinbase of its analyses once too (one per extranonce1 at most).
  expect(c.query<{ n: number }, [string]>("SELECT count(*) AS n FROM jobs WHERE raw = ?").get(NOTIFY)?.n).toBe(1);
  const coinbases = c.query<{ n: number }, []>("SELECT count(DISTINCT coinbase_job) AS n FROM messages").get()?.n;
  const notifies = memory.filter((m) => m.analysis?.type === "notify" && m.analysis.coinbase !== null).length;
  expect(coinbases).toBeGreaterThanOrEqual(1);
  expect(coinbases).toBeLessThanOrEqual(notifies);
  expect(c.query<{ n: number }, []>("SELECT count(*) AS n FROM jobs").get()?.n).toBe(1 + coinbases!);
  // Answers to judged submits keep no analysis of their own: it is their submit's with the answer applied.
  const derived = c.query<{ n: number }, []>("SELECT count(*) AS n FROM messages WHERE form & 32 AND analysis IS NULL").get()?.n;
  expect(derived).toBeGreaterThanOrEqual(2);
  // Derived, not stored: json and decoded are NULL in every row (the spaced answer too: its json re-parses the same).
  const stored = c.query<{ n: number }, []>("SELECT count(*) AS n FROM messages WHERE json IS NOT NULL OR decoded IS NOT NULL").get()?.n;
  expect(stored).toBe(0);
  // A record the decoders would not give back (e.g. an import from another version) is stored as it is, and read back.
  const odd = { ...memory[3]!, seq: 9_000, id: "9000", decoded: { ok: true, note: "added by hand" } };
  const w = (await import("../../src/db/statements")).prepareWrites(st.db);
  expect(w.insertMessage(odd)).toBe(true);
  expect(reader.getMessage(st.db, "9000")).toEqual(odd);
  const q = (text: string) => reader.queryMessages(st.db, { q: text }, 100).map((m) => m.seq);
  const seqsWhere = (pred: (m: MessageRecord) => boolean) => memory.filter(pred).map((m) => m.seq).reverse();
  expect(q("RIG2")).toEqual(seqsWhere((m) => m.session_id === "s2" && (m.method === "mining.authorize" || m.method === "mining.submit") && m.direction === "miner_to_pool" && (m.raw ?? "").includes("rig2")));
  expect(q("cgminer")).toHaveLength(2); // user agent
  expect(q("b2957c02")).toHaveLength(2); // exact nonce
  expect(q("b2957c0")).toEqual([]); // hex is matched whole
  expect(q("low difficulty")).toHaveLength(2); // error text
  expect(q("/slush/")).toHaveLength(2); // coinbase tag of the shared job
  expect(q("9f1e2b0c0d5e6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d")).toHaveLength(2); // merkle branch
  expect(q("broken rig")).toHaveLength(2); // an unparsable line by its text
  expect(q("s3cret")).toEqual([]); // passwords are not searchable
  expect(q("08000002")).toHaveLength(2); // extranonce1 in the subscribe answer
  // A record's `analysis` is kept as JSON beside it, whatever it says (here a disagreement written by hand).
  const submitAnalysis = hashed[0]!.analysis!;
  if (submitAnalysis.type !== "submit") throw new Error("a submit's analysis");
  const analysed = { ...hashed[0]!, seq: 9_001, id: "9001", analysis: { ...submitAnalysis, pool_result: "rejected" as const, agrees: false } };
  expect(w.insertMessage(analysed)).toBe(true);
  expect(reader.getMessage(st.db, "9001")).toEqual(analysed);

  await st.close();
});
