import { Elysia } from "elysia";
import { MessageQuery } from "../../capture/query";
import { history } from "../history";
import type { Services } from "../services";
import { notFound } from "./errors";

export const messageRoutes = (svc: Services) => {
  const h = history(svc);
  return new Elysia({ prefix: "/api/messages" })
    .get(
      "",
      ({ query }) => {
        const { limit, before, ...filter } = query;
        return h.messages(filter, limit, before);
      },
      { query: MessageQuery, detail: { summary: "Messages, newest first; page with `before`", tags: ["messages"] } },
    )
    .get(
      "/:id",
      async ({ params }) => (await h.message(params.id)) ?? notFound("message"),
      { detail: { summary: "One message", tags: ["messages"] } },
    );
};
