import { Elysia } from "elysia";
import type { AgentView, FleetUpdate } from "../mitm/fleet";
import type { Services } from "../http/services";
import { sseEvent, sseResponse } from "../http/sse";
import { agentCard, fleetSummary } from "./views/agents";
import { blocksSection } from "./views/blocks";
import { latencySection } from "./views/latency";
import { checksSection } from "./views/checks";
import { poolDifficulties, poolsSection } from "./views/pools";
import { agentDomId, fleetTotals, ownDifficulties } from "./agents";
import { oneLine } from "./html";
import { Hub } from "../capture/hub";

/**
 * The fleet page's live feed: named events only (app.js places them), each carrying server-escaped HTML.
 * `agent-card` replaces the card with the same id (or adds it), `agent-removed` carries the id to drop,
 * `fleet-summary` the totals line. On every (re)connect the whole fleet is sent again, so a page never stays stale.
 */

const cardEvent = (a: AgentView, now: number) => sseEvent("agent-card", oneLine(agentCard(a, now)));

/** What the page's stream follows: the fleet registry's updates, and the block board's new sightings. */
type StreamItem = FleetUpdate | { type: "blocks" };

function frame(svc: Services, updates: StreamItem[]): string {
  const now = Date.now();
  // Several reports of one agent in a batch: only its newest state matters.
  const latest = new Map<string, FleetUpdate>();
  for (const u of updates) if (u.type !== "blocks") latest.set(u.type === "agent" ? u.agent.agent_id : u.agent_id, u);
  let out = "";
  for (const u of latest.values())
    out += u.type === "agent" ? cardEvent(u.agent, now) : sseEvent("agent-removed", agentDomId(u.agent_id));
  return out + sseEvent("fleet-summary", oneLine(fleetSummary(fleetTotals(svc.fleet?.list(now) ?? [])))) + sectionsEvent(svc);
}

/** The latency, checks, block-propagation and pools sections, whole: agents' reports change them, so they are re-sent with each fleet batch. */
const sectionsEvent = (svc: Services): string =>
  svc.nostr
    ? sseEvent("fleet-blocks", oneLine(blocksSection(svc.nostr.blocks.list(), svc.nostr.blocks.clocks()))) +
      sseEvent("fleet-latency", oneLine(latencySection(svc.fleet?.list() ?? []))) +
      sseEvent("fleet-checks", oneLine(checksSection(svc.fleet?.list() ?? []))) +
      sseEvent("fleet-pools", oneLine(poolsSection(svc.nostr.blocks.pools(), poolDifficulties(svc.fleet?.list() ?? [], ownDifficulties(svc)))))
    : "";

export const fleetStreamRoutes = (svc: Services) =>
  new Elysia({ name: "ui-fleet-stream" }).get("/ui/stream/agents", ({ request }) => {
    const signal = request.signal;
    const fleet = svc.fleet;
    async function* frames() {
      // Subscribe before the snapshot so no update falls between them. HashScope's own miners' new blocks change the
      // block sections without any agent report, so the board's changes are followed too.
      const merged = new Hub<StreamItem>();
      const offs = [fleet?.updates.on((u) => merged.publish(u)), svc.nostr?.blocks.changes.on(() => merged.publish({ type: "blocks" }))];
      const unhook = () => offs.forEach((off) => off?.());
      signal.addEventListener("abort", unhook, { once: true });
      const live = fleet ? merged.subscribe(signal, 1000) : undefined;
      const now = Date.now();
      const all = fleet?.list(now) ?? [];
      yield `retry: 1000\n: connected\n\n${all.map((a) => cardEvent(a, now)).join("")}${sseEvent("fleet-summary", oneLine(fleetSummary(fleetTotals(all))))}${sectionsEvent(svc)}`;
      if (!live) {
        // Nostr off: nothing will ever change; keep the stream (and the live indicator) open until the page leaves.
        await new Promise<void>((r) => signal.addEventListener("abort", () => r(), { once: true }));
        return;
      }
      try {
        for await (const batch of live) yield frame(svc, batch);
      } finally {
        unhook(); // also when the stream ended on overflow
      }
    }
    return sseResponse(frames(), signal, { gate: svc.sse });
  });
