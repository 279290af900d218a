import { Elysia } from "elysia";
import { MessageQuery } from "../../capture/query";
import { InstanceId } from "../../instance-id";
import { history } from "../history";
import type { Services } from "../services";
import { notFound } from "./errors";
import { jsonResponse, MessageList } from "./analysis";
import { MessageRecord } from "../../capture/records";

export const messageRoutes = (svc: Services) => {
  const h = history(svc);
  return new Elysia({ prefix: "/api/messages" })
    .get(
      "",
      ({ query }) => {
        const { limit, before, ...filter } = query;
        return h.messages(filter, limit, before);
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
      async ({ params }) => (await h.message(params.id)) ?? notFound("message"),
      { detail: { summary: "One message", tags: ["messages"], responses: jsonResponse("The message", MessageRecord) } },
    );
};
