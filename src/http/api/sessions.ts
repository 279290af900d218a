import { Elysia } from "elysia";
import { z } from "zod";
import { InstanceId } from "../../instance-id";
import { history, located } from "../history";
import type { Services } from "../services";
import { conflict, notFound } from "./errors";
import { jsonResponse, SessionDetail, sessionAnalysis } from "./analysis";

const SessionsQuery = z.object({
  state: z.enum(["live", "closed", "all"]).default("all"),
  limit: z.coerce.number().int().min(1).max(5000).default(1000),
  /** A session id: the page continues with the sessions listed after it. */
  before: z.string().min(1).max(64).optional(),
  /** Only the sessions that HashScope instance stored (PostgreSQL shared by several); all by default. */
  instance: InstanceId.optional(),
});

export const sessionRoutes = (svc: Services) => {
  const h = history(svc);
  return new Elysia({ prefix: "/api/sessions" })
    .get(
      "",
      async ({ query, set, request }) => {
        const cursor = query.before === undefined ? undefined : await h.session(query.before);
        if (query.before !== undefined && !cursor) return notFound("session in `before`");
        const page = await h.sessions(query.state, query.limit, cursor, query.instance);
        // A full page may have more after it: say where (curl -i shows it; the body stays a plain list).
        if (page.length === query.limit) {
          const next = new URL(request.url);
          next.searchParams.set("before", page[page.length - 1]!.id);
          set.headers.link = `<${next.pathname}${next.search}>; rel="next"`;
        }
        return page.map((s) => located(svc, s));
      },
      {
        query: SessionsQuery,
        detail: { summary: "Sessions, newest first; `limit` (1..5000, 1000) and `before` (a session id) page through them", tags: ["sessions"] },
      },
    )
    .get(
      "/:id",
      async ({ params }) => {
        const s = await h.session(params.id);
        if (!s) return notFound("session");
        const stored = svc.db ? { messages_stored: await svc.db.storedMessageCount(s.id) } : {};
        return { ...located(svc, s), stats: { messages_in_memory: svc.store.sessionMessageCount(s.id), ...stored }, analysis: sessionAnalysis(svc, s) };
      },
      {
        detail: {
          summary: "One session with stats and `analysis`: hashrate, best share, verdicts, pool results, disagreements, latency, job cadence",
          tags: ["sessions"],
          responses: jsonResponse("The session", SessionDetail),
        },
      },
    )
    .post(
      "/:id/disconnect",
      ({ params }) => {
        const s = svc.store.getSession(params.id);
        if (!s) return notFound("session");
        if (!svc.relay.disconnect(params.id)) return conflict(`session is ${s.state}, not live`);
        return { session_id: params.id, disconnected: true };
      },
      { detail: { summary: "Close both sides of a live session", tags: ["sessions"] } },
    );
};
