import { Elysia } from "elysia";
import { AUTH_COOKIE, sameToken } from "../http/auth";
import { loginPage } from "../../views/simple";
import { htmlResponse } from "./html";

/** Only local paths, so the login form cannot be used to bounce users to another site. */
export const safeNext = (next: unknown): string =>
  typeof next === "string" && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/";

const field = (body: unknown, key: string): string | undefined => {
  if (typeof body !== "object" || body === null) return undefined;
  const v = (body as Record<string, unknown>)[key];
  return typeof v === "string" ? v : undefined;
};

/** GET/POST /login: the browser way to present API_TOKEN (sets the cookie the auth guard reads). */
export const loginRoutes = (token: string | null) =>
  new Elysia({ name: "ui-login" })
    .get("/login", ({ query }) => htmlResponse(loginPage(safeNext(query.next), null, token !== null)))
    .post("/login", ({ body, request }) => {
      const next = safeNext(field(body, "next"));
      if (token === null) return new Response(null, { status: 303, headers: { location: next } });
      const given = field(body, "token") ?? "";
      if (!sameToken(given, token)) return htmlResponse(loginPage(next, "Wrong token.", true), 401);
      const secure = new URL(request.url).protocol === "https:" ? "; Secure" : "";
      const cookie = `${AUTH_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=2592000${secure}`;
      return new Response(null, { status: 303, headers: { location: next, "set-cookie": cookie } });
    });
