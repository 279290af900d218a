import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Credentials: the API token (Bearer header), the browser's signed session cookie that a login hands out, and the
 * per-session CSRF token the pages put in their forms. Pure functions over a key; no I/O.
 */

export const SESSION_COOKIE = "hashscope_session";
export const CSRF_FIELD = "_csrf";
export const CSRF_HEADER = "x-csrf-token";
/** A login lasts 30 days (or until API_TOKEN changes: the signing key is derived from it). */
export const SESSION_MAX_AGE_S = 30 * 24 * 3600;

/** Constant-time comparison so a secret cannot be guessed byte by byte from timings. */
export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.byteLength === y.byteLength && timingSafeEqual(x, y);
}

const mac = (key: Buffer, what: string): string => createHmac("sha256", key).update(what).digest("base64url");

/** Signs sessions and derives their CSRF tokens. The key comes from API_TOKEN, or is random for an open API. */
export class SessionKeys {
  private readonly key: Buffer;
  constructor(token: string | null) {
    this.key = token === null ? randomBytes(32) : createHmac("sha256", token).update("hashscope session v1").digest();
  }
  /** A new session: the cookie value `<id>.<signature>`. */
  issue(): { id: string; cookie: string } {
    const id = randomBytes(16).toString("base64url");
    return { id, cookie: `${id}.${mac(this.key, `s:${id}`)}` };
  }
  /** The session id of a cookie value this key signed, else null. */
  verify(cookie: string | null): string | null {
    if (!cookie) return null;
    const dot = cookie.indexOf(".");
    if (dot <= 0) return null;
    const id = cookie.slice(0, dot);
    return sameToken(cookie.slice(dot + 1), mac(this.key, `s:${id}`)) ? id : null;
  }
  csrf(sessionId: string): string {
    return mac(this.key, `c:${sessionId}`);
  }
}

export function bearer(request: Request): string | null {
  const auth = request.headers.get("authorization");
  return auth?.startsWith("Bearer ") ? auth.slice(7).trim() : null;
}

export function cookieValue(request: Request, name: string): string | null {
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** HttpOnly, SameSite=Strict, and Secure when the page was served over TLS. */
export const sessionCookie = (value: string, secure: boolean): string =>
  `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_MAX_AGE_S}${secure ? "; Secure" : ""}`;
