import { timingSafeEqual } from "node:crypto";
import { Elysia } from "elysia";
import { errorBody } from "./api/errors";

export const AUTH_COOKIE = "hashscope_token";

/** Constant-time comparison so the token cannot be guessed byte by byte from timings. */
export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.byteLength === y.byteLength && timingSafeEqual(x, y);
}

function presentedToken(request: Request): string | null {
  const auth = request.headers.get("authorization");
  if (auth?.startsWith("Bearer ")) return auth.slice(7).trim();
  const cookie = request.headers.get("cookie") ?? "";
  for (const part of cookie.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === AUTH_COOKIE) return decodeURIComponent(v.join("="));
  }
  return null;
}

/** When API_TOKEN is set, every route but /health and the login page needs the token (Bearer header or cookie). */
export const authGuard = (token: string | null) =>
  new Elysia({ name: "auth" }).onBeforeHandle({ as: "global" }, ({ request, set }) => {
    if (!token) return;
    const url = new URL(request.url);
    const path = url.pathname;
    if (path === "/health" || path === "/login" || path.startsWith("/static/") || path.startsWith("/vendor/")) return;
    const given = presentedToken(request);
    if (given !== null && sameToken(given, token)) return;
    if (!path.startsWith("/api") && path !== "/metrics" && request.method === "GET") {
      set.status = 303;
      set.headers.location = `/login?next=${encodeURIComponent(path + url.search)}`; // filters in the URL survive the login
      return "";
    }
    set.status = 401;
    return errorBody("missing or wrong API token (Authorization: Bearer <API_TOKEN>)");
  });
