import { Elysia } from "elysia";
import type { Services } from "../services";
import { sseEvent, sseResponse } from "../sse";
import { notFound } from "./errors";

/** The agent fleet from telemetry (README.md#json-api; content in docs/nostr.md#telemetry-content). Empty when Nostr is disabled. */
export const agentRoutes = (svc: Services) =>
  new Elysia({ prefix: "/api/agents" })
    .get("", () => svc.fleet?.list() ?? [], {
      detail: { summary: "Agents with their latest telemetry; online = seen within 3 intervals", tags: ["agents"] },
    })
    .get(
      "/stream",
      ({ request }) => {
        const fleet = svc.fleet;
        async function* frames() {
          // Subscribe first, then the snapshot, so no update falls between them.
          const live = fleet?.updates.subscribe(request.signal, 1000);
          yield `retry: 1000\n${sseEvent("snapshot", JSON.stringify(fleet?.list() ?? []))}`;
          if (!live) {
            await new Promise<void>((r) => request.signal.addEventListener("abort", () => r(), { once: true }));
            return;
          }
          for await (const batch of live)
            yield batch.map((u) => (u.type === "agent" ? sseEvent("agent", JSON.stringify(u.agent)) : sseEvent("removed", JSON.stringify({ agent_id: u.agent_id })))).join("");
        }
        return sseResponse(frames(), request.signal, { gate: svc.sse });
      },
      {
        detail: {
          summary: "Server-Sent Events: `snapshot` (all agents) then `agent` (one agent changed) and `removed`",
          tags: ["agents"],
        },
      },
    )
    .get(
      "/:id",
      ({ params }) => {
        const a = svc.fleet?.get(params.id);
        if (!a) return notFound("agent");
        return { ...a, history: svc.fleet?.history(params.id) ?? [] };
      },
      { detail: { summary: "One agent with its recent telemetry history (newest first)", tags: ["agents"] } },
    );
