import type { HistoryFilter } from "../../db/storage";
import { Direction, MessageKind, type MessageRecord } from "../../capture/records";
import { KNOWN_METHODS } from "../../stratum/methods";
import { hasFilter } from "../filters";
import { DIRECTION_WORDS, shortId } from "../format";
import { html, type Raw } from "../html";
import { layout } from "./layout";
import { Verdict } from "../../analysis/schema";
import { VERDICT_WORDS } from "../analysis-fields";
import { filterQuery } from "../filters";
import { messageTable } from "./message-table";

export type MessagesPage = {
  rows: MessageRecord[];
  filter: HistoryFilter;
  before: number | undefined;
  more: boolean;
  stream: string | null;
  sessions: { id: string; label: string }[];
  problems: string[];
};

const option = (value: string, label: string, selected: boolean): Raw =>
  html`<option value="${value}"${selected ? html` selected` : ""}>${label}</option>`;

/** Filters are a plain GET form: they live in the URL and work without JavaScript. */
export function filterForm(f: HistoryFilter, sessions: { id: string; label: string }[], action = "/messages"): Raw {
  const sessionKnown = f.session_id === undefined || sessions.some((s) => s.id === f.session_id);
  return html`<form class="filters" method="get" action="${action}">
  <label>Session <select name="session_id"><option value="">any</option>${sessions.map((s) => option(s.id, s.label, s.id === f.session_id))}${sessionKnown ? "" : option(f.session_id ?? "", shortId(f.session_id ?? ""), true)}</select></label>
  <label>Direction <select name="direction"><option value="">any</option>${Direction.options.map((d) => option(d, DIRECTION_WORDS[d], d === f.direction))}</select></label>
  <label>Method <select name="method"><option value="">any</option>${KNOWN_METHODS.map((m) => option(m, m, m === f.method))}${f.method && !KNOWN_METHODS.includes(f.method) ? option(f.method, f.method, true) : ""}</select></label>
  <label>Kind <select name="kind"><option value="">any</option>${MessageKind.options.map((k) => option(k, k, k === f.kind))}</select></label>
  <label class="check"><input type="checkbox" name="errors" value="1"${f.errors ? html` checked` : ""}> errors only</label>
  <label>Shares <select name="share"><option value="">any</option>${option("low", "below target", f.share === "low")}${option("block", "block candidates", f.share === "block")}</select></label>
  <label>Verdict <select name="verdict"><option value="">any</option>${Verdict.options.map((v) => option(v, VERDICT_WORDS[v], v === f.verdict))}</select></label>
  <label>Pool agrees <select name="agrees"><option value="">any</option>${option("false", "no (disagreements)", f.agrees === false)}${option("true", "yes", f.agrees === true)}</select></label>
  <label class="grow">Text <input type="search" name="q" value="${f.q ?? ""}" placeholder="worker, job id, error text, hex…" maxlength="256"></label>
  <label>Instance <input type="text" name="instance" value="${f.instance ?? ""}" placeholder="any" maxlength="63" size="12" title="INSTANCE_ID of the HashScope that captured it (several may share one PostgreSQL)"></label>
  <span class="actions"><button type="submit">Apply</button>${hasFilter(f) ? html` <a href="${action}">Clear</a>` : ""}</span>
</form>`;
}

/** Download links for a filter (the newest 10,000 messages; the API takes limit= up to 100,000). */
export const downloads = (f: HistoryFilter): Raw =>
  html`<p class="downloads">Download ${hasFilter(f) ? "this filter" : "all messages"}: <a href="/api/messages/download${filterQuery(f, { format: "jsonl" })}" download>JSON Lines</a> · <a href="/api/messages/download${filterQuery(f, { format: "csv" })}" download>CSV</a> <span class="muted">(newest 10,000)</span></p>`;

/** Pause keeps the connection and holds new rows until resume (app.js). Only shown with JavaScript. */
export const liveControls = html`<div class="live-controls js-only" x-data x-show="!$store.live.ended">
  <button type="button" id="pause" x-on:click="$store.live.toggle()" x-text="$store.live.paused ? 'Resume' : 'Pause'">Pause</button>
  <span class="muted" x-show="$store.live.paused" x-text="$store.live.held + ' new rows held'"></span>
  <span class="muted" x-show="$store.live.skipped > 0" x-text="$store.live.skipped + ' rows skipped at high rate (see older messages)'"></span>
</div>`;

export function messagesPage(p: MessagesPage): Raw {
  const body = html`<h1>Messages ${p.before ? html`<small>history before #${p.before}</small>` : ""}</h1>
${filterForm(p.filter, p.sessions)}
${p.problems.length ? html`<p class="notice">${p.problems.join("; ")}</p>` : ""}
${downloads(p.filter)}
${p.stream ? liveControls : ""}
${messageTable({ rows: p.rows, stream: p.stream, path: "/messages", filter: p.filter, more: p.more })}`;
  return layout({ title: "Messages", nav: "messages", body, live: p.stream !== null });
}
