import { Elysia } from "elysia";
import type { AgentView, FleetUpdate } from "../mitm/fleet";
import type { Services } from "../http/services";
import { sseEvent, sseResponse } from "../http/sse";
import { agentCard, fleetSummary } from "../../views/agents";
import { agentDomId, fleetTotals } from "./agents";
import { oneLine } from "./html";

/**
 * The fleet page's live feed: named events only (app.js places them), each carrying server-escaped HTML.
 * `agent-card` replaces the card with the same id (or adds it), `agent-removed` carries the id to drop,
 * `fleet-summary` the totals line. On every (re)connect the whole fleet is sent again, so a page never stays stale.
 */

const cardEvent = (a: AgentView, now: number) => sseEvent("agent-card", oneLine(agentCard(a, now)));

function frame(svc: Services, updates: FleetUpdate[]): string {
  const now = Date.now();
  // Several reports of one agent in a batch: only its newest state matters.
  const latest = new Map<string, FleetUpdate>();
  for (const u of updates) latest.set(u.type === "agent" ? u.agent.agent_id : u.agent_id, u);
  let out = "";
  for (const u of latest.values())
    out += u.type === "agent" ? cardEvent(u.agent, now) : sseEvent("agent-removed", agentDomId(u.agent_id));
  return out + sseEvent("fleet-summary", oneLine(fleetSummary(fleetTotals(svc.fleet?.list(now) ?? []))));
}

export const fleetStreamRoutes = (svc: Services) =>
  new Elysia({ name: "ui-fleet-stream" }).get("/ui/stream/agents", ({ request }) => {
    const signal = request.signal;
    const fleet = svc.fleet;
    async function* frames() {
      // Subscribe before the snapshot so no update falls between them.
      const live = fleet?.updates.subscribe(signal, 1000);
      const now = Date.now();
      const all = fleet?.list(now) ?? [];
      yield `retry: 1000\n: connected\n\n${all.map((a) => cardEvent(a, now)).join("")}${sseEvent("fleet-summary", oneLine(fleetSummary(fleetTotals(all))))}`;
      if (!live) {
        // Nostr off: nothing will ever change; keep the stream (and the live indicator) open until the page leaves.
        await new Promise<void>((r) => signal.addEventListener("abort", () => r(), { once: true }));
        return;
      }
      for await (const batch of live) yield frame(svc, batch);
    }
    return sseResponse(frames(), signal, { gate: svc.sse });
  });
