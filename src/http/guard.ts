import { stringField } from "../stratum/json";
import { Elysia } from "elysia";
import { hostAllowed, type Access } from "../access";
import { bearer, cookieValue, CSRF_FIELD, CSRF_HEADER, sameToken, SESSION_COOKIE, sessionCookie, SessionKeys } from "./auth";
import { errorBody } from "./api/errors";

/**
 * What every request passes before any route sees it (so before body parsing and query validation), in order:
 * the Host: check, the body cap, the cross-origin check on state-changing methods, the credentials; then, once the
 * body is parsed, the CSRF token of browser requests. Every answer carries the security headers; every HTML page
 * gets its session's CSRF token in each of its POST forms.
 */

/** Request bodies above this are refused (413); our largest real body is a replay's edited params. */
export const MAX_BODY_BYTES = 1024 * 1024;

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "content-security-policy": CSP,
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
});

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export type GuardOptions = {
  access: Access;
  metricsToken: string | null;
  /** Exact paths that need no credentials: /health, the login page and the assets it loads. */
  publicPaths: ReadonlySet<string>;
};

/** One key per API token (stable across restarts with a fixed API_TOKEN); one random key per process when open. */
const keyring = new Map<string | null, SessionKeys>();
export function sessionKeysFor(token: string | null): SessionKeys {
  let k = keyring.get(token);
  if (!k) keyring.set(token, (k = new SessionKeys(token)));
  return k;
}

/** Served over TLS, directly or behind a proxy that says so. */
export const overTls = (r: Request): boolean =>
  new URL(r.url).protocol === "https:" || r.headers.get("x-forwarded-proto") === "https";

/**
 * A state-changing request a browser sent from another site: Sec-Fetch-Site says so, or Origin names another host
 * (or is "null"). curl and other non-browser clients send neither header.
 */
export function crossSite(r: Request): boolean {
  const site = r.headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin") return true;
  const origin = r.headers.get("origin");
  if (origin === null) return false;
  try {
    return new URL(origin).host !== (r.headers.get("host") ?? new URL(r.url).host);
  } catch {
    return true; // "null" (sandboxed frame, file:) or garbage
  }
}

const browserish = (r: Request): boolean =>
  r.headers.has("origin") || r.headers.has("sec-fetch-site") || r.headers.has("cookie");

const refuse = (set: { status?: number | string }, status: number, message: string) => {
  set.status = status;
  return errorBody(message);
};

const formField = stringField;

/**
 * The page's CSRF token: a hidden field first in every POST form, and a `csrf-token` meta tag in the head that
 * src/ui/public/app.js adds to every htmx request (for a button posting outside a form). base64url: nothing to escape.
 */
export const withCsrfFields = (page: string, token: string): string =>
  page
    .replace(/<form\b[^>]*\bmethod="post"[^>]*>/gi, (tag) => `${tag}<input type="hidden" name="${CSRF_FIELD}" value="${token}">`)
    .replace("</head>", `<meta name="csrf-token" content="${token}">\n</head>`);

export function securityGuard(o: GuardOptions) {
  const { access } = o;
  const keys = sessionKeysFor(access.token);
  /** Per request: the browser session (for its CSRF token) and whether a Bearer token authenticated it. */
  const sessionOf = new WeakMap<Request, string>();
  const bearerOk = new WeakSet<Request>();

  return new Elysia({ name: "security" })
    .onRequest(({ request, set }) => {
      Object.assign(set.headers, SECURITY_HEADERS);
      const url = new URL(request.url);
      const path = url.pathname;
      if (path !== "/health" && !hostAllowed(access, request.headers.get("host") ?? url.host))
        return refuse(set, 421, "this Host: name is not one HashScope answers to (API_ALLOWED_HOSTS)");
      if (Number(request.headers.get("content-length") ?? 0) > MAX_BODY_BYTES)
        return refuse(set, 413, `request body over ${MAX_BODY_BYTES} bytes`);
      const changes = !SAFE_METHODS.has(request.method);
      if (changes && crossSite(request)) return refuse(set, 403, "cross-origin request refused");

      const session = keys.verify(cookieValue(request, SESSION_COOKIE));
      if (session) sessionOf.set(request, session);
      const given = bearer(request);
      if (given !== null && access.token !== null && sameToken(given, access.token)) bearerOk.add(request);
      if (access.token === null) {
        // Open API: the session cookie only carries the CSRF token, handed out with the first page.
        const page = request.method === "GET" && !path.startsWith("/api/") && (!o.publicPaths.has(path) || path === "/login");
        if (!session && page) {
          const fresh = keys.issue();
          sessionOf.set(request, fresh.id);
          set.headers["set-cookie"] = sessionCookie(fresh.cookie, overTls(request));
        }
        return;
      }
      if (o.publicPaths.has(path) || session || bearerOk.has(request)) return;
      const metrics = path === "/metrics" && request.method === "GET" && o.metricsToken !== null;
      if (metrics && given !== null && sameToken(given, o.metricsToken!)) return;
      if (request.method === "GET" && !path.startsWith("/api/") && path !== "/metrics") {
        set.status = 303;
        set.headers.location = `/login?next=${encodeURIComponent(path + url.search)}`; // filters in the URL survive the login
        return "";
      }
      return refuse(set, 401, "missing or wrong API token (Authorization: Bearer <API_TOKEN>)");
    })
    .onBeforeHandle({ as: "global" }, ({ request, body, set }) => {
      // Browsers send cookies by themselves, so a browser's state change must also show the page's CSRF token.
      if (SAFE_METHODS.has(request.method) || bearerOk.has(request) || !browserish(request)) return;
      if (new URL(request.url).pathname === "/login") return; // no session yet; posting it needs the API token itself
      const session = sessionOf.get(request);
      const token = request.headers.get(CSRF_HEADER) ?? formField(body, CSRF_FIELD);
      if (!session || token === null || !sameToken(token, keys.csrf(session)))
        return refuse(set, 403, "missing or stale CSRF token: reload the page and try again");
    })
    .mapResponse({ as: "global" }, async ({ request, responseValue }) => {
      const session = sessionOf.get(request);
      if (!session || !(responseValue instanceof Response)) return;
      if (!responseValue.headers.get("content-type")?.startsWith("text/html")) return;
      const page = withCsrfFields(await responseValue.text(), keys.csrf(session));
      return new Response(page, { status: responseValue.status, headers: responseValue.headers });
    });
}
