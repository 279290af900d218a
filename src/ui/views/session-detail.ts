import type { MessageRecord, SessionRecord } from "../../capture/records";
import { filterQuery } from "../filters";
import { bytes, count, dateTime, difficulty } from "../format";
import { html, type Raw } from "../html";
import { layout } from "./layout";
import { downloads, liveControls } from "./messages";
import { messageTable } from "./message-table";
import { closeText, stateBadge } from "./sessions";
import { analysisPanel } from "./analysis-panel";
import type { SessionAnalysis } from "../../http/api/analysis";

/** The session's figures; also sent over SSE (as a `session-card` event: the page replaces it by id). */
export const sessionPanel = (s: SessionRecord, a: SessionAnalysis | null): Raw =>
  analysisPanel("session-analysis", a, `/messages${filterQuery({ session_id: s.id, agrees: false })}`);

const live = (s: SessionRecord): boolean => s.state === "live" || s.state === "connecting";

/** The session card; also sent over SSE (event `session-card`) when the session changes. */
export function sessionCard(s: SessionRecord): Raw {
  const c = s.counters;
  const disconnect = live(s)
    ? html`<form method="post" action="/sessions/${encodeURIComponent(s.id)}/disconnect" hx-post="/api/sessions/${encodeURIComponent(s.id)}/disconnect" hx-swap="none" class="inline"><button type="submit" class="danger" id="disconnect">Disconnect</button></form>`
    : "";
  return html`<section class="card" id="session-card"><div class="card-head">${stateBadge(s)} ${disconnect}</div><table class="kv"><tr><th scope="row">Miner</th><td class="mono">${s.miner_addr}</td></tr><tr><th scope="row">Pool</th><td class="mono">${s.upstream.tls ? "stratum+ssl" : "stratum+tcp"}://${s.upstream.host}:${s.upstream.port}${s.upstream_addr ? ` (${s.upstream_addr})` : ""}</td></tr><tr><th scope="row">User agent</th><td>${s.user_agent ?? "—"}</td></tr><tr><th scope="row">Workers</th><td>${s.workers.length ? s.workers.join(", ") : "—"}</td></tr><tr><th scope="row">Difficulty</th><td>${difficulty(s.difficulty)}</td></tr><tr><th scope="row">Extranonce1</th><td class="mono">${s.extranonce1 ?? "—"}${s.extranonce2_size !== null ? ` · extranonce2 ${s.extranonce2_size} bytes` : ""}</td></tr><tr><th scope="row">Version mask</th><td class="mono">${s.version_mask ?? "—"}</td></tr><tr><th scope="row">Opened</th><td>${dateTime(s.opened_at)}</td></tr>${s.closed_at ? html`<tr><th scope="row">Closed</th><td>${dateTime(s.closed_at)} — ${closeText(s)}</td></tr>` : ""}<tr><th scope="row">Messages</th><td>${count(c.messages_up)} up (${bytes(c.bytes_up)}) · ${count(c.messages_down)} down (${bytes(c.bytes_down)})${c.parse_errors ? ` · ${count(c.parse_errors)} unparsable` : ""}</td></tr><tr><th scope="row">Shares</th><td>${count(c.submits)} submitted · <span class="ok-text">${count(c.accepted)} accepted</span> · <span class="bad-text">${count(c.rejected)} rejected</span></td></tr>${c.capture_dropped_bytes ? html`<tr><th scope="row">Not captured</th><td class="warn-text">${bytes(c.capture_dropped_bytes)} relayed but not captured (capture backlog full)</td></tr>` : ""}</table></section>`;
}

export type SessionPage = {
  session: SessionRecord;
  rows: MessageRecord[];
  more: boolean;
  stream: string | null;
  /** Broadcast and auto-replay switches (session-controls.ts). */
  controls?: Raw;
  analysis: SessionAnalysis | null;
  /** With a database: the HashScope instance that captured it (INSTANCE_ID). */
  instance?: string;
};

export function sessionDetailPage(p: SessionPage): Raw {
  const s = p.session;
  const filter = { session_id: s.id };
  const body = html`<h1>Session <small class="mono">${s.id}</small>${p.instance !== undefined ? html` <small class="muted" id="instance">on instance <span class="mono">${p.instance}</span></small>` : ""}</h1>
${sessionCard(s)}
${sessionPanel(s, p.analysis)}
${p.controls ?? ""}
<h2>Messages <small><a href="/messages${filterQuery(filter)}">filter these</a></small></h2>
${downloads(filter)}
${p.stream ? liveControls : ""}
${messageTable({ rows: p.rows, stream: p.stream, path: `/sessions/${encodeURIComponent(s.id)}`, filter: {}, more: p.more })}`;
  return layout({ title: `Session ${s.id}`, nav: "sessions", body, live: p.stream !== null });
}
