/**
 * Child for crash.test.ts: writes numbered batches (BATCH_ROWS messages each, one transaction per batch) into the
 * database given as argv[2] until killed, printing `committed N` after each commit.
 */
import { openDatabase } from "../../src/db/open";
import { prepareWrites, writeBatch } from "../../src/db/statements";
import { line, upstream } from "./fixtures";
import { emptyCounters, emptyFacts, type SessionRecord } from "../../src/capture/records";

export const BATCH_ROWS = 300;

const db = openDatabase(`sqlite:${process.argv[2]}`);
const w = prepareWrites(db);
const session: SessionRecord = {
  id: "crash",
  miner_addr: "10.0.0.9:1",
  upstream,
  upstream_addr: null,
  state: "live",
  opened_at: new Date().toISOString(),
  closed_at: null,
  close_reason: null,
  close_detail: null,
  ...emptyFacts(),
  broadcast: { enabled: false, repeat_count: 1 },
  auto_replay: { enabled: false, count: 1 },
  counters: emptyCounters(),
  last_seen: new Date().toISOString(),
};
for (let batch = 0; batch < 100_000; batch++) {
  const msgs = Array.from({ length: BATCH_ROWS }, (_, i) => {
    const seq = batch * BATCH_ROWS + i + 1;
    // Not JSON: searchable by its own text (capture/search.ts).
    const raw = `batch-${batch}-row-${i} ${"x".repeat(200)}`;
    return { ...line("crash", seq), raw, kind: "invalid" as const, method: null, json: null, seq, id: String(seq) };
  });
  session.counters.messages_up = (batch + 1) * BATCH_ROWS;
  writeBatch(db, w, { msgs, sess: [session], telemetry: [], seqHighWater: (batch + 1) * BATCH_ROWS });
  process.stdout.write(`committed ${batch}\n`);
}
