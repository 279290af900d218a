import type { AgentView } from "../../mitm/fleet";
import { latency } from "../format";
import { html, type Raw } from "../html";

/**
 * Latency per region, side by side: one row per agent with its pool connection's connect, TLS handshake, subscribe and
 * authorize times (per (re)connect) and its submit round trips, each p50 / p90 / p99. Also sent over the fleet stream
 * (event `fleet-latency`).
 */

type P = { p50: number | null; p90: number | null; p99: number | null; n?: number };
const ms = (n: number | null): string => (n === null ? "—" : latency(n));
const pct = (p: P | undefined): Raw =>
  !p || p.p50 === null ? html`<td class="muted">—</td>` : html`<td>${ms(p.p50)} / ${ms(p.p90)} / ${ms(p.p99)}${p.n !== undefined ? html` <span class="muted">(${p.n})</span>` : ""}</td>`;

export function latencySection(agents: readonly AgentView[]): Raw {
  const rows = [...agents].sort((a, b) => (a.region ?? "").localeCompare(b.region ?? "") || a.agent_id.localeCompare(b.agent_id));
  return html`<section id="fleet-latency" class="fleet-latency">
<h2>Latency per region</h2>
<p class="muted">Each cell is p50 / p90 / p99. Connect, TLS (stratum+ssl only), subscribe and authorize are timed at each (re)connect of the agent's own pool connection (the count in brackets); submit over its last 1000 answers. All on the agent's monotonic clock.</p>
${
  rows.length
    ? html`<div class="table-wrap"><table class="latency">
<thead><tr><th scope="col">agent</th><th scope="col">region</th><th scope="col">pool</th><th scope="col">connect</th><th scope="col">TLS handshake</th><th scope="col">subscribe</th><th scope="col">authorize</th><th scope="col">submit</th></tr></thead>
<tbody>${rows.map(
        (a) => html`<tr${a.online ? "" : html` class="offline"`}><td>${a.agent_id}</td><td>${a.region ?? "—"}</td><td class="mono">${a.pool_target.host}:${a.pool_target.port}</td>${pct(a.timings?.connect_ms)}${pct(a.timings?.tls_handshake_ms)}${pct(a.timings?.subscribe_ms)}${pct(a.timings?.authorize_ms)}${pct(a.stats.latency_ms)}</tr>`,
      )}</tbody></table></div>`
    : html`<p class="empty">No agent has reported yet.</p>`
}
</section>`;
}
