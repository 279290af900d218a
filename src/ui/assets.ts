import { Elysia } from "elysia";
import htmxJs from "htmx.org/dist/htmx.min.js" with { type: "file" };
import sseJs from "htmx.org/dist/ext/hx-sse.min.js" with { type: "file" };
import alpineJs from "alpinejs/dist/cdn.min.js" with { type: "file" };
import styleCss from "../../public/style.css" with { type: "file" };
import appJs from "../../public/app.js" with { type: "file" };
import workerJs from "../../public/stream-worker.js" with { type: "file" };

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

export const assetRoutes = () =>
  new Elysia({ name: "ui-assets" })
    .get("/vendor/htmx.min.js", file(htmxJs, VENDOR_CACHE, JS))
    .get("/vendor/hx-sse.min.js", file(sseJs, VENDOR_CACHE, JS))
    .get("/vendor/alpine.min.js", file(alpineJs, VENDOR_CACHE, JS))
    .get("/static/style.css", file(styleCss, OWN_CACHE, "text/css; charset=utf-8"))
    .get("/static/app.js", file(appJs, OWN_CACHE, JS))
    .get("/static/stream-worker.js", file(workerJs, OWN_CACHE, JS));
