import { paramsOf } from "../stratum/json";
import type { CaptureStore } from "../capture/store";
import { jobReport } from "../nostr/job-report";
import type { BlockBoard } from "./blocks";

/**
 * Feeds the block board with the jobs HashScope's own miners get: every captured pool→miner `mining.notify`, with its
 * session's extranonce sizes and pool. Runs from the store's event hub, after capture, never on the relay path.
 * Returns the unsubscribe function.
 */
export function feedOwnJobs(store: CaptureStore, board: BlockBoard): () => void {
  // Sessions that have had a notify: the first one on a session is when it joined, not when a block arrived.
  const notified = new Set<string>();
  return store.events.on((ev) => {
    if (ev.type === "session") {
      if (ev.session.state === "closed") notified.delete(ev.session.id);
      return;
    }
    const m = ev.message;
    if (m.direction !== "pool_to_miner" || m.method !== "mining.notify") return;
    const s = store.getSession(m.session_id);
    if (!s) return;
    const first = !notified.has(s.id);
    const report = jobReport(paramsOf(m.json), s.extranonce1, s.extranonce2_size, m.ts, first);
    if (report && first && notified.size < 100_000) notified.add(s.id);
    if (report) board.ownJob(`${s.upstream.host}:${s.upstream.port}`, report);
  });
}
