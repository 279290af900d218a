import { Elysia } from "elysia";
import { z } from "zod";
import type { Services } from "../services";
import { conflict, notFound } from "./errors";

/** Per-session broadcast switch (SPEC §4) and the Nostr status. */
export const BroadcastBody = z.object({
  enabled: z.boolean(),
  /** 1..100; when omitted the session's current count is kept. */
  repeat_count: z.number().int().min(1).max(100).optional(),
});
export type BroadcastBody = z.infer<typeof BroadcastBody>;

export const broadcastRoutes = (svc: Services) =>
  new Elysia()
    .post(
      "/api/sessions/:id/broadcast",
      ({ params, body }) => {
        if (!svc.store.getSession(params.id)) return notFound("session");
        // Turning it on without Nostr would publish nothing while looking on: say so instead.
        if (body.enabled && !svc.nostr) return conflict("Nostr is disabled (NOSTR_ENABLED=false): nothing can be broadcast");
        return svc.store.updateSession(params.id, (s) => {
          s.broadcast = { enabled: body.enabled, repeat_count: body.repeat_count ?? s.broadcast.repeat_count };
        });
      },
      {
        body: BroadcastBody,
        detail: { summary: "Publish this session's shares to agents over Nostr (repeat 1..100); answers the session", tags: ["nostr"] },
      },
    )
    .get("/api/nostr", () => svc.nostr?.status() ?? { enabled: false }, {
      detail: { summary: "Nostr relays, publish and telemetry counters", tags: ["nostr"] },
    });
