import { afterAll, expect, test } from "bun:test";
import type { SubmitAnalysis } from "../../src/analysis/schema";
import { withPoolAnswer } from "../../src/analysis/verdict";
import type { MessageRecord } from "../../src/capture/records";
import { ANSWER_WINDOW } from "../../src/db/answers";
import { openDatabase } from "../../src/db/open";
import * as reader from "../../src/db/reader";
import { enforceRetention } from "../../src/db/retention";
import { prepareWrites, writeBatch } from "../../src/db/statements";
import { line, tempDir } from "./fixtures";

/**
 * A pool's answer keeps no analysis of its own on disk when it is its submit's with the answer applied (answers.ts):
 * read back exactly, and kept whole by retention before its submit goes.
 */

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const judged: SubmitAnalysis = {
  type: "submit", verdict: "valid", reason: null, hash: "00000000000000000001a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7",
  difficulty: 1234.5, target_difficulty: 1024, network_difficulty: 8.6e13, job_id: "4f1a", job_message_id: "1",
  merkle_root: "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100", pool_result: null, pool_error: null, agrees: null,
};

function pair(seq: number, answerLine: string, answerAnalysis: SubmitAnalysis | null): MessageRecord[] {
  const submitRaw = `{"params":["w.rig","4f1a","00000001","504e86ed","${seq.toString(16).padStart(8, "0")}"],"id":${seq},"method":"mining.submit"}`;
  const submit: MessageRecord = {
    ...line("s", seq), seq, id: String(seq), direction: "miner_to_pool", kind: "request", method: "mining.submit", raw: submitRaw,
    json: JSON.parse(submitRaw), rpc_id: seq, decoded: null, parse_error: null, reply_to: null, latency_ms: null, truncated: false, analysis: judged,
  };
  const json = JSON.parse(answerLine) as { result: unknown; error: unknown };
  const answer: MessageRecord = {
    ...line("s", seq + 1), seq: seq + 1, id: String(seq + 1), direction: "pool_to_miner", kind: "response", method: "mining.submit",
    raw: answerLine, json, rpc_id: seq, decoded: null, parse_error: null, reply_to: String(seq), latency_ms: 1.5, truncated: false,
    analysis: answerAnalysis ?? withPoolAnswer(judged, json.result, json.error),
  };
  return [submit, answer];
}

test("answers derive their analysis from their submit's; what does not derive is stored; retention keeps answers whole", () => {
  const db = openDatabase(tmp.url("answers.db"));
  const w = prepareWrites(db);
  const accepted = pair(1, '{"id":1,"result":true,"error":null}', null);
  const rejected = pair(3, '{"id":3,"result":null,"error":[23,"Low difficulty share",null]}', null);
  // An answer whose analysis is not the submit's with this answer applied (another version's, say): kept as it is.
  const odd = pair(5, '{"id":5,"result":true,"error":null}', { ...withPoolAnswer(judged, true, null), verdict: "stale", reason: "old job" });
  const records = [...accepted, ...rejected, ...odd];
  writeBatch(db, w, { msgs: records, sess: [], telemetry: [], seqHighWater: 6 });
  const c = db.$client;
  const derived = () => c.query<{ seq: number }, []>("SELECT seq FROM messages WHERE form & 32 AND analysis IS NULL ORDER BY seq").all().map((r) => r.seq);
  expect(derived()).toEqual([2, 4]);
  expect(reader.messagesAfter(db, {}, 0, 100)).toEqual(records);
  expect(reader.getMessage(db, "4")?.analysis).toMatchObject({ pool_result: "rejected", agrees: false, pool_error: { code: 23 } });
  // Retention takes the first submit (keep 5): its answer gets its analysis stored whole first.
  enforceRetention(db, { days: 0, maxMessages: 5 });
  expect(reader.getMessage(db, "1")).toBeUndefined();
  expect(derived()).toEqual([4]);
  expect(reader.messagesAfter(db, {}, 0, 100)).toEqual(records.slice(1));
  db.$client.close();
});

test("an answer far from its submit (past the window) keeps its analysis", () => {
  const db = openDatabase(tmp.url("far.db"));
  const w = prepareWrites(db);
  const [submit, answer] = pair(10, '{"id":10,"result":true,"error":null}', null);
  const far = { ...answer!, seq: 11 + ANSWER_WINDOW, id: String(11 + ANSWER_WINDOW) };
  writeBatch(db, w, { msgs: [submit!, far], sess: [], telemetry: [], seqHighWater: far.seq });
  expect(db.$client.query<{ n: number }, []>("SELECT count(*) AS n FROM messages WHERE form & 32").get()!.n).toBe(0);
  expect(reader.messagesAfter(db, {}, 0, 10)).toEqual([submit!, far]);
  db.$client.close();
});
