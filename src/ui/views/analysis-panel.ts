import type { SessionAnalysis } from "../../http/api/analysis";
import { VERDICT_WORDS } from "../analysis-fields";
import { answersChart, hashrateChart, hashrateText, latencyChart } from "../charts";
import { count, difficulty, latency } from "../format";
import { html, type Raw } from "../html";
import type { Verdict } from "../../analysis/schema";

/**
 * HashScope's figures for one session or for all (docs/analysis.md): hashrate, best share, verdicts, disagreements,
 * latency, job cadence and three charts. Rendered whole on the server; the live pages send it again (same id).
 */
export function analysisPanel(id: string, a: SessionAnalysis | null, disagreementsHref: string): Raw {
  if (a === null) return html`<section class="card" id="${id}"><p class="muted">No figures for this session in memory (they start again after a restart).</p></section>`;
  const submit = a.latency_by_method["mining.submit"];
  const verdicts = Object.entries(a.by_verdict)
    .sort((x, y) => y[1] - x[1])
    .map(([v, n]) => html`<span class="st ${v === "valid" || v === "block_candidate" ? "ok" : "warn"}">${VERDICT_WORDS[v as Verdict] ?? v} ${count(n)}</span> `);
  const reconnects = Object.entries(a.reconnects_by_worker).filter(([, n]) => n > 0);
  return html`<section class="analysis" id="${id}">
<div class="cards">
<div class="stat"><span>Hashrate (1 min)</span><b>${hashrateText(a.hashrate_hs.m1)}</b><small>15 min ${hashrateText(a.hashrate_hs.m15)} · 1 h ${hashrateText(a.hashrate_hs.h1)}</small></div>
<div class="stat"><span>Best share</span><b>${difficulty(a.best_share_difficulty)}</b><small>${count(a.submits)} submits</small></div>
<div class="stat"><span>Pool disagrees</span><b class="${a.disagreements ? "bad-text" : ""}">${count(a.disagreements)}</b><small><a href="${disagreementsHref}">show them</a></small></div>
<div class="stat"><span>Submit latency p50</span><b>${submit?.p50_ms != null ? latency(submit.p50_ms) : "—"}</b><small>p90 ${submit?.p90_ms != null ? latency(submit.p90_ms) : "—"} · p99 ${submit?.p99_ms != null ? latency(submit.p99_ms) : "—"}</small></div>
<div class="stat"><span>Jobs / min</span><b>${a.notifies_per_min.toFixed(1)}</b><small>${count(a.clean_jobs)} clean · new block ${a.seconds_since_new_block === null ? "—" : `${Math.round(a.seconds_since_new_block)} s ago`}</small></div>
</div>
<p>Verdicts: ${verdicts.length ? verdicts : html`<span class="muted">no submits yet</span>`} · Pool: <span class="ok-text">${count(a.by_pool_result.accepted)} accepted</span>, <span class="bad-text">${count(a.by_pool_result.rejected)} rejected</span>${a.payout_mismatches ? html` · <span class="st bad">${count(a.payout_mismatches)} jobs do not pay the worker</span>` : ""}${reconnects.length ? html` · reconnects: ${reconnects.map(([w, n]) => `${w} ${n}`).join(", ")}` : ""}</p>
<div class="charts">
<figure>${hashrateChart(a.series)}<figcaption>Hashrate per minute</figcaption></figure>
<figure>${answersChart(a.series)}<figcaption>Accepted / rejected per minute</figcaption></figure>
<figure>${latencyChart(submit, "mining.submit")}<figcaption>Submit latency (ms)</figcaption></figure>
</div>
</section>`;
}
