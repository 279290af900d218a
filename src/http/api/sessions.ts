import { Elysia } from "elysia";
import { z } from "zod";
import { history } from "../history";
import type { Services } from "../services";
import { conflict, notFound } from "./errors";

const StateQuery = z.object({ state: z.enum(["live", "closed", "all"]).default("all") });

export const sessionRoutes = (svc: Services) => {
  const h = history(svc);
  return new Elysia({ prefix: "/api/sessions" })
    .get("/", ({ query }) => h.sessions(query.state), {
      query: StateQuery,
      detail: { summary: "Sessions, newest first", tags: ["sessions"] },
    })
    .get(
      "/:id",
      ({ params }) => {
        const s = h.session(params.id);
        if (!s) return notFound("session");
        const stored = svc.db ? { messages_stored: svc.db.storedMessageCount(s.id) } : {};
        return { ...s, stats: { messages_in_memory: svc.store.sessionMessageCount(s.id), ...stored } };
      },
      { detail: { summary: "One session with stats", tags: ["sessions"] } },
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
