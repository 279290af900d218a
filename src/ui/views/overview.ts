import type { SessionRecord } from "../../capture/records";
import { count } from "../format";
import { html, type Raw } from "../html";
import type { OverviewStats } from "../overview-stats";
import { layout } from "./layout";
import { sessionTable, type FiguresOf } from "./sessions";
import { analysisPanel } from "./analysis-panel";
import type { SessionAnalysis } from "../../http/api/analysis";

/** A number the server renders and Alpine keeps current from the `stats` SSE event. */
const stat = (key: keyof OverviewStats, s: OverviewStats): Raw =>
  html`<b x-data x-effect="$store.live.paint($el, '${key}')">${count(s[key])}</b>`;

export const overviewSessions = (live: SessionRecord[], figures?: FiguresOf, pool: Raw = html``): Raw =>
  html`${pool}<h2>Live sessions <small>${live.length}</small></h2>${sessionTable(live.slice(0, 50), "No live sessions. Point a miner at the proxy port, or run `bun run demo`.", figures)}`;

/** All sessions' figures since start (sent again by the overview stream, same id). */
export const totalPanel = (a: SessionAnalysis): Raw => analysisPanel("total-analysis", a, "/messages?agrees=false");

export function overviewPage(s: OverviewStats, live: SessionRecord[], total: SessionAnalysis, figures: FiguresOf, pool: Raw = html``): Raw {
  const body = html`<h1>Overview</h1>
<section class="cards">
  <div class="stat"><span>Live sessions</span>${stat("sessions_live", s)}<small>of ${stat("sessions_total", s)} seen</small></div>
  <div class="stat"><span>Messages / s</span>${stat("messages_per_s", s)}<small>${stat("messages_total", s)} total</small></div>
  <div class="stat"><span>Shares accepted</span>${stat("accepted", s)}<small>${stat("submits", s)} submitted</small></div>
  <div class="stat"><span>Shares rejected</span>${stat("rejected", s)}<small>&nbsp;</small></div>
  <div class="stat"><span>Agents online</span>${stat("agents_online", s)}<small>of ${stat("agents_total", s)} known · <a href="/agents">fleet</a></small></div>
</section>
${totalPanel(total)}
<div id="overview-live" hx-sse:connect="/ui/stream/overview" hx-swap="innerHTML">${overviewSessions(live, figures, pool)}</div>
<p class="muted"><a href="/messages">Watch the live message stream →</a></p>`;
  return layout({ title: "Overview", nav: "overview", body, live: true });
}
