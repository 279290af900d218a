import { Elysia } from "elysia";
import { z } from "zod";
import type { SessionRecord } from "../../capture/records";
import type { Services } from "../services";
import { conflict, notFound } from "./errors";

/** Per-session broadcast switch (SPEC §4) and the Nostr status. */
/** JSON booleans/numbers; form posts (strings "true"/"false", "3") are accepted too, for plain HTML forms. */
export const flag = z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")]);
export const repeat = z.union([z.number(), z.string().regex(/^\d{1,3}$/).transform(Number)]).pipe(z.number().int().min(1).max(100));

export const BroadcastBody = z.object({
  enabled: flag,
  /** 1..100; when omitted the session's current count is kept. */
  repeat_count: repeat.optional(),
});
export type BroadcastBody = z.infer<typeof BroadcastBody>;

export type BroadcastOutcome = { ok: true; session: SessionRecord } | { ok: false; status: 404 | 409; message: string };

/**
 * What every per-session switch (broadcast, auto-replay) checks first: the session exists, and one switched on is live.
 * Turning a switch on where nothing can come of it would look on while doing nothing: say so instead.
 */
export function switchRefusal(svc: Services, sessionId: string, enabling: boolean): { status: 404 | 409; message: string } | null {
  const session = svc.store.getSession(sessionId);
  if (!session) return { status: 404, message: "session not found" };
  if (enabling && session.state !== "live") return { status: 409, message: "the session is closed: it sends no more shares" };
  return null;
}

/** The one place the switch is set (the API route and the session page's form both call it). */
export function setBroadcast(svc: Services, sessionId: string, body: BroadcastBody): BroadcastOutcome {
  const refusal = switchRefusal(svc, sessionId, body.enabled);
  if (refusal) return { ok: false, ...refusal };
  if (body.enabled && !svc.nostr)
    return { ok: false, status: 409, message: "Nostr is disabled (NOSTR_ENABLED=false): nothing can be broadcast" };
  const session = svc.store.updateSession(sessionId, (s) => {
    s.broadcast = { enabled: body.enabled, repeat_count: body.repeat_count ?? s.broadcast.repeat_count };
  });
  return session ? { ok: true, session } : { ok: false, status: 404, message: "session not found" };
}

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
