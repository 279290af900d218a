import type { Hub } from "../capture/hub";
import type { StoreEvent } from "../capture/store";
import { rateLimitedLog } from "./rate-log";

/**
 * Pool trouble in the log, without flooding it: when a miner's pool connection fails, the first failure is said at once
 * with its reason; further ones are counted and said at most once per `everyMs`. (Every failed session is also in the
 * API and the pages, with its reason.)
 */
export function logUpstreamFailures(events: Hub<StoreEvent>, log: (line: string) => void, everyMs = 60_000): () => void {
  const seen = new Set<string>(); // a failed session is published more than once (each later change)
  const lines = rateLimitedLog<string>(log, everyMs, {
    line: (detail) => `proxy: a miner's connection to the pool failed: ${detail}`,
    summary: (unsaid, detail) => `proxy: ${unsaid} more miner connection(s) failed to reach the pool since the last line; last: ${detail}`,
  });
  const off = events.on((e) => {
    if (e.type !== "session" || e.change.kind !== "closed" || e.session.close_reason !== "upstream_failed" || seen.has(e.session.id)) return;
    seen.add(e.session.id);
    if (seen.size > 10_000) seen.clear(); // bounded; a repeat line is harmless
    lines.add(e.session.close_detail ?? "no detail");
  });
  return () => {
    off();
    lines.stop();
  };
}
