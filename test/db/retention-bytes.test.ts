import { afterAll, expect, test } from "bun:test";
import { openDatabase } from "../../src/db/open";
import * as reader from "../../src/db/reader";
import { enforceRetention, usedBytes } from "../../src/db/retention";
import { prepareWrites, writeBatch } from "../../src/db/statements";
import { line, tempDir } from "./fixtures";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

test("RETAIN_MAX_BYTES: the oldest messages go until the database is under the bound; the newest stay, searchable", () => {
  const db = openDatabase(tmp.url("bytes.db"));
  const w = prepareWrites(db);
  const N = 6_000;
  for (let s = 1; s <= N; s += 500) {
    const msgs = Array.from({ length: 500 }, (_, i) => {
      const seq = s + i;
      const raw = `{"id":${seq},"method":"mining.submit","params":["w${seq}.rig","j1","${seq.toString(16).padStart(8, "0")}","504e86ed","deadbeef"],"pad":"${"p".repeat(300)}"}`;
      return { ...line("s", seq), seq, id: String(seq), raw, json: JSON.parse(raw), kind: "request" as const, method: "mining.submit", decoded: null };
    });
    writeBatch(db, w, { msgs, sess: [], telemetry: [], seqHighWater: s + 499 });
  }
  const before = usedBytes(db.$client);
  const maxBytes = Math.floor(before / 2);
  // One pass is bounded; a few passes reach the bound (the background loop comes back at once while `done` is false).
  for (let i = 0; i < 10 && usedBytes(db.$client) > maxBytes; i++) enforceRetention(db, { days: 0, maxMessages: 0, maxBytes });
  const after = usedBytes(db.$client);
  expect(after).toBeLessThanOrEqual(maxBytes);
  const left = reader.messageCount(db);
  expect(left).toBeGreaterThan(N / 4); // not everything: only what the bound needs
  expect(left).toBeLessThan(N * 0.75);
  const newest = reader.queryMessages(db, {}, 1)[0]!;
  expect(newest.seq).toBe(N);
  // Search still finds the survivors by worker name, and nothing that was deleted.
  expect(reader.queryMessages(db, { q: `w${N}.rig` }, 10).map((m) => m.seq)).toEqual([N]);
  expect(reader.queryMessages(db, { q: "w1.rig" }, 10)).toEqual([]);
  const hits = reader.queryMessages(db, { q: "deadbeef" }, 10_000);
  expect(hits.length).toBe(left);
  db.$client.close();
});
