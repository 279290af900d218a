import { paramsOf } from "../stratum/json";
import { Elysia } from "elysia";
import { z } from "zod";
import type { MessageRecord, SessionRecord } from "../capture/records";
import { AutoReplayBody, BroadcastBody, setAutoReplay, setBroadcast } from "../sessions/switches";
import type { Services } from "../http/services";
import { ReplayError, type ReplayResult } from "../mitm/replay";
import { replayResult, SUBMIT_FIELDS, type ReplayPanel } from "./views/replay";
import { sessionControls, type Notice } from "./views/session-controls";
import { notFoundPage } from "./views/simple";
import { htmlResponse, type Raw } from "./html";

/**
 * Form posts from the pages: broadcast and auto-replay switches (session page) and Replay (message detail).
 * They call the same services as the JSON API. With htmx (HX-Request) the answer is the fragment to swap;
 * without JavaScript a success redirects back and a refusal renders the page with the message.
 */

export type RenderSession = (s: SessionRecord, notice: Notice, status: number) => Promise<Response>;
export type RenderMessage = (m: MessageRecord, panel: ReplayPanel, status: number) => Promise<Response>;

const ReplayForm = z.object(Object.fromEntries(SUBMIT_FIELDS.map(([k]) => [k, z.string().max(256).optional()])));

const fromHtmx = (r: Request): boolean => r.headers.get("hx-request") === "true";
const back = (path: string) => new Response(null, { status: 303, headers: { location: path } });
const sessionPath = (id: string) => `/sessions/${encodeURIComponent(id)}`;

export function controlsFor(svc: Services, s: SessionRecord, notice: Notice | null = null): Raw {
  return sessionControls({ session: s, nostr: svc.nostr !== undefined, autoReplay: svc.autoReplay?.get(s.id) ?? null, notice });
}

/** The Replay panel for a miner submit; null for every other message or without a replay service. */
export function replayPanelFor(
  svc: Services,
  m: MessageRecord,
  params: string[] | null = null,
  outcome: ReplayPanel["outcome"] = null,
): ReplayPanel | null {
  if (!svc.replay || m.direction !== "miner_to_pool" || m.kind !== "request" || m.method !== "mining.submit") return null;
  let unavailable: string | null = null;
  try {
    svc.replay.replayable(m.id);
  } catch (e) {
    if (!(e instanceof ReplayError)) throw e;
    unavailable = `Replay works on live sessions only: ${e.message}.`;
  }
  const captured = paramsOf(m.json);
  const shown = params ?? (Array.isArray(captured) ? captured.map((v) => (typeof v === "string" ? v : JSON.stringify(v) ?? "")) : []);
  return { message: m, unavailable, params: shown, outcome };
}

type SwitchOutcome = { ok: true; text: string } | { ok: false; status: number; message: string };
const done = (text: string): SwitchOutcome => ({ ok: true, text });
const refused = (status: number, message: string): SwitchOutcome => ({ ok: false, status, message });

export const actionRoutes = (svc: Services, renderSession: RenderSession, renderMessage: RenderMessage) => {
  /** A session switch's answer: the controls fragment (htmx), else a redirect back, or the page with the refusal. */
  const switched = (s: SessionRecord, request: Request, r: SwitchOutcome) => {
    const notice: Notice = r.ok ? { ok: true, text: r.text } : { ok: false, text: r.message };
    const status = r.ok ? 200 : r.status;
    const now = svc.store.getSession(s.id) ?? s;
    if (fromHtmx(request)) return htmlResponse(controlsFor(svc, now, notice), status);
    return r.ok ? back(sessionPath(s.id)) : renderSession(now, notice, status);
  };
  return new Elysia({ name: "ui-actions" })
    .post("/sessions/:id/broadcast", ({ params, body, request }) => {
      const s = svc.store.getSession(params.id);
      if (!s) return htmlResponse(notFoundPage(`Session ${params.id}`), 404);
      const form = BroadcastBody.safeParse(body);
      if (!form.success) return switched(s, request, refused(422, "repeat count must be a whole number from 1 to 100"));
      const r = setBroadcast(svc, s.id, form.data);
      if (!r.ok) return switched(s, request, r);
      const b = r.session.broadcast;
      return switched(s, request, done(b.enabled ? `Broadcast on (repeat ${b.repeat_count}×).` : "Broadcast off."));
    })
    .post("/sessions/:id/auto-replay", ({ params, body, request }) => {
      const s = svc.store.getSession(params.id);
      if (!s) return htmlResponse(notFoundPage(`Session ${params.id}`), 404);
      const form = AutoReplayBody.safeParse(body);
      if (!form.success) return switched(s, request, refused(422, "count must be a whole number from 1 to 100"));
      const r = setAutoReplay(svc, s.id, form.data);
      if (!r.ok) return switched(s, request, r);
      return switched(s, request, done(r.setting.enabled ? `Auto-replay on (${r.setting.count}× per submit).` : "Auto-replay off."));
    })
    .post("/messages/:id/replay", async ({ params, body, request }) => {
      const m = svc.store.getMessage(params.id);
      if (!m) return htmlResponse(notFoundPage(`Message ${params.id}`), 404);
      const form = ReplayForm.safeParse(body ?? {});
      const fields = form.success ? SUBMIT_FIELDS.map(([k]) => form.data[k] ?? "") : [];
      // Version bits are optional: an empty last field means a 5-param submit.
      const edited = fields.length && fields[5] === "" ? fields.slice(0, 5) : fields;
      let outcome: ReplayPanel["outcome"];
      let status = 200;
      if (!svc.replay) [outcome, status] = [{ error: "replay is not available", status: 503 }, 503];
      else if (!form.success) [outcome, status] = [{ error: "each field must be text of at most 256 characters", status: 422 }, 422];
      else
        try {
          const result: ReplayResult = await svc.replay.replay(m.id, edited);
          outcome = { result };
        } catch (e) {
          if (!(e instanceof ReplayError)) throw e;
          [outcome, status] = [{ error: e.message, status: e.status }, e.status];
        }
      if (fromHtmx(request)) return htmlResponse(replayResult(outcome), status);
      const panel = replayPanelFor(svc, m, fields.length ? fields : null, outcome);
      return panel ? renderMessage(m, panel, status) : htmlResponse(replayResult(outcome), status);
    });
};
