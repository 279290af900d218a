import { Elysia } from "elysia";
import { z } from "zod";
import type { Services } from "../services";
import { conflict, notFound } from "./errors";

/** Per-session broadcast switch (SPEC §4) and the Nostr status. */
/** JSON booleans/numbers; form posts (strings "true"/"false", "3") are accepted too, for plain HTML forms. */
const flag = z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")]);
const repeat = z.union([z.number(), z.string().regex(/^\d{1,3}$/).transform(Number)]).pipe(z.number().int().min(1).max(100));

export const BroadcastBody = z.object({
  enabled: flag,
  /** 1..100; when omitted the session's current count is kept. */
  repeat_count: repeat.optional(),
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
