import type { MessageRecord } from "../../capture/records";
import type { ReplayResult } from "../../mitm/replay";
import { compactJson, latency } from "../format";
import { html, type Raw } from "../html";

/**
 * Replay on the message detail page: a form with the submit's params (editable) and, after a post, the pool's
 * answer with links to the captured request and response.
 */

export type ReplayPanel = {
  message: MessageRecord;
  /** Why it cannot be replayed now (session closed, ...); null when it can. */
  unavailable: string | null;
  /** Values for the fields (the captured params, or what was just posted). */
  params: string[];
  outcome: { result: ReplayResult } | { error: string; status: number } | null;
};

export const SUBMIT_FIELDS: [name: string, label: string][] = [
  ["worker", "Worker"],
  ["job", "Job"],
  ["extranonce2", "Extranonce2"],
  ["ntime", "ntime"],
  ["nonce", "Nonce"],
  ["version_bits", "Version bits (optional)"],
];

const msgLink = (id: string | null, label: string): Raw =>
  id ? html`<a href="/messages/${encodeURIComponent(id)}">${label} #${id}</a>` : html`<span class="muted">${label} not captured</span>`;

/** The answer box; its own element so htmx can swap it alone. */
export function replayResult(o: ReplayPanel["outcome"]): Raw {
  if (!o) return html`<div id="replay-result"></div>`;
  if ("error" in o)
    return html`<div id="replay-result"><p class="notice bad" role="status">Replay failed (${o.status}): ${o.error}</p></div>`;
  const r = o.result;
  const answer = r.ok
    ? html`<span class="st ok">accepted</span>`
    : html`<span class="st bad">rejected</span> <code>${compactJson(r.error ?? r.result)}</code>`;
  return html`<div id="replay-result"><p class="notice ${r.ok ? "ok" : "bad"}" role="status">Pool answered ${answer} after <strong>${latency(r.latency_ms)}</strong>.</p><p>${msgLink(r.request_message_id, "Request")} · ${msgLink(r.response_message_id, "Response")}</p></div>`;
}

export function replaySection(p: ReplayPanel): Raw {
  const action = `/messages/${encodeURIComponent(p.message.id)}/replay`;
  if (p.unavailable)
    return html`<h2>Replay</h2><section class="card replay"><p class="muted">${p.unavailable}</p>${replayResult(p.outcome)}</section>`;
  const fields = SUBMIT_FIELDS.map(
    ([name, label], i) => html`<label>${label}<input type="text" name="${name}" value="${p.params[i] ?? ""}" maxlength="256" spellcheck="false"${i < 5 ? html` required` : ""}></label>`,
  );
  return html`<h2>Replay</h2>
<section class="card replay"><p class="muted">Re-sends this submit on its live session with HashScope's own id; the pool's answer is kept from the miner. Edit the fields to try other values.</p>
<form method="post" action="${action}" hx-post="${action}" hx-target="#replay-result" hx-swap="outerHTML">${fields}<button type="submit" id="replay">Replay</button></form>
${replayResult(p.outcome)}</section>`;
}
