import type { MessageRecord } from "../../capture/records";
import { decodedFields, type Field } from "../fields";
import { analysisFields } from "../analysis-fields";
import { DIRECTION_WORDS, bytes, dateTime, latency } from "../format";
import { html, type Raw } from "../html";
import { methodLabel, status, summary } from "../summary";
import { layout } from "./layout";
import { replaySection, type ReplayPanel } from "./replay";

export type MessageDetail = {
  message: MessageRecord;
  /** For a response: the request it answers. For a request: its response, if seen. */
  request: MessageRecord | null;
  response: MessageRecord | null;
  /** Only for miner submits, when this HashScope can replay. */
  replay?: ReplayPanel | null;
  /** With a database: the HashScope instance that captured it (INSTANCE_ID). */
  instance?: string;
};

const fieldRow = (f: Field): Raw =>
  html`<tr><th scope="row">${f.label}</th><td${f.mono ? html` class="mono"` : ""}>${
    Array.isArray(f.value)
      ? html`<ol class="plain">${f.value.map((v) => html`<li>${v}</li>`)}</ol>`
      : f.href && f.href.startsWith("/")
        ? html`<a href="${f.href}">${f.value}</a>`
        : f.value
  }</td></tr>`;

const link = (m: MessageRecord): Raw =>
  html`<a href="/messages/${encodeURIComponent(m.id)}">#${m.id} ${methodLabel(m)}</a> <span class="muted">${summary(m)}</span>`;

function pairing(d: MessageDetail): Raw {
  const m = d.message;
  if (m.kind === "response") {
    if (!d.request)
      return m.rpc_id === null
        ? html`<p class="muted">This answer has id null: the sender could not tell which request it answers (often a line it could not parse).</p>`
        : html`<p class="muted">No request with this id was seen (unpaired response).</p>`;
    return html`<p>Answers ${link(d.request)} after <strong>${latency(m.latency_ms)}</strong>.</p>`;
  }
  if (m.kind !== "request") return html`<p class="muted">Notifications get no answer.</p>`;
  if (!d.response) return html`<p class="muted">No answer seen yet (or it has left memory).</p>`;
  return html`<p>Answered by ${link(d.response)} after <strong>${latency(d.response.latency_ms)}</strong>.</p>`;
}

function pretty(v: unknown): string {
  try {
    return JSON.stringify(v, null, 2) ?? "null";
  } catch {
    return String(v);
  }
}

export function messageDetailPage(d: MessageDetail): Raw {
  const m = d.message;
  const st = status(m);
  const fields = decodedFields(m);
  const analysis = analysisFields(m);
  const body = html`<h1>Message #${m.id} <small>${methodLabel(m)}</small></h1>
<section class="card">
<table class="kv">
<tr><th scope="row">Time</th><td>${dateTime(m.ts)} <span class="muted">${m.ts}</span></td></tr>
<tr><th scope="row">Session</th><td><a href="/sessions/${encodeURIComponent(m.session_id)}">${m.session_id}</a></td></tr>
${d.instance !== undefined ? html`<tr><th scope="row">Instance</th><td class="mono">${d.instance}</td></tr>` : ""}
<tr><th scope="row">Direction</th><td>${DIRECTION_WORDS[m.direction]}</td></tr>
<tr><th scope="row">Kind</th><td>${m.kind}${m.rpc_id !== null ? html` · id <code>${JSON.stringify(m.rpc_id)}</code>` : ""}</td></tr>
<tr><th scope="row">Size</th><td>${bytes(m.size_bytes)}${m.truncated ? html` <span class="st warn">truncated</span>` : ""}</td></tr>
${st.label ? html`<tr><th scope="row">Status</th><td><span class="st ${st.cls}">${st.label}</span></td></tr>` : ""}
${m.parse_error ? html`<tr><th scope="row">Problem</th><td class="warn-text">${m.parse_error}</td></tr>` : ""}
</table>
</section>
<h2>Paired ${m.kind === "response" ? "request" : "response"}</h2>
<section class="card">${pairing(d)}</section>
<h2>Decoded</h2>
<section class="card" id="decoded">${
    fields.length
      ? html`<table class="kv">${fields.map(fieldRow)}</table>`
      : html`<p class="muted">Nothing to decode for this message.</p>`
  }</section>
${analysis.length ? html`<h2>${m.analysis?.type === "notify" ? "Job (HashScope's decoding)" : "HashScope's check"}</h2>
<section class="card" id="analysis"><table class="kv">${analysis.map(fieldRow)}</table></section>` : ""}
${d.replay ? replaySection(d.replay) : ""}
<h2>${m.raw !== null ? "Raw line (exact)" : "Raw bytes (hex; not valid UTF-8)"}</h2>
<pre class="raw" id="raw">${m.raw ?? m.raw_hex ?? ""}</pre>
<h2>JSON</h2>
<pre class="json">${m.json === undefined || m.json === null ? "(not JSON)" : pretty(m.json)}</pre>`;
  return layout({ title: `Message #${m.id}`, nav: "messages", body });
}
