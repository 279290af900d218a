import { Elysia } from "elysia";
import htmxJs from "htmx.org/dist/htmx.min.js" with { type: "file" };
import sseJs from "htmx.org/dist/ext/hx-sse.min.js" with { type: "file" };
// The CSP build of Alpine: it evaluates x-* expressions with its own parser, so the CSP needs no 'unsafe-eval'.
import alpineJs from "@alpinejs/csp/dist/cdn.min.js" with { type: "file" };
import styleCss from "./public/style.css" with { type: "file" };
import appJs from "./public/app.js" with { type: "file" };
import workerJs from "./public/stream-worker.js" with { type: "file" };

/**
 * One route per file, each embedded at build time: only these files are published (no folder listing, no
 * node_modules at run time), and the lockfile pins the vendor versions. No CDN anywhere.
 */
const VENDOR_CACHE = "public, max-age=86400";
/** Our own files change with the code; revalidate them. */
const OWN_CACHE = "no-cache";

const file = (path: string, cache: string, type: string) => () =>
  new Response(Bun.file(path), { headers: { "content-type": type, "cache-control": cache } });

const JS = "text/javascript; charset=utf-8";

const ASSETS: [path: string, file: string, cache: string, type: string][] = [
  ["/vendor/htmx.min.js", htmxJs, VENDOR_CACHE, JS],
  ["/vendor/hx-sse.min.js", sseJs, VENDOR_CACHE, JS],
  ["/vendor/alpine.min.js", alpineJs, VENDOR_CACHE, JS],
  ["/static/style.css", styleCss, OWN_CACHE, "text/css; charset=utf-8"],
  ["/static/app.js", appJs, OWN_CACHE, JS],
];

/** The login page loads these, so they are served without credentials (they are the same for everyone). */
export const ASSET_PATHS: readonly string[] = ASSETS.map(([p]) => p);

/** Loaded only by signed-in pages (the shared stream), so it stays behind the login like every other route. */
const PRIVATE_ASSETS: typeof ASSETS = [["/static/stream-worker.js", workerJs, OWN_CACHE, JS]];

export const assetRoutes = () => {
  const app = new Elysia({ name: "ui-assets" });
  for (const [path, f, cache, type] of [...ASSETS, ...PRIVATE_ASSETS]) app.get(path, file(f, cache, type));
  return app;
};
