import type { Hub } from "../capture/hub";
import type { StoreEvent } from "../capture/store";

/**
 * Pool trouble in the log, without flooding it: when a miner's pool connection fails, the first failure is said at once
 * with its reason; further ones are counted and said at most once per `everyMs`. (Every failed session is also in the
 * API and the pages, with its reason.)
 */
export function logUpstreamFailures(events: Hub<StoreEvent>, log: (line: string) => void, everyMs = 60_000): () => void {
  const seen = new Set<string>(); // a failed session is published more than once (each later change)
  let lastSaidMs = Number.NEGATIVE_INFINITY;
  let unsaid = 0;
  let lastDetail = "";
  let timer: ReturnType<typeof setTimeout> | null = null;
  const say = () => {
    timer = null;
    if (unsaid === 0) return;
    log(`proxy: ${unsaid} more miner connection(s) failed to reach the pool since the last line; last: ${lastDetail}`);
    unsaid = 0;
    lastSaidMs = performance.now();
  };
  const off = events.on((e) => {
    if (e.type !== "session" || e.session.close_reason !== "upstream_failed" || seen.has(e.session.id)) return;
    seen.add(e.session.id);
    if (seen.size > 10_000) seen.clear(); // bounded; a repeat line is harmless
    lastDetail = e.session.close_detail ?? "no detail";
    if (performance.now() - lastSaidMs >= everyMs) {
      log(`proxy: a miner's connection to the pool failed: ${lastDetail}`);
      lastSaidMs = performance.now();
    } else {
      unsaid++;
      timer ??= setTimeout(say, Math.max(0, lastSaidMs + everyMs - performance.now()));
    }
  });
  return () => {
    off();
    if (timer) clearTimeout(timer);
    say();
  };
}
