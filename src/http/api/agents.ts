import { Elysia } from "elysia";
import type { Services } from "../services";
import { notFound } from "./errors";

/** The agent fleet from telemetry (SPEC §4/§5). Empty when Nostr is disabled. */
export const agentRoutes = (svc: Services) =>
  new Elysia({ prefix: "/api/agents" })
    .get("/", () => svc.fleet?.list() ?? [], {
      detail: { summary: "Agents with their latest telemetry; online = seen within 3 intervals", tags: ["agents"] },
    })
    .get(
      "/:id",
      ({ params }) => {
        const a = svc.fleet?.get(params.id);
        if (!a) return notFound("agent");
        return { ...a, history: svc.fleet?.history(params.id) ?? [] };
      },
      { detail: { summary: "One agent with its recent telemetry history (newest first)", tags: ["agents"] } },
    );
