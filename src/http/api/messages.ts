import { Elysia } from "elysia";
import { MessageQuery } from "../../capture/query";
import { InstanceId } from "../../instance-id";
import { history, located } from "../history";
import type { Services } from "../services";
import { notFound } from "./errors";
import { jsonResponse, MessageList } from "./analysis";

export const messageRoutes = (svc: Services) => {
  const h = history(svc);
  return new Elysia({ prefix: "/api/messages" })
    .get(
      "",
      async ({ query }) => {
        const { limit, before, ...filter } = query;
        return (await h.messages(filter, limit, before)).map((m) => located(svc, m));
      },
      {
        // `instance`: only what that HashScope stored (PostgreSQL shared by several); all instances by default.
        query: MessageQuery.extend({ instance: InstanceId.optional() }),
        detail: {
          summary: "Messages, newest first; page with `before`; `agrees=false` finds where the pool's answer differs from HashScope's verdict",
          tags: ["messages"],
          responses: jsonResponse("Messages, each with `analysis` (null when none)", MessageList),
        },
      },
    )
    .get(
      "/:id",
      async ({ params }) => {
        const m = await h.message(params.id);
        return m ? located(svc, m) : notFound("message");
      },
      { detail: { summary: "One message", tags: ["messages"], responses: jsonResponse("The message", MessageList.element) } },
    );
};
