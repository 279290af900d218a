import { Elysia } from "elysia";
import { MessageQuery } from "../../capture/query";
import type { Services } from "../services";
import { notFound } from "./errors";

export const messageRoutes = (svc: Services) =>
  new Elysia({ prefix: "/api/messages" })
    .get(
      "/",
      ({ query }) => {
        const { limit, before, ...filter } = query;
        // With a database, memory and disk history are merged (no gaps, no duplicates across the boundary).
        return svc.db ? svc.db.messages(filter, limit, before) : svc.store.query(filter, limit, before);
      },
      { query: MessageQuery, detail: { summary: "Messages, newest first; page with `before`", tags: ["messages"] } },
    )
    .get(
      "/:id",
      ({ params }) => (svc.db ? svc.db.message(params.id) : svc.store.getMessage(params.id)) ?? notFound("message"),
      { detail: { summary: "One message", tags: ["messages"] } },
    );
