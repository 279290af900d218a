import type { MessageFilter } from "../../capture/query";
import type { MessageRecord } from "../../capture/records";
import { filterQuery } from "../filters";
import { DIRECTION_ARROW, DIRECTION_WORDS, bytes, clock, latency, shortId } from "../format";
import { html, type Raw } from "../html";
import { methodLabel, status, summary } from "../summary";
import { analysisBadges } from "../analysis-fields";

/** Rows the page keeps while live; older rows drop off (history stays one click away). */
export const ROW_CAP = 500;

/** One stream row, on one line (it travels inside a single SSE data field). Newest rows come first. */
export function messageRow(m: MessageRecord, fresh = false): Raw {
  const st = status(m);
  const detail = `/messages/${encodeURIComponent(m.id)}`;
  return html`<tr data-seq="${m.seq}"${fresh ? html` class="fresh"` : ""}><td class="c-t"><a href="${detail}">${clock(m.ts)}</a></td><td class="c-s"><a href="/sessions/${encodeURIComponent(m.session_id)}" title="${m.session_id}">${shortId(m.session_id)}</a></td><td class="c-d" title="${DIRECTION_WORDS[m.direction]}"><span class="dir ${m.direction}">${DIRECTION_ARROW[m.direction]}</span></td><td class="c-m"><a href="${detail}">${methodLabel(m)}</a></td><td class="c-i" title="${m.rpc_id === null ? "" : JSON.stringify(m.rpc_id)}">${m.rpc_id === null ? "" : String(m.rpc_id)}</td><td class="c-sum">${summary(m)}</td><td class="c-n">${bytes(m.size_bytes)}</td><td class="c-l">${latency(m.latency_ms)}</td><td class="c-st">${st.label ? html`<span class="st ${st.cls}">${st.label}</span>` : ""}${analysisBadges(m).map((b) => html` <span class="st ${b.cls}">${b.label}</span>`)}</td></tr>`;
}

/** Rows newest first, as one string without newlines. */
export const messageRows = (ms: MessageRecord[], fresh = false): Raw => html`${ms.map((m) => messageRow(m, fresh))}`;

export type MessageTableOptions = {
  /** Newest first. */
  rows: MessageRecord[];
  /** SSE URL when live; null for a history page. */
  stream: string | null;
  /** Where "older" links go (the page path, e.g. /messages or /sessions/x). */
  path: string;
  filter: MessageFilter;
  /** More rows exist before the oldest shown. */
  more: boolean;
};

export function messageTable(o: MessageTableOptions): Raw {
  const oldest = o.rows[o.rows.length - 1];
  const older = oldest ? `${o.path}${filterQuery(o.filter, { before: oldest.seq })}` : null;
  const tbody = o.stream
    ? html`<tbody id="rows" data-cap="${ROW_CAP}" hx-sse:connect="${o.stream}" hx-swap="afterbegin">`
    : html`<tbody id="rows">`;
  return html`<div class="table-wrap"><table class="msgs">
<thead><tr><th class="c-t">Time (UTC)</th><th class="c-s">Session</th><th class="c-d" title="direction">Dir</th><th class="c-m">Method</th><th class="c-i">Id</th><th class="c-sum">Summary</th><th class="c-n">Size</th><th class="c-l">Latency</th><th class="c-st">Status</th></tr></thead>
${tbody}${messageRows(o.rows)}</tbody>
</table></div>
${o.rows.length === 0 ? html`<p class="empty" id="empty-note">No messages${o.stream ? " yet — they appear here as miners talk to the pool" : ""}.</p>` : ""}
<nav class="pager">
  ${o.stream ? "" : html`<a href="${o.path}${filterQuery(o.filter)}">← Back to live</a>`}
  ${
    o.stream
      ? // Shown only when something is older than the oldest row; app.js shows it once live rows push some out.
        html`<a id="older" href="${older ?? `${o.path}${filterQuery(o.filter)}`}"${older && o.more ? "" : html` hidden`}>Older messages →</a>`
      : older && o.more
        ? html`<a id="older" href="${older}">Older messages →</a>`
        : ""
  }
</nav>`;
}
