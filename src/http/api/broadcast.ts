import { Elysia } from "elysia";
import { BroadcastBody, setBroadcast } from "../../sessions/switches";
import type { Services } from "../services";
import { conflict, notFound } from "./errors";

/** The per-session broadcast route (the switch and its rules: src/sessions/switches.ts) and the Nostr status. */
export const broadcastRoutes = (svc: Services) =>
  new Elysia()
    .post(
      "/api/sessions/:id/broadcast",
      ({ params, body }) => {
        const r = setBroadcast(svc, params.id, body);
        if (r.ok) return r.session;
        return r.status === 404 ? notFound("session") : conflict(r.message);
      },
      {
        body: BroadcastBody,
        detail: { summary: "Publish this session's shares to agents over Nostr (repeat 1..100); answers the session", tags: ["nostr"] },
      },
    )
    .get("/api/nostr", () => svc.nostr?.status() ?? { enabled: false }, {
      detail: { summary: "Nostr relays, publish and telemetry counters", tags: ["nostr"] },
    });
