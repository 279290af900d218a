import { html, type Raw } from "../html";

export type Nav = "overview" | "messages" | "sessions" | "agents" | "api" | "none";

export type LayoutOptions = {
  title: string;
  nav: Nav;
  body: Raw;
  /** Live pages show the connection indicator (the page's own SSE element drives it). */
  live?: boolean;
};

const NAV: [Nav, string, string][] = [
  ["overview", "/", "Overview"],
  ["messages", "/messages", "Messages"],
  ["sessions", "/sessions", "Sessions"],
  ["agents", "/agents", "Agents"],
  ["api", "/docs", "API"],
];

/** The page shell: one stylesheet, vendor scripts from our own origin, nav, live indicator. */
export const layout = (o: LayoutOptions): Raw => html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} · HashScope</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/style.css">
<script src="/static/app.js"></script>
<script src="/vendor/htmx.min.js"></script>
<script src="/vendor/hx-sse.min.js"></script>
<script defer src="/vendor/alpine.min.js"></script>
</head>
<body>
<header class="top">
  <a class="brand" href="/">HashScope</a>
  <nav>${NAV.map(([key, href, label]) => html`<a href="${href}"${key === o.nav ? html` aria-current="page"` : ""}>${label}</a>`)}</nav>
  ${o.live ? indicator : ""}
</header>
<main>
${o.body}
</main>
</body>
</html>
`;

/** Server-rendered as "static"; Alpine takes it over when scripts run. */
const indicator = html`<span class="indicator" id="indicator" data-state="static" x-data x-bind:data-state="$store.live.state" x-text="$store.live.label" role="status" aria-live="polite">static page</span>`;
