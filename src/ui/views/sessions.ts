import type { SessionRecord } from "../../capture/records";
import { clip, count, dateTime, difficulty, shortId } from "../format";
import { html, type Raw } from "../html";
import { layout } from "./layout";
import type { SessionFigures } from "../../analysis/schema";
import { hashrateText } from "../charts";
import { latency } from "../format";

/** A session's figures while HashScope holds them (hashrate, best share, latency columns). */
export type FiguresOf = (sessionId: string) => SessionFigures | null;

const CLOSE_WORDS: Record<string, string> = {
  miner_closed: "miner closed",
  pool_closed: "pool closed",
  upstream_failed: "pool unreachable",
  disconnected_by_api: "disconnected by user",
  error: "error",
  restart: "HashScope restarted",
};

export const stateBadge = (s: SessionRecord): Raw =>
  html`<span class="st ${s.state === "live" ? "ok" : s.state === "failed" ? "bad" : s.state === "connecting" ? "warn" : ""}">${s.state}</span>`;

export const closeText = (s: SessionRecord): string =>
  s.close_reason ? `${CLOSE_WORDS[s.close_reason] ?? s.close_reason}${s.close_detail ? `: ${s.close_detail}` : ""}` : "";

const workers = (s: SessionRecord): string => (s.workers.length ? s.workers.join(", ") : "—");

function figureCells(f: SessionFigures | null): Raw {
  if (!f) return html`<td class="c-n">—</td><td class="c-n">—</td><td class="c-n">—</td>`;
  const p50 = f.latency_by_method["mining.submit"]?.p50_ms ?? null;
  return html`<td class="c-n">${hashrateText(f.hashrate_hs.m15)}</td><td class="c-n">${difficulty(f.best_share_difficulty)}</td><td class="c-n">${p50 === null ? "—" : latency(p50)}</td>`;
}

export function sessionRow(s: SessionRecord, figures?: FiguresOf): Raw {
  const c = s.counters;
  return html`<tr data-session="${s.id}"><td><a href="/sessions/${encodeURIComponent(s.id)}" title="${s.id}">${shortId(s.id)}</a></td><td>${stateBadge(s)}</td><td class="mono">${s.miner_addr}</td><td class="c-sum" title="${s.user_agent ?? ""}">${clip(s.user_agent ?? "—", 40)}</td><td class="c-sum" title="${workers(s)}">${clip(workers(s), 40)}</td><td class="c-n">${difficulty(s.difficulty)}</td><td class="c-n">${count(c.messages_up)} / ${count(c.messages_down)}</td><td class="c-n">${count(c.submits)}</td><td class="c-n"><span class="ok-text">${count(c.accepted)}</span> / <span class="bad-text">${count(c.rejected)}</span></td>${figures ? figureCells(figures(s.id)) : ""}<td>${dateTime(s.opened_at)}</td><td>${s.closed_at ? html`${dateTime(s.closed_at)}<br><span class="muted">${closeText(s)}</span>` : ""}</td></tr>`;
}

const head = (figures: boolean): Raw =>
  html`<thead><tr><th>Session</th><th>State</th><th>Miner</th><th>User agent</th><th>Workers</th><th class="c-n">Difficulty</th><th class="c-n">Msgs ↑/↓</th><th class="c-n">Submits</th><th class="c-n">Acc / Rej</th>${figures ? html`<th class="c-n">Hashrate 15 min</th><th class="c-n">Best share</th><th class="c-n">Submit p50</th>` : ""}<th>Opened</th><th>Closed</th></tr></thead>`;

export const sessionTable = (list: SessionRecord[], empty: string, figures?: FiguresOf): Raw =>
  list.length
    ? html`<div class="table-wrap"><table class="sessions">${head(figures !== undefined)}<tbody>${list.map((s) => sessionRow(s, figures))}</tbody></table></div>`
    : html`<p class="empty">${empty}</p>`;

/** How many closed sessions a page lists; a full list links to the next ones. */
export const CLOSED_PAGE = 100;

const olderLink = (list: SessionRecord[]): Raw =>
  list.length === CLOSED_PAGE
    ? html`<p><a href="/sessions?before=${encodeURIComponent(list[list.length - 1]!.id)}">Older closed sessions →</a></p>`
    : html``;

/** The part of the sessions page the SSE stream replaces (innerHTML of #sessions-live). */
export const sessionsContent = (live: SessionRecord[], recent: SessionRecord[], figures?: FiguresOf): Raw =>
  html`<h2>Live <small>${live.length}</small></h2>${sessionTable(live, "No live sessions. Point a miner at the proxy port.", figures)}<h2>Recent <small>${recent.length}</small></h2>${sessionTable(recent, "No closed sessions yet.", figures)}${olderLink(recent)}`;

export function sessionsPage(live: SessionRecord[], recent: SessionRecord[], figures?: FiguresOf): Raw {
  const body = html`<h1>Sessions</h1>
<div id="sessions-live" hx-sse:connect="/ui/stream/sessions" hx-swap="innerHTML">${sessionsContent(live, recent, figures)}</div>`;
  return layout({ title: "Sessions", nav: "sessions", body, live: true });
}

/** Closed sessions further back in the history (a static page: they do not change). */
export function olderSessionsPage(list: SessionRecord[]): Raw {
  const body = html`<h1>Sessions <small>closed, older</small></h1>${sessionTable(list, "No older closed sessions.")}${olderLink(list)}<p><a href="/sessions">← Live and recent sessions</a></p>`;
  return layout({ title: "Older sessions", nav: "sessions", body });
}
