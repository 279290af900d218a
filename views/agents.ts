import type { AgentSummary } from "../src/ui/agents";
import { count, dateTime } from "../src/ui/format";
import { html, type Raw } from "../src/ui/html";
import { layout } from "./layout";

const hashrate = (h: number | null): string => {
  if (h === null) return "—";
  const units = ["H/s", "kH/s", "MH/s", "GH/s", "TH/s", "PH/s"];
  let i = 0;
  while (h >= 1000 && i < units.length - 1) {
    h /= 1000;
    i++;
  }
  return `${h.toFixed(h < 10 ? 2 : 1)} ${units[i]}`;
};

const agentRow = (a: AgentSummary): Raw =>
  html`<tr><td>${a.name ?? "—"}<br><span class="mono muted" title="${a.pubkey}">${a.pubkey.slice(0, 16)}…</span></td><td><span class="st ${a.online ? "ok" : ""}">${a.online ? "online" : "offline"}</span></td><td>${dateTime(a.last_seen)}</td><td class="c-n">${hashrate(a.hashrate_hs)}</td><td class="c-n"><span class="ok-text">${count(a.shares_accepted)}</span> / <span class="bad-text">${count(a.shares_rejected)}</span></td><td class="c-sum">${a.detail ?? ""}</td></tr>`;

export function agentsPage(agents: AgentSummary[]): Raw {
  const body = html`<h1>Agents</h1>
${
  agents.length
    ? html`<div class="table-wrap"><table><thead><tr><th>Agent</th><th>State</th><th>Last seen</th><th class="c-n">Hashrate</th><th class="c-n">Acc / Rej</th><th>Detail</th></tr></thead><tbody>${agents.map(agentRow)}</tbody></table></div>`
    : html`<p class="empty">No agents have reported yet.</p><p class="muted">Agents publish share and telemetry events over Nostr; they appear here once HashScope hears from them.</p>`
}`;
  return layout({ title: "Agents", nav: "agents", body });
}
