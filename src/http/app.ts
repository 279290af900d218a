import { Elysia } from "elysia";
import { openapi } from "@elysiajs/openapi";
import { z } from "zod";
import type { Services } from "./services";
import { errorBody } from "./api/errors";
import { sessionRoutes } from "./api/sessions";
import { downloadRoutes } from "./api/download";
import { messageRoutes } from "./api/messages";
import { streamRoutes } from "./api/stream";
import { statsRoutes } from "./api/stats";
import { securityGuard } from "./guard";
import { exportRoutes } from "./api/export";
import { broadcastRoutes } from "./api/broadcast";
import { agentRoutes } from "./api/agents";
import { fleetRoutes } from "./api/fleet";
import { replayRoutes } from "./api/replay";

/** What reads the app's own routes in-process (same guard, same code as a request from outside). */
export type Handle = (request: Request) => Promise<Response>;

/**
 * Routes mounted beside the API, behind the same guard: the pages (src/ui/). The API does not import them, so what they
 * need from the app comes through here.
 */
export type Mount = {
  routes: Elysia;
  /** Paths served without credentials (the same for everyone, e.g. what the login page loads). */
  publicPaths?: readonly string[];
  /** Routes that read other routes through the finished app itself; mounted last. */
  throughApp?: (handle: Handle) => Elysia;
};

/** The HTTP server: JSON API (curl-friendly) and, mounted by the UI module, the pages. */
export function createApp(svc: Services, mounts: Mount[] = []) {
  const api = svc.config.api;
  const publicPaths = new Set(["/health", "/login", ...mounts.flatMap((m) => m.publicPaths ?? [])]);
  const app = new Elysia()
    // First: host, credentials and cross-origin checks run before routing, parsing and validation.
    .use(securityGuard({ access: api, metricsToken: api.metricsToken, publicPaths }))
    .onError(({ code, error, set }) => {
      if (code === "VALIDATION") {
        set.status = 422;
        const detail = "all" in error ? error.all.map((e) => ("path" in e && e.path ? `${e.path}: ${e.message}` : e.message)) : [];
        return errorBody(`invalid request: ${detail.join("; ") || error.message}`);
      }
      if (code === "NOT_FOUND") {
        set.status = 404;
        return errorBody("not found");
      }
      if (code === "PARSE") {
        set.status = 400;
        return errorBody("malformed request body");
      }
      console.error("http error:", error);
      set.status = 500;
      return errorBody("internal error");
    })
    .use(
      openapi({
        path: "/api/docs",
        specPath: "/api/docs",
        provider: null,
        documentation: {
          info: { title: "HashScope API", version: "0.1.0", description: "Stratum v1 capture and analysis" },
          // Every route but /health, when the API needs a token (see SECURITY.md).
          components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
          security: api.token === null ? [] : [{ bearer: [] }],
        },
        // The JSON API only: the pages, their form posts and their streams are not part of it.
        exclude: { paths: [/^(?!\/api\/|\/health$|\/metrics$)/] },
        // Query strings are documented as sent (input side of each transform).
        mapJsonSchema: { zod: (schema: z.ZodType) => z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) },
      }),
    )
    .use(statsRoutes(svc))
    .use(sessionRoutes(svc))
    .use(downloadRoutes(svc))
    .use(messageRoutes(svc))
    .use(streamRoutes(svc))
    .use(exportRoutes(svc))
    .use(broadcastRoutes(svc))
    .use(agentRoutes(svc))
    .use(fleetRoutes(svc))
    .use(replayRoutes(svc));
  for (const m of mounts) app.use(m.routes);
  const handle: Handle = (r) => app.handle(r);
  for (const m of mounts) if (m.throughApp) app.use(m.throughApp(handle));
  return app;
}
