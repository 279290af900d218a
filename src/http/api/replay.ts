import { Elysia } from "elysia";
import { z } from "zod";
import { ReplayError } from "../../mitm/replay";
import { AutoReplayBody, setAutoReplay } from "../../sessions/switches";
import type { Services } from "../services";
import { errorBody, notFound } from "./errors";

/** Replay and auto-replay routes (README.md#json-api): own JSON-RPC ids, answers never forwarded to the miner. The switch: src/sessions/switches.ts. */
export const ReplayBody = z.object({ params: z.array(z.unknown()).optional() }).optional();

const errorResponse = (status: number, message: string) =>
  new Response(JSON.stringify(errorBody(message)), { status, headers: { "content-type": "application/json" } });

export const replayRoutes = (svc: Services) =>
  new Elysia()
    .post(
      "/api/messages/:id/replay",
      async ({ params, body }) => {
        if (!svc.replay) return errorResponse(503, "replay is not available");
        try {
          return await svc.replay.replay(params.id, body?.params);
        } catch (err) {
          if (err instanceof ReplayError) return errorResponse(err.status, err.message);
          throw err;
        }
      },
      {
        body: ReplayBody,
        detail: {
          summary: "Re-send a captured mining.submit on its live session with an own id; returns the pool's answer",
          tags: ["messages"],
        },
      },
    )
    .get(
      "/api/sessions/:id/auto-replay",
      ({ params }) => {
        const s = svc.store.getSession(params.id);
        if (!s) return notFound("session");
        return { session_id: params.id, ...s.auto_replay };
      },
      { detail: { summary: "Auto-replay setting of a session", tags: ["sessions"] } },
    )
    .post(
      "/api/sessions/:id/auto-replay",
      ({ params, body }) => {
        const r = setAutoReplay(svc, params.id, body);
        if (r.ok) return { session_id: params.id, ...r.setting };
        return r.status === 404 ? notFound("session") : errorResponse(r.status, r.message);
      },
      {
        body: AutoReplayBody,
        detail: { summary: "Re-send each miner submit `count` times (1..100) with own ids", tags: ["sessions"] },
      },
    );
