import { z } from "zod";
import type { AutoReplaySetting, SessionView } from "./record";
import type { Sessions } from "./sessions";

/**
 * The per-session switches (broadcast, auto-replay) and the rules for turning them: a domain rule, not HTTP's. The API
 * routes, the session page's forms and the demo all switch through here, so each refusal is decided in one place.
 */

/** JSON booleans/numbers; form posts (strings "true"/"false", "3") are accepted too, for plain HTML forms. */
export const flag = z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")]);
export const repeat = z.union([z.number(), z.string().regex(/^\d{1,3}$/).transform(Number)]).pipe(z.number().int().min(1).max(100));

export const BroadcastBody = z.object({
  enabled: flag,
  /** 1..100; when omitted the session's current count is kept. */
  repeat_count: repeat.optional(),
});
export type BroadcastBody = z.infer<typeof BroadcastBody>;

export const AutoReplayBody = z.object({ enabled: flag, count: repeat.optional() });
export type AutoReplayBody = z.infer<typeof AutoReplayBody>;

export type { AutoReplaySetting };

/**
 * What switching needs: the sessions (the store's owner of them), whether Nostr can publish, and whether an
 * auto-replay runner (src/mitm/auto-replay.ts) is there to act on its switch. The switches themselves live on the record.
 */
export type SwitchDeps = { store: { readonly sessions: Sessions }; nostr?: unknown; autoReplay?: unknown };

export type SwitchRefusal = { status: 404 | 409; message: string };
export type BroadcastOutcome = { ok: true; session: SessionView } | ({ ok: false } & SwitchRefusal);
export type AutoReplayOutcome = { ok: true; setting: AutoReplaySetting } | { ok: false; status: 404 | 409 | 503; message: string };

/**
 * What every per-session switch checks first: the session exists, and one switched on is live.
 * Turning a switch on where nothing can come of it would look on while doing nothing: say so instead.
 */
export function switchRefusal(deps: Pick<SwitchDeps, "store">, sessionId: string, enabling: boolean): SwitchRefusal | null {
  const session = deps.store.sessions.get(sessionId);
  if (!session) return { status: 404, message: "session not found" };
  if (enabling && session.state !== "live") return { status: 409, message: "the session is closed: it sends no more shares" };
  return null;
}

/** The one place the broadcast switch is set. */
export function setBroadcast(deps: SwitchDeps, sessionId: string, body: BroadcastBody): BroadcastOutcome {
  const refusal = switchRefusal(deps, sessionId, body.enabled);
  if (refusal) return { ok: false, ...refusal };
  if (body.enabled && !deps.nostr)
    return { ok: false, status: 409, message: "Nostr is disabled (NOSTR_ENABLED=false): nothing can be broadcast" };
  const current = deps.store.sessions.get(sessionId)?.broadcast.repeat_count ?? 1;
  const session = deps.store.sessions.setSwitch(sessionId, "broadcast", { enabled: body.enabled, repeat_count: body.repeat_count ?? current });
  return session ? { ok: true, session } : { ok: false, status: 404, message: "session not found" };
}

/** The one place auto-replay is switched. */
export function setAutoReplay(deps: SwitchDeps, sessionId: string, body: AutoReplayBody): AutoReplayOutcome {
  const refusal = switchRefusal(deps, sessionId, body.enabled);
  if (refusal) return { ok: false, ...refusal };
  if (!deps.autoReplay) return { ok: false, status: 503, message: "auto-replay is not available in this HashScope" };
  const count = body.count ?? deps.store.sessions.get(sessionId)?.auto_replay.count ?? 1;
  const session = deps.store.sessions.setSwitch(sessionId, "auto_replay", { enabled: body.enabled, count });
  return session ? { ok: true, setting: { ...session.auto_replay } } : { ok: false, status: 404, message: "session not found" };
}
