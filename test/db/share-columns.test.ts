import { afterAll, expect, test } from "bun:test";
import type { SubmitAnalysis } from "../../src/analysis/schema";
import { openDatabase } from "../../src/db/open";
import * as reader from "../../src/db/reader";
import { Storage } from "../../src/db/storage";
import { line, smallStore, tempDir, upstream } from "./fixtures";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const verdict = (v: Partial<SubmitAnalysis>): SubmitAnalysis => ({
  type: "submit", verdict: "valid", reason: null, hash: null, difficulty: null, target_difficulty: 1, network_difficulty: 1,
  job_id: "j", job_message_id: null, merkle_root: null, pool_result: null, pool_error: null, agrees: null, ...v,
});

test("the analysis round-trips through the database; verdict, agreement and share columns serve history filters", async () => {
  const url = tmp.url("shares.db");
  const st = Storage.open({ url, retention: { days: 0, maxMessages: 0 } });
  const store = smallStore(st.firstSeq);
  st.attach(store);
  store.openSession({ id: "s", miner_addr: "10.0.0.1:1", upstream });
  // line(…, 1) is a request.
  const submit = (a: SubmitAnalysis) => ({ ...line("s", 1), direction: "miner_to_pool" as const, analysis: a });
  const low = verdict({ verdict: "low_difficulty", reason: "below", hash: "00ab", difficulty: 0.5 });
  const block = verdict({ verdict: "block_candidate", hash: "0000", difficulty: 4096 });
  store.add(submit(low));
  store.add(submit(block));
  store.add(submit(verdict({ verdict: "unknown_job", reason: "job x was never sent" })));
  store.add(line("s", 3));
  // The pool's answer to a valid share: rejected, so the pool disagrees.
  const answer = verdict({ verdict: "valid", hash: "0001", difficulty: 2, pool_result: "rejected", pool_error: { code: 23, message: "Low difficulty share" }, agrees: false });
  store.add({ ...line("s", 5), direction: "pool_to_miner", analysis: answer });
  await st.close();
  const db = openDatabase(url);
  const rows = db.$client
    .query<{ d: number | null; m: number | null; b: number | null; v: string | null; a: number | null }, []>(
      "SELECT share_difficulty d, share_meets_target m, share_block_candidate b, verdict v, agrees a FROM messages ORDER BY seq",
    )
    .all();
  const lowFromDisk = reader.queryMessages(db, { share: "low" }, 10);
  const blocks = reader.queryMessages(db, { share: "block" }, 10);
  const disagree = reader.queryMessages(db, { agrees: false }, 10);
  const unknown = reader.queryMessages(db, { verdict: "unknown_job" }, 10);
  db.$client.close();
  expect(lowFromDisk.map((m) => m.analysis)).toEqual([low]);
  expect(blocks.map((m) => m.analysis)).toEqual([block]);
  expect(disagree.map((m) => m.analysis)).toEqual([answer]);
  expect(unknown.map((m) => m.analysis?.type === "submit" && m.analysis.verdict)).toEqual(["unknown_job"]);
  // The verdict column holds each verdict's letter (rows.ts verdictValues): low_difficulty c, block_candidate b, ...
  expect(rows).toEqual([
    // share_difficulty is no longer kept (no filter reads it; the analysis has the difficulty).
    { d: null, m: 0, b: 0, v: "c", a: null },
    { d: null, m: 1, b: 1, v: "b", a: null },
    { d: null, m: null, b: null, v: "d", a: null },
    { d: null, m: null, b: null, v: null, a: null },
    // An answer carries the verdict and agreement, but no share columns (those are the submit's).
    { d: null, m: null, b: null, v: "a", a: 0 },
  ]);
});
