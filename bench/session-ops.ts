/**
 * What counting a relayed chunk costs on the relay's path: `sessions.addBytes` (src/sessions/) against the old way, an
 * in-place addition on the record found in a Map (the baseline, same run). Also with the coalesced "counters" changes
 * delivered to a listener doing what the writer does (note the session in a Map), one delivery per `turn` chunks, as when
 * a turn of the event loop reads that many chunks. Usage: bun run bench/session-ops.ts [chunks=10000000] [sessions=1000]
 */
import { emptyCounters, type SessionRecord } from "../src/capture/records";
import type { SessionView } from "../src/sessions/record";
import { Sessions } from "../src/sessions/sessions";

const CHUNKS = Number(process.argv[2] ?? 10_000_000);
const SESSIONS = Number(process.argv[3] ?? 1000);
const upstream = { host: "127.0.0.1", port: 3333, tls: false };
const ids = Array.from({ length: SESSIONS }, (_, i) => `${(i * 2654435761) >>> 0}`.padStart(16, "0"));

function baselineNs(): number {
  const map = new Map<string, { record: Pick<SessionRecord, "counters"> }>();
  for (const id of ids) map.set(id, { record: { counters: emptyCounters() } });
  const t0 = performance.now();
  for (let i = 0; i < CHUNKS; i++) {
    const rec = map.get(ids[i % SESSIONS]!)?.record;
    if (rec) {
      if (i & 1) rec.counters.bytes_up += 1400;
      else rec.counters.bytes_down += 1400;
    }
  }
  return ((performance.now() - t0) * 1e6) / CHUNKS;
}

function addBytesNs(turn: number | null): number {
  const saved = new Map<string, SessionView>();
  const sessions = new Sessions((s) => saved.set(s.id, s));
  for (const id of ids) sessions.open({ id, miner_addr: "m", upstream });
  const t0 = performance.now();
  for (let i = 0; i < CHUNKS; i++) {
    sessions.addBytes(ids[i % SESSIONS]!, i & 1 ? "up" : "down", 1400);
    if (turn !== null && i % turn === turn - 1) sessions.flushCounters();
  }
  sessions.flushCounters();
  return ((performance.now() - t0) * 1e6) / CHUNKS;
}

baselineNs(); // warm-up
addBytesNs(64);
const base = baselineNs();
const rows: [string, number][] = [
  ["baseline: in place on the record", base],
  ["addBytes, changes delivered once at the end", addBytesNs(null)],
  ["addBytes, changes delivered every 64 chunks", addBytesNs(64)],
  ["addBytes, changes delivered every chunk (worst case)", addBytesNs(1)],
];
console.log(`${CHUNKS} chunks over ${SESSIONS} sessions\n| counting a chunk | ns per chunk | vs baseline |\n|---|---|---|`);
for (const [what, ns] of rows) console.log(`| ${what} | ${ns.toFixed(1)} | ${(ns / base).toFixed(2)}x |`);
