import { afterAll, expect, test } from "bun:test";
import path from "node:path";
import { listPartitions, seqColumn } from "../../src/db/terms";
import { openDatabase } from "../../src/db/open";
import * as reader from "../../src/db/reader";
import { tempDir } from "./fixtures";

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const BATCH_ROWS = 300; // as in crash-child.ts

test("kill -9 while writing: the database opens cleanly and holds every committed batch, whole", async () => {
  const file = path.join(tmp.dir, "crash.db");
  const child = Bun.spawn(["bun", path.join(import.meta.dir, "crash-child.ts"), file], { stdout: "pipe", stderr: "inherit" });
  const committed: number[] = [];
  const reader_ = child.stdout.getReader();
  const dec = new TextDecoder();
  let buf = "";
  const deadline = performance.now() + 10_000;
  while (committed.length < 40 && performance.now() < deadline) {
    const { value, done } = await reader_.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    const parts = buf.split("\n");
    buf = parts.pop()!;
    for (const p of parts) committed.push(Number(p.replace("committed ", "")));
  }
  child.kill("SIGKILL"); // the child is in the middle of its next batch
  expect(await child.exited).not.toBe(0);
  expect(child.signalCode).toBe("SIGKILL");
  expect(committed.length).toBeGreaterThanOrEqual(40);

  const db = openDatabase(`sqlite:${file}`); // runs WAL recovery and the (already applied) migrations
  expect(db.$client.query<{ integrity_check: string }, []>("PRAGMA integrity_check").get()?.integrity_check).toBe("ok");
  const perBatch = new Map<number, number>();
  for (const r of db.$client.query<{ b: number; n: number }, []>(`SELECT (seq - 1) / ${BATCH_ROWS} AS b, count(*) AS n FROM messages GROUP BY b`).all())
    perBatch.set(r.b, r.n);
  for (const b of committed) expect(perBatch.get(b)).toBe(BATCH_ROWS); // every reported batch is there
  for (const n of perBatch.values()) expect(n).toBe(BATCH_ROWS); // and no batch is there in part
  const last = committed[committed.length - 1]!;
  expect(Math.max(...perBatch.keys())).toBeLessThanOrEqual(last + 1); // at most the one being written when killed
  // The search index agrees with the table, and the session row matches its batch.
  expect(reader.queryMessages(db, { q: `batch-${last}-row-` }, 1000).length).toBe(BATCH_ROWS);
  const indexed = listPartitions(db.$client).reduce(
    (n, p) => n + (db.$client.query<{ n: number }, []>(`SELECT count(DISTINCT ${seqColumn(p)}) AS n FROM ${p.table}`).get()?.n ?? 0),
    0,
  );
  expect(indexed).toBe(reader.messageCount(db));
  expect(reader.getSession(db, "crash")?.counters.messages_up).toBe(reader.messageCount(db));
  expect(reader.lastSeq(db)).toBe(reader.messageCount(db));
  db.$client.close();
}, 20_000);
