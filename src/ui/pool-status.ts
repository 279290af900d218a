import type { Services } from "../http/services";
import { html, type Raw } from "./html";
import { dateTime } from "./format";

/**
 * Whether the pool is reachable, as the latest miner connections tell it: when the newest session that tried the pool
 * failed to reach it (and none reached it since), the overview says so with the reason. Nothing to say otherwise.
 */
export function poolNotice(svc: Services): Raw {
  // Newest first; only sessions still in memory.
  for (const s of svc.store.listSessions("all")) {
    if (s.upstream_addr !== null) return html``;
    if (s.close_reason === "upstream_failed")
      return html`<section class="card notice bad" id="pool-status" role="alert"><strong>Pool unreachable:</strong> ${s.upstream.host}:${s.upstream.port} — ${s.close_detail ?? "no detail"} <span class="muted">(${dateTime(s.closed_at)})</span></section>`;
  }
  return html``;
}
