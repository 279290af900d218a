/**
 * Capture cost per line as the number of open sessions grows: one line into one session, then one capture slice,
 * as when lines trickle in from many miners. Baseline: the same with 10 open sessions, in the same run.
 * Usage: bun run bench/capture-slices.ts [lines=20000]
 */
import { CapturePipeline } from "../src/capture/ingest";
import { CaptureStore } from "../src/capture/store";

const LINES = Number(process.argv[2] ?? 20_000);
const line = new TextEncoder().encode('{"id":5,"method":"mining.submit","params":["w","j1","00000001","65a1b2c3","deadbeef"]}\n');
const upstream = { host: "127.0.0.1", port: 3333, tls: false };

function perLineUs(sessions: number): number {
  const store = new CaptureStore({ maxMessages: 100_000, maxPerSession: 1000, maxSessions: sessions * 2 });
  const capture = new CapturePipeline(store, { maxLineBytes: 1 << 20, maxBacklogBytes: 4 << 20 });
  for (let i = 0; i < sessions; i++) {
    store.openSession({ id: `s${i}`, miner_addr: `10.0.0.1:${i}`, upstream });
    capture.open(`s${i}`);
  }
  const t0 = performance.now();
  for (let i = 0; i < LINES; i++) {
    capture.ingest(`s${i % sessions}`, "miner_to_pool", line, Date.now(), performance.now());
    capture.drainAll();
  }
  return ((performance.now() - t0) * 1000) / LINES;
}

perLineUs(10); // warm-up
const base = perLineUs(10);
console.log(`| open sessions | µs per line | vs 10 sessions |\n|---|---|---|`);
for (const n of [10, 1000, 5000]) {
  const us = n === 10 ? base : perLineUs(n);
  console.log(`| ${n} | ${us.toFixed(1)} | ${(us / base).toFixed(2)}× |`);
}
