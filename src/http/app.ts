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
import { ASSET_PATHS } from "../ui/assets";
import { exportRoutes } from "./api/export";
import { broadcastRoutes } from "./api/broadcast";
import { agentRoutes } from "./api/agents";
import { fleetRoutes } from "./api/fleet";
import { replayRoutes } from "./api/replay";
import { multiStream, parseStreams } from "../ui/multi-stream";

/** The HTTP server: JSON API (curl-friendly) and, mounted by the UI module, the pages. */
export function createApp(svc: Services, extra: Elysia[] = []) {
  const api = svc.config.api;
  const app = new Elysia()
    // First: host, credentials and cross-origin checks run before routing, parsing and validation.
    .use(securityGuard({ access: api, metricsToken: api.metricsToken, publicPaths: new Set(["/health", "/login", ...ASSET_PATHS]) }))
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
  for (const e of extra) app.use(e);
  // All live views of a browser over one connection (src/ui/multi-stream.ts); each part is read through the app itself.
  app.get("/ui/stream/multi", ({ request, set }) => {
    const streams = parseStreams(new URL(request.url).searchParams);
    if (typeof streams === "string") {
      set.status = 422;
      return errorBody(streams);
    }
    return multiStream((r) => app.handle(r), request, streams);
  });
  return app;
}
