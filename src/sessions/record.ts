import { z } from "zod";

/**
 * The session record: one per miner connection, owned by `Sessions` (sessions.ts), the only code that changes one.
 * Everyone else reads it as a `SessionView` (deeply read-only), which the compiler holds them to.
 */

export const BroadcastSetting = z.object({ enabled: z.boolean(), repeat_count: z.number().int() });
export type BroadcastSetting = z.infer<typeof BroadcastSetting>;
export const AutoReplaySetting = z.object({ enabled: z.boolean(), count: z.number().int() });
export type AutoReplaySetting = z.infer<typeof AutoReplaySetting>;
/** Auto-replay off: a new session's switch, and what records older than the switch read as. */
export const autoReplayOff = (): AutoReplaySetting => ({ enabled: false, count: 1 });

export const SessionState = z.enum(["connecting", "live", "closed", "failed"]);
export type SessionState = z.infer<typeof SessionState>;

export const CloseReason = z.enum([
  "miner_closed",
  "pool_closed",
  "upstream_failed",
  "handshake_timeout",
  "disconnected_by_api",
  "error",
  "restart",
]);
export type CloseReason = z.infer<typeof CloseReason>;

export const Upstream = z.object({ host: z.string(), port: z.number().int(), tls: z.boolean() });
export type Upstream = z.infer<typeof Upstream>;

export const SessionCounters = z.object({
  messages_up: z.number().int(),
  messages_down: z.number().int(),
  bytes_up: z.number().int(),
  bytes_down: z.number().int(),
  parse_errors: z.number().int(),
  submits: z.number().int(),
  accepted: z.number().int(),
  rejected: z.number().int(),
  /** Bytes relayed but not captured because the capture backlog was full (the relay never waits for capture). */
  capture_dropped_bytes: z.number().int(),
});
export type SessionCounters = z.infer<typeof SessionCounters>;

/** What HashScope learns about a session from its traffic. */
export const SessionFacts = z.object({
  user_agent: z.string().nullable(),
  workers: z.array(z.string()),
  extranonce1: z.string().nullable(),
  extranonce2_size: z.number().int().nullable(),
  difficulty: z.number().nullable(),
  version_mask: z.string().nullable(),
});
export type SessionFacts = z.infer<typeof SessionFacts>;

export const SessionRecord = SessionFacts.extend({
  id: z.string(),
  miner_addr: z.string(),
  upstream: Upstream,
  upstream_addr: z.string().nullable(),
  state: SessionState,
  opened_at: z.string(),
  closed_at: z.string().nullable(),
  close_reason: CloseReason.nullable(),
  close_detail: z.string().nullable(),
  /** The switches (switches.ts): each lives here, so it is saved with the session and shown wherever it is. */
  broadcast: BroadcastSetting,
  /** Older records (exports, databases, PostgreSQL JSON) lack it: off. */
  auto_replay: AutoReplaySetting.default(autoReplayOff),
  counters: SessionCounters,
  last_seen: z.string(),
});
export type SessionRecord = z.infer<typeof SessionRecord>;

export const emptyFacts = (): SessionFacts => ({
  user_agent: null,
  workers: [],
  extranonce1: null,
  extranonce2_size: null,
  difficulty: null,
  version_mask: null,
});

export const emptyCounters = (): SessionCounters => ({
  messages_up: 0,
  messages_down: 0,
  bytes_up: 0,
  bytes_down: 0,
  parse_errors: 0,
  submits: 0,
  accepted: 0,
  rejected: 0,
  capture_dropped_bytes: 0,
});

/**
 * Read-only to the compiler, nested objects too (`s.counters.bytes_up += n` does not compile outside sessions.ts).
 * Arrays keep their type, so readers can pass a view where a record is expected; the one array (`workers`) is frozen
 * at run time instead (sessions.ts), so a push throws.
 */
export type ReadonlyFields<T> = {
  readonly [K in keyof T]: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? ReadonlyFields<T[K]> : T[K];
};
export type SessionView = ReadonlyFields<SessionRecord>;
