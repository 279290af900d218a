import { afterAll, expect, test } from "bun:test";
import { openDatabase } from "../../src/db/open";
import * as reader from "../../src/db/reader";
import { Storage } from "../../src/db/storage";
import { line, smallStore, tempDir, upstream } from "./fixtures";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

test("share analysis is stored as columns (queryable history: low shares, block candidates)", async () => {
  const url = tmp.url("shares.db");
  const st = Storage.open({ url, retention: { days: 0, maxMessages: 0 } });
  const store = smallStore(st.firstSeq);
  st.attach(store);
  store.openSession({ id: "s", miner_addr: "10.0.0.1:1", upstream });
  const submit = (share: Record<string, unknown>) => ({ ...line("s", 0), decoded: { worker: "w", share } });
  store.add(submit({ ok: true, hash: "00ab", difficulty: 0.5, target_difficulty: 1, meets_target: false, network_difficulty: 1, block_candidate: false }));
  store.add(submit({ ok: true, hash: "0000", difficulty: 4096, target_difficulty: 1, meets_target: true, network_difficulty: 1, block_candidate: true }));
  store.add(submit({ ok: false, reason: "job x was not seen on this session" }));
  store.add(line("s", 1));
  await st.close();
  const db = openDatabase(url);
  const rows = db.$client
    .query<{ d: number | null; m: number | null; b: number | null }, []>(
      "SELECT share_difficulty d, share_meets_target m, share_block_candidate b FROM messages ORDER BY seq",
    )
    .all();
  const low = db.$client.query<{ n: number }, []>("SELECT count(*) n FROM messages WHERE share_meets_target = 0").get()!.n;
  // The API's share filter reads the same columns from disk.
  const lowFromDisk = reader.queryMessages(db, { share: "low" }, 10);
  const blocks = reader.queryMessages(db, { share: "block" }, 10);
  db.$client.close();
  expect(lowFromDisk.map((m) => (m.decoded!.share as { difficulty: number }).difficulty)).toEqual([0.5]);
  expect(blocks.map((m) => (m.decoded!.share as { difficulty: number }).difficulty)).toEqual([4096]);
  expect(rows).toEqual([
    { d: 0.5, m: 0, b: 0 },
    { d: 4096, m: 1, b: 1 },
    { d: null, m: null, b: null },
    { d: null, m: null, b: null },
  ]);
  expect(low).toBe(1);
});
