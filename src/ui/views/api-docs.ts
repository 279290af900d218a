import { bodyFields, describeSchema, type ApiDescription, type Operation } from "../api-docs";
import { html, type Raw } from "../html";
import { layout } from "./layout";

/** The JSON API, readable: every route of the OpenAPI description with its parameters, body fields and a curl line. */

const shown = (path: string) => path.replace(/\{(\w+)\}/g, "<$1>");
/** A summary with `code` spans, as written in the route definitions. */
const prose = (text: string): Raw => html`${text.split("`").map((part, i) => (i % 2 ? html`<code>${part}</code>` : part))}`;

/** The header curl needs when this HashScope asks for a token (the token itself is never put in a page). */
const AUTH = ` -H "Authorization: Bearer $API_TOKEN"`;

function curl(origin: string, method: string, path: string, op: Operation, token: boolean): string {
  const url = `${origin}${shown(path)}`;
  const auth = token && path !== "/health" ? AUTH : "";
  if (method === "GET") return `curl -s${path.endsWith("stream") ? "N" : ""}${auth} '${url}'`;
  const fields = bodyFields(op);
  const body = fields.length ? ` -H 'content-type: application/json' -d '{${fields.map((f) => `"${f.name}":…`).join(",")}}'` : "";
  return `curl -s -X ${method}${auth} '${url}'${body}`;
}

function operation(origin: string, path: string, method: string, op: Operation, token: boolean): Raw {
  const params = op.parameters ?? [];
  const fields = bodyFields(op);
  return html`<section class="card api-op">
<h2 class="api-route"><span class="st">${method}</span> <code>${shown(path)}</code></h2>
${op.summary ? html`<p>${prose(op.summary)}</p>` : ""}
${params.length ? html`<table class="kv compact"><thead><tr><th>Parameter</th><th>In</th><th>Value</th></tr></thead><tbody>${params.map((p) => html`<tr><td class="mono">${p.name}${p.required ? "" : html` <span class="muted">(optional)</span>`}</td><td>${p.in}</td><td class="mono">${describeSchema(p.schema)}</td></tr>`)}</tbody></table>` : ""}
${fields.length ? html`<table class="kv compact"><thead><tr><th>JSON body field</th><th>Value</th></tr></thead><tbody>${fields.map((f) => html`<tr><td class="mono">${f.name}${f.required ? "" : html` <span class="muted">(optional)</span>`}</td><td class="mono">${f.text}</td></tr>`)}</tbody></table>` : ""}
<pre class="hint">${curl(origin, method, path, op, token)}</pre>
</section>`;
}

/** `token`: this HashScope needs one (the curl lines then send it from $API_TOKEN). */
export function apiDocsPage(d: ApiDescription, origin: string, token = false): Raw {
  const ops = Object.entries(d.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => operation(origin, path, method.toUpperCase(), op, token)),
  );
  const body = html`<h1>API <small>${d.info.title} ${d.info.version}</small></h1>
<p>JSON over HTTP, for curl and scripts. Errors are <code>{"error": "…"}</code> with a fitting status (a bad query is 422).
${token ? html`This HashScope needs its token: send <code>Authorization: Bearer &lt;token&gt;</code> (the token you set as <code>API_TOKEN</code>, or the one printed at start).` : html`This HashScope listens on loopback and needs no token.`} The same description, machine-readable
(OpenAPI 3): <a href="/api/docs"><code>/api/docs</code></a>.</p>
${ops}`;
  return layout({ title: "API", nav: "api", body });
}
