import { stringField } from "../stratum/json";
import { Elysia } from "elysia";
import { cookieValue, sameToken, SESSION_COOKIE, sessionCookie } from "../http/auth";
import { overTls, sessionKeysFor } from "../http/guard";
import { loginPage } from "./views/simple";
import { htmlResponse } from "./html";

const BASE = "http://hashscope.invalid";

/**
 * Only a path on this origin, so the login cannot bounce a browser to another site. Control characters (browsers
 * drop tab and newline from URLs: "/\t/evil" becomes "//evil") and backslashes (read as "/") are refused outright;
 * what is left must resolve to this origin. Returns the normalised path, or "/".
 */
export function safeNext(next: unknown): string {
  if (typeof next !== "string" || !next.startsWith("/") || /[\u0000-\u0020\u007f\\]/.test(next)) return "/";
  try {
    const u = new URL(next, BASE);
    return u.origin === BASE ? u.pathname + u.search + u.hash : "/";
  } catch {
    return "/";
  }
}

const field = (body: unknown, key: string): string | undefined => stringField(body, key) ?? undefined;

/**
 * GET/POST /login: the browser way to present the API token. A good token gets a signed session cookie (never the
 * token itself). GET /login?token=… is the login URL HashScope prints at start when it generated the token.
 */
export const loginRoutes = (token: string | null) => {
  const signIn = (request: Request, given: string, next: string): Response => {
    if (token === null) return new Response(null, { status: 303, headers: { location: next } });
    if (!sameToken(given, token)) return htmlResponse(loginPage(next, "Wrong token.", true), 401);
    const cookie = sessionCookie(sessionKeysFor(token).issue().cookie, overTls(request));
    return new Response(null, { status: 303, headers: { location: next, "set-cookie": cookie } });
  };
  return new Elysia({ name: "ui-login" })
    .get("/login", ({ query, request }) => {
      const next = safeNext(query.next);
      if (typeof query.token === "string") return signIn(request, query.token, next);
      const signedIn = token !== null && sessionKeysFor(token).verify(cookieValue(request, SESSION_COOKIE)) !== null;
      return htmlResponse(loginPage(next, null, token !== null, signedIn));
    })
    .post("/login", ({ body, request }) => signIn(request, field(body, "token") ?? "", safeNext(field(body, "next"))))
    // Sign out: this browser's cookie is dropped (other sessions end when API_TOKEN changes). Needs the CSRF token.
    .post("/logout", ({ request }) => {
      const gone = `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${overTls(request) ? "; Secure" : ""}`;
      return new Response(null, { status: 303, headers: { location: "/login", "set-cookie": gone } });
    });
};
