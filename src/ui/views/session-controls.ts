import type { SessionRecord } from "../../capture/records";
import type { AutoReplaySetting } from "../../sessions/switches";
import { html, type Raw } from "../html";

/**
 * The session page's switches: broadcast to agents over Nostr, and auto-replay. Plain forms (they work with
 * JavaScript off: the server redirects back); with htmx the answer replaces this section in place.
 */

export type Notice = { ok: boolean; text: string };

export type SessionControls = {
  session: SessionRecord;
  /** Nostr is on in this HashScope (broadcast can be turned on). */
  nostr: boolean;
  /** null when this HashScope has no auto-replay service. */
  autoReplay: AutoReplaySetting | null;
  notice: Notice | null;
};

const isLive = (s: SessionRecord): boolean => s.state === "live" || s.state === "connecting";

const form = (action: string, body: Raw): Raw =>
  html`<form method="post" action="${action}" hx-post="${action}" hx-target="#session-controls" hx-swap="outerHTML">${body}</form>`;

const countInput = (name: string, value: number, label: string): Raw =>
  html`<label>${label}<input type="number" name="${name}" min="1" max="100" step="1" value="${value}" required></label>`;

function broadcastBox(c: SessionControls, base: string): Raw {
  const b = c.session.broadcast;
  const action = `${base}/broadcast`;
  const state = b.enabled
    ? html`<span class="st ok" id="broadcast-state">on</span> each submit goes to the agents, repeated ${b.repeat_count}×`
    : html`<span class="st" id="broadcast-state">off</span> ${c.nostr ? "shares stay here" : html`<span class="muted">Nostr is disabled in this HashScope (NOSTR_ENABLED=false)</span>`}`;
  const forms = b.enabled
    ? html`${form(action, html`<input type="hidden" name="enabled" value="true">${countInput("repeat_count", b.repeat_count, "Repeat count (1–100)")}<button type="submit">Update</button>`)}${form(action, html`<input type="hidden" name="enabled" value="false"><button type="submit" id="broadcast-off">Turn broadcast off</button>`)}`
    : form(action, html`<input type="hidden" name="enabled" value="true">${countInput("repeat_count", b.repeat_count, "Repeat count (1–100)")}<button type="submit" id="broadcast-on">Turn broadcast on</button>`);
  return html`<section class="card"><h3>Broadcast to agents</h3><p>${state}</p>${forms}</section>`;
}

function autoReplayBox(c: SessionControls, base: string): Raw {
  const a = c.autoReplay;
  if (!a) return html`<section class="card"><h3>Auto-replay</h3><p class="muted">Not available in this HashScope.</p></section>`;
  const action = `${base}/auto-replay`;
  const state = a.enabled
    ? html`<span class="st warn" id="auto-replay-state">on</span> each miner submit is re-sent ${a.count}× with HashScope's own ids`
    : html`<span class="st" id="auto-replay-state">off</span> <span class="muted">re-sends each miner submit to the pool (load testing)</span>`;
  const forms = a.enabled
    ? html`${form(action, html`<input type="hidden" name="enabled" value="true">${countInput("count", a.count, "Repeats per submit (1–100)")}<button type="submit">Update</button>`)}${form(action, html`<input type="hidden" name="enabled" value="false"><button type="submit" id="auto-replay-off">Turn auto-replay off</button>`)}`
    : form(action, html`<input type="hidden" name="enabled" value="true">${countInput("count", a.count, "Repeats per submit (1–100)")}<button type="submit" id="auto-replay-on">Turn auto-replay on</button>`);
  return html`<section class="card"><h3>Auto-replay</h3><p>${state}</p>${forms}</section>`;
}

export function sessionControls(c: SessionControls): Raw {
  const base = `/sessions/${encodeURIComponent(c.session.id)}`;
  const notice = c.notice
    ? html`<p class="notice ${c.notice.ok ? "ok" : "bad"}" id="controls-notice" role="status">${c.notice.text}</p>`
    : "";
  if (!isLive(c.session)) return html`<div id="session-controls">${notice}</div>`;
  return html`<div id="session-controls">${notice}<div class="controls">${broadcastBox(c, base)}${autoReplayBox(c, base)}</div></div>`;
}
