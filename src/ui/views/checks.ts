import type { AgentView } from "../../mitm/fleet";
import { count } from "../format";
import { html, type Raw } from "../html";

/**
 * Pool behaviour checks per agent (pool and region), with the pool's exact answers and what each outcome means.
 * Sent over the fleet stream too (event `fleet-checks`).
 */

type Check = NonNullable<AgentView["checks"]>["replay"];

const MEANING: [keyof NonNullable<AgentView["checks"]>, string, string, string][] = [
  [
    "replay",
    "Replayed share",
    "A miner's share, found on HashScope's session, submitted on the agent's own connection. It was hashed with that session's extranonce1, so a pool that verifies shares must refuse it here: a refusal is the right answer, not a failure.",
    "Accepted: the pool credited a share it cannot have verified against this connection (flagged). Inconclusive: the agent's connection had the same extranonce1, so the share may really be valid here.",
  ],
  [
    "duplicate",
    "Duplicate of an accepted share",
    "Only when the pool accepted a share on the agent's connection: the same share sent again (the share event's repeats) must be refused as a duplicate.",
    "Accepted: the pool credits the same work twice (flagged).",
  ],
  [
    "stale",
    "Share for a stale job",
    "After a new block (clean_jobs), the agent submits once for the job before it. The pool said that job is over, so it must refuse. The probe's nonce is arbitrary, so a refusal for low difficulty also counts; the answer shows which check the pool made first.",
    "Accepted: the pool takes work on an old block (flagged).",
  ],
];

function cell(c: Check | undefined): Raw {
  if (!c || c.refused + c.accepted + c.inconclusive === 0) return html`<td class="muted">not run yet</td>`;
  const answers = Object.entries(c.answers).sort((a, b) => b[1] - a[1]);
  return html`<td>${c.accepted ? html`<span class="st bad">flag: accepted ${count(c.accepted)}</span> ` : ""}${c.refused ? html`<span class="st ok">refused ${count(c.refused)}</span> ` : ""}${c.inconclusive ? html`<span class="st warn">inconclusive ${count(c.inconclusive)}</span>` : ""}
<ul class="plain">${answers.map(([a, n]) => html`<li><b>${count(n)}</b> × <span class="mono">${a}</span></li>`)}</ul></td>`;
}

export function checksSection(agents: readonly AgentView[]): Raw {
  const rows = [...agents].sort((a, b) => (a.region ?? "").localeCompare(b.region ?? "") || a.agent_id.localeCompare(b.agent_id));
  return html`<section id="fleet-checks" class="fleet-checks">
<h2>Pool behaviour checks</h2>
<dl class="check-meanings">${MEANING.map(([, title, what, bad]) => html`<dt>${title}</dt><dd>${what} ${bad}</dd>`)}</dl>
${
  rows.length
    ? html`<div class="table-wrap"><table class="checks">
<thead><tr><th scope="col">agent</th><th scope="col">region</th><th scope="col">pool</th>${MEANING.map(([, title]) => html`<th scope="col">${title}</th>`)}</tr></thead>
<tbody>${rows.map(
        (a) => html`<tr><td>${a.agent_id}</td><td>${a.region ?? "—"}</td><td class="mono">${a.pool_target.host}:${a.pool_target.port}</td>${MEANING.map(([k]) => cell(a.checks?.[k]))}</tr>`,
      )}</tbody></table></div>`
    : html`<p class="empty">No agent has reported yet.</p>`
}
</section>`;
}
