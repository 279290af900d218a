import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { MessageFilter } from "../../src/capture/query";
import type { Direction, MessageKind, MessageRecord } from "../../src/capture/records";
import type { Storage } from "../../src/db/storage";
import { CaptureStore, type NewMessage } from "../../src/capture/store";

/** A temp folder for real SQLite files; `cleanup()` removes it. */
export function tempDir(): { dir: string; url(name?: string): string; cleanup(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), "hashscope-db-"));
  return {
    dir,
    url: (name = "capture.db") => `sqlite:${path.join(dir, name)}`,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export const smallStore = (firstSeq = 1, maxMessages = 40, maxPerSession = 25) =>
  new CaptureStore({ maxMessages, maxPerSession, maxSessions: 100 }, firstSeq);

const METHODS = ["mining.notify", "mining.submit", "mining.set_difficulty"] as const;

/** A plausible captured line; `i` varies method, direction, kind and errors. */
export function line(sessionId: string, i: number, ts = new Date().toISOString()): NewMessage {
  const method = METHODS[i % METHODS.length]!;
  const direction: Direction = i % 2 === 0 ? "miner_to_pool" : "pool_to_miner";
  const kind: MessageKind = i % 5 === 0 ? "response" : i % 7 === 0 ? "invalid" : "request";
  const json = kind === "invalid" ? null : { id: i, method, params: [`job${i}`, "deadBEEF"], nested: { a: [1, 2, { b: null }] } };
  // As in a real capture, json is the parsed raw line.
  const raw = json === null ? `garbage line ${i} ÄÖ` : JSON.stringify(json);
  return {
    session_id: sessionId,
    direction,
    ts,
    size_bytes: raw.length + 1,
    raw,
    raw_hex: null,
    kind,
    method: kind === "invalid" ? null : method,
    rpc_id: i % 3 === 0 ? `s${i}` : i,
    json,
    decoded: kind === "response" ? { ok: i % 10 !== 0, code: i % 10 === 0 ? 23 : null } : null,
    parse_error: kind === "invalid" ? "not JSON" : null,
    reply_to: kind === "response" ? String(i) : null,
    latency_ms: kind === "response" ? i / 3 : null,
    truncated: i % 11 === 0,
    // Submit requests carry a verdict (every other one answered, one in four a disagreement), so round trips cover it.
    analysis:
      kind === "request" && method === "mining.submit"
        ? {
            type: "submit", verdict: i % 4 === 1 ? "low_difficulty" : "valid", reason: null, hash: "00ab".repeat(16), difficulty: i / 7,
            target_difficulty: 1, network_difficulty: 1e12, job_id: `job${i}`, job_message_id: null, merkle_root: null,
            pool_result: i % 2 ? "accepted" : null, pool_error: null, agrees: i % 2 ? i % 4 !== 1 : null,
          }
        : null,
  };
}

export const upstream = { host: "127.0.0.1", port: 3333, tls: false };

/** Every page of a filter, newest first, by following `before` (bounded: at most 10,000 pages). */
export async function allPages(st: Storage, filter: MessageFilter, limit: number): Promise<MessageRecord[]> {
  const out: MessageRecord[] = [];
  let before: number | undefined;
  for (let i = 0; i < 10_000; i++) {
    const page = await st.messages(filter, limit, before);
    if (page.length === 0) break;
    out.push(...page);
    before = page[page.length - 1]!.seq;
  }
  return out;
}

export const noRetention = { days: 0, maxMessages: 0 };
/** Writer that only writes when told to, so the test decides what is on disk and what is memory-only. */
export const manualWriter = { flushMs: 3_600_000, batchSize: 1_000_000 };
