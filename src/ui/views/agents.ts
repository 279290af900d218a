import type { AgentView } from "../../mitm/fleet";
import { age, agentDomId, fleetTotals, type FleetTotals } from "../agents";
import { count, dateTime, latency } from "../format";
import { html, type Raw } from "../html";
import { blocksSection } from "./blocks";
import { latencySection } from "./latency";
import { checksSection } from "./checks";
import { poolDifficulties, poolsSection, type PoolDifficulty } from "./pools";
import { layout } from "./layout";
import type { BlockView, ClockView, PoolView } from "../../mitm/blocks";

/** The agent fleet: one card per agent (also sent alone over SSE when that agent changes) and a totals line. */

const rate = (n: number): string => (n === 0 ? "0" : n < 10 ? n.toFixed(2) : n.toFixed(1));
const ms = (n: number | null): string => (n === null ? "—" : latency(n));
const CONN_CLS: Record<AgentView["conn_state"], string> = { connected: "ok", connecting: "warn", reconnecting: "warn", error: "bad" };

function reasons(r: Record<string, number>): Raw {
  const list = Object.entries(r).sort((a, b) => b[1] - a[1]);
  if (!list.length) return html`<span class="muted">none</span>`;
  return html`<ul class="plain">${list.map(([k, n]) => html`<li><b>${count(n)}</b> × <span class="mono">${k}</span></li>`)}</ul>`;
}

function errors(list: string[]): Raw {
  if (!list.length) return html`<span class="muted">none</span>`;
  // Newest last in telemetry; newest first here.
  return html`<ul class="plain">${[...list].reverse().map((e) => html`<li class="mono">${e}</li>`)}</ul>`;
}

export function agentCard(a: AgentView, nowMs = Date.now()): Raw {
  const s = a.stats;
  const l = s.latency_ms;
  return html`<article class="card agent${a.online ? "" : " offline"}" id="${agentDomId(a.agent_id)}" data-agent="${a.agent_id}">
<div class="card-head"><h3 class="agent-name">${a.agent_id}</h3><span class="st ${a.online ? "ok" : "bad"}">${a.online ? "online" : "offline"}</span><span class="st ${CONN_CLS[a.conn_state]}" title="pool connection">${a.conn_state}</span>${a.region ? html`<span class="st">${a.region}</span>` : ""}</div>
<dl class="agent-counts">
<div><dt>received</dt><dd data-k="received">${count(s.share_events_received_total)}</dd></div>
<div><dt>attempted</dt><dd data-k="attempted">${count(s.submits_attempted_total)}</dd></div>
<div><dt>accepted</dt><dd class="ok-text" data-k="accepted">${count(s.submits_accepted_total)}</dd></div>
<div><dt>rejected</dt><dd class="bad-text" data-k="rejected">${count(s.submits_rejected_total)}</dd></div>
<div><dt>timeouts</dt><dd class="${s.submits_timeout_total ? "warn-text" : ""}" data-k="timeouts">${count(s.submits_timeout_total)}</dd></div>
</dl>
<table class="kv compact">
<tr><th scope="row">Pool</th><td class="mono">${a.pool_target.host}:${a.pool_target.port}</td></tr>
<tr><th scope="row">Submits / s</th><td>${rate(s.submits_per_second_1min)} <span class="muted">(1 min)</span> · ${rate(s.submits_per_second_10sec)} <span class="muted">(10 s)</span></td></tr>
<tr><th scope="row">Latency</th><td>p50 ${ms(l.p50)} · p90 ${ms(l.p90)} · p99 ${ms(l.p99)}<span class="muted"> · last ${ms(s.last_submit_latency_ms)}</span></td></tr>
<tr><th scope="row">Reject reasons</th><td>${reasons(s.reject_reasons)}</td></tr>
<tr><th scope="row">Refused events</th><td>${reasons(s.share_events_ignored)}</td></tr>
<tr><th scope="row">Not sent</th><td>${count(s.submits_not_connected_total)} not connected · ${count(s.submits_dropped_total)} over the in-flight limit</td></tr>
<tr><th scope="row">Last errors</th><td class="agent-errors">${errors(a.errors)}</td></tr>
<tr><th scope="row">Jobs seen</th><td>${count(a.jobs.notify_total)} notify (${count(a.jobs.clean_jobs_total)} clean)${a.jobs.last_notify_at ? html` <span class="muted">· last ${dateTime(a.jobs.last_notify_at)}</span>` : ""}</td></tr>
<tr><th scope="row">Last seen</th><td><time datetime="${a.last_seen}">${dateTime(a.last_seen)}</time> <span class="muted">(<span data-age="${a.last_seen}">${age(a.last_seen, nowMs)}</span>) · ${count(a.reports)} reports since ${dateTime(a.first_seen)}</span></td></tr>
<tr><th scope="row">Key</th><td class="mono muted" title="${a.pubkey}">${a.pubkey.slice(0, 16)}…</td></tr>
</table>
</article>`;
}

/** The totals line; also sent over SSE (event `fleet-summary`). */
export function fleetSummary(t: FleetTotals): Raw {
  return html`<p class="fleet-summary" id="fleet-summary"><b>${count(t.online)}</b> of ${count(t.agents)} agents online · received <b>${count(t.received)}</b> · attempted <b>${count(t.attempted)}</b> · <span class="ok-text">accepted ${count(t.accepted)}</span> · <span class="bad-text">rejected ${count(t.rejected)}</span> · timeouts ${count(t.timeouts)} · ${rate(t.per_s_10s)} submits/s</p>`;
}

export type FleetPage = {
  agents: AgentView[];
  nostr: boolean;
  stream: string | null;
  blocks: BlockView[];
  clocks: ClockView[];
  pools: PoolView[];
  ownDifficulties: PoolDifficulty[];
};

function emptyState(nostr: boolean): Raw {
  const start = html`<pre class="hint">RUN_ID=&lt;same as HashScope&gt; NOSTR_RELAY_URL=ws://127.0.0.1:7447 \\
NOSTR_MITM_PUBKEY=&lt;HashScope's public key&gt; POOL_HOST=&lt;your pool&gt; bun run agent</pre>`;
  return html`<div id="agents-empty"><p class="empty">No agents have reported yet.</p>${
    nostr
      ? html`<p class="muted">Start one with the same run id and relay as this HashScope (public key: see <a href="/api/nostr">/api/nostr</a>):</p>${start}<p class="muted">Agents publish telemetry every few seconds; each appears here when the first report arrives. Turn broadcast on for a session to send it shares.</p>`
      : html`<p class="muted">Nostr is off for this HashScope: start it with <code>NOSTR_ENABLED=true NOSTR_RELAY_URL=… RUN_ID=…</code>, then start agents with the same relay and run id (<code>bun run agent</code>), or try <code>bun run demo</code>, which runs two.</p>`
  }</div>`;
}

export function agentsPage(p: FleetPage): Raw {
  const now = Date.now();
  const body = html`<h1>Agents</h1>
<div id="fleet"${p.stream ? html` hx-sse:connect="${p.stream}" hx-swap="none"` : ""}>
${fleetSummary(fleetTotals(p.agents))}
${p.agents.length ? "" : emptyState(p.nostr)}
<div class="agent-cards" id="agent-cards">${p.agents.map((a) => agentCard(a, now))}</div>
${p.nostr ? html`${latencySection(p.agents)}${checksSection(p.agents)}${blocksSection(p.blocks, p.clocks)}${poolsSection(p.pools, poolDifficulties(p.agents, p.ownDifficulties))}` : ""}
</div>`;
  return layout({ title: "Agents", nav: "agents", body, live: p.stream !== null });
}

/** One agent (`/agents/:id`): its card as on the fleet page, static. */
export function agentPage(a: AgentView): Raw {
  const body = html`<h1>Agent <small>${a.agent_id}</small></h1>
${agentCard(a)}
<p><a href="/agents">← All agents</a> · <a href="/api/agents/${encodeURIComponent(a.agent_id)}">JSON</a></p>`;
  return layout({ title: `Agent ${a.agent_id}`, nav: "agents", body });
}
