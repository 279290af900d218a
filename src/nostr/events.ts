import { z } from "zod";
import { finalizeEvent, validateEvent, verifyEvent, type NostrEvent } from "nostr-tools/pure";
import type { Filter } from "nostr-tools/filter";
import { RpcId } from "../capture/records.ts";
import { JobReport } from "./job-report.ts";

/** docs/nostr.md: the two HashScope event kinds, their tags and their JSON content. */

export const SCHEMA = "hashscope.v1";
export const DEFAULT_KIND_SHARE = 30080;
export const DEFAULT_KIND_TELEMETRY = 30079;
/** Jobs carried in each telemetry report: each report repeats the newest, so a missed report loses none. */
export const MAX_RECENT_JOBS = 32;

export type { NostrEvent, Filter };

const hostPort = z.object({ host: z.string(), port: z.number().int().min(0).max(65535) });
const isoTs = z.iso.datetime(); // UTC with Z, any sub-second precision
const count = z.number().int().nonnegative();

export const ShareContent = z.object({
  schema: z.literal(SCHEMA),
  run_id: z.string().min(1),
  event_id: z.string().min(1),
  seq: count,
  ts: isoTs,
  pool: hostPort,
  stratum: z.object({
    method: z.literal("mining.submit"),
    id: RpcId.nullable(),
    // As the miner sent them; the agent decides what it can submit.
    params: z.array(z.unknown()),
  }),
  repeat_count: z.number().int().min(1).max(100),
  context: z.object({
    session_id: z.string(),
    miner_peer: z.string(),
    worker: z.string().nullable(),
    extranonce1: z.string().nullable(),
    extranonce2_size: count.nullable(),
    difficulty: z.number().nullable(),
    version_mask: z.string().nullable(),
    /** `mining.notify` params of this job id when known. */
    job: z.array(z.unknown()).nullable(),
  }),
});
export type ShareContent = z.infer<typeof ShareContent>;

const msOrNull = z.number().nonnegative().nullable();
/** Percentiles over the agent's recent connections (or submits); `n` values in the window. */
const Percentiles = z.object({ p50: msOrNull, p90: msOrNull, p99: msOrNull, last: msOrNull, n: count });

/** One pool behaviour check (docs/nostr.md): verdicts, the pool's exact answers, the latest one. */
const Check = z.object({
  refused: count,
  accepted: count,
  inconclusive: count,
  answers: z.record(z.string(), count),
  last: z.object({ verdict: z.enum(["refused", "accepted", "inconclusive"]), answer: z.string(), at: isoTs }).nullable(),
});

export const ConnState = z.enum(["connecting", "connected", "reconnecting", "error"]);
export type ConnState = z.infer<typeof ConnState>;

export const TelemetryContent = z.object({
  schema: z.literal(SCHEMA),
  run_id: z.string().min(1),
  agent_id: z.string().min(1),
  region: z.string().nullable(),
  ts: isoTs,
  pool_target: hostPort,
  conn_state: ConnState,
  stats: z.object({
    share_events_received_total: count,
    submits_attempted_total: count,
    submits_accepted_total: count,
    submits_rejected_total: count,
    submits_timeout_total: count,
    last_submit_latency_ms: z.number().nonnegative().nullable(),
    latency_ms: z.object({
      p50: z.number().nonnegative().nullable(),
      p90: z.number().nonnegative().nullable(),
      p99: z.number().nonnegative().nullable(),
    }),
    submits_per_second_1min: z.number().nonnegative(),
    submits_per_second_10sec: z.number().nonnegative(),
    reject_reasons: z.record(z.string(), count),
    // Optional, so agents that send only the original fields still validate: what never became a submit.
    share_events_ignored: z.record(z.string(), count).default({}),
    submits_not_connected_total: count.default(0),
    submits_dropped_total: count.default(0),
  }),
  jobs: z.object({
    notify_total: count,
    clean_jobs_total: count,
    last_notify_at: isoTs.nullable(),
    last_prevhash: z.string().nullable(),
  }),
  errors: z.array(z.string()).max(10),
  /** Pool connection timings per (re)connect: TCP connect, TLS handshake (stratum+ssl only), subscribe and authorize round trips. */
  timings: z
    .object({ connect_ms: Percentiles, tls_handshake_ms: Percentiles, subscribe_ms: Percentiles, authorize_ms: Percentiles })
    .nullable()
    .default(null),
  /** The share difficulty the pool set on the agent's connection (mining.set_difficulty), null before any. */
  difficulty: z.number().positive().nullable().default(null),
  /** Pool behaviour checks: replayed share refused, duplicate of an accepted share refused, share for a stale job refused. */
  checks: z.object({ replay: Check, duplicate: Check, stale: Check }).nullable().default(null),
  /** The agent's newest jobs from its own pool connection, oldest first (docs/nostr.md); optional for older agents. */
  recent_jobs: z.array(JobReport).max(MAX_RECENT_JOBS).default([]),
});
export type TelemetryContent = z.infer<typeof TelemetryContent>;

/**
 * Relays index single-letter tags only (docs/nostr.md), so the run id travels in a NIP-32 self-label,
 * `["L", RUN_LABEL]` + `["l", run_id, RUN_LABEL]`, and relay-side filters use `#l`. `run` stays, for people reading events.
 */
export const RUN_LABEL = "hashscope.run";
const runTags = (runId: string): string[][] => [
  ["L", RUN_LABEL],
  ["l", runId, RUN_LABEL],
  ["run", runId],
];
/** Never carried by an event: a second `#l` value that makes one subscriber's filter unlike every other's. */
const SUBSCRIBER_LABEL = "hashscope.sub:";

/** Every share carries its own `d`: without it an addressable-kind relay keeps only the latest share per author. */
export const shareTags = (runId: string, eventId: string): string[][] => [
  ["d", `${runId}:${eventId}`],
  ["t", "hashscope"],
  ...runTags(runId),
  ["type", "share"],
  ["schema", SCHEMA],
];

/** Telemetry's `d` is per agent, so the relay keeps each agent's latest report. */
export const telemetryTags = (runId: string, agentId: string): string[][] => [
  ["d", `${runId}:${agentId}`],
  ["t", "hashscope"],
  ...runTags(runId),
  ["type", "telemetry"],
  ["schema", SCHEMA],
  ["agent", agentId],
];

const nowSec = (): number => Math.floor(Date.now() / 1000);

/** Validates `content` (throws a ZodError when it does not match the schema) and signs it. */
export function buildShareEvent(content: ShareContent, sk: Uint8Array, kind = DEFAULT_KIND_SHARE): NostrEvent {
  const c = ShareContent.parse(content);
  return finalizeEvent({ kind, created_at: nowSec(), tags: shareTags(c.run_id, c.event_id), content: JSON.stringify(c) }, sk);
}

export function buildTelemetryEvent(content: TelemetryContent, sk: Uint8Array, kind = DEFAULT_KIND_TELEMETRY): NostrEvent {
  const c = TelemetryContent.parse(content);
  return finalizeEvent({ kind, created_at: nowSec(), tags: telemetryTags(c.run_id, c.agent_id), content: JSON.stringify(c) }, sk);
}

export type RejectReason =
  | "bad_signature"
  | "wrong_kind"
  | "wrong_run"
  | "wrong_author"
  | "bad_schema"
  /** Fleet only: telemetry for an agent id another key reports as, while that agent is online. */
  | "agent_id_taken";
export type ParseResult<T> = { ok: true; content: T; event: NostrEvent } | { ok: false; reason: RejectReason };
export type Expect = { kind: number; runId: string; authors?: string[] | undefined };

/**
 * Signature check on a fresh copy: nostr-tools caches verifyEvent's answer on the object under a symbol that
 * `{...e}` copies, so an event tampered after finalizeEvent would still read as valid.
 * Returns the clean copy (only the NIP-01 fields) or null.
 */
export function verifiedCopy(event: unknown): NostrEvent | null {
  if (!validateEvent(event)) return null;
  const e = event as Partial<NostrEvent>;
  if (typeof e.id !== "string" || typeof e.sig !== "string") return null;
  const copy: NostrEvent = {
    id: e.id,
    pubkey: e.pubkey as string,
    created_at: e.created_at as number,
    kind: e.kind as number,
    tags: (e.tags as string[][]).map((t) => [...t]),
    content: e.content as string,
    sig: e.sig,
  };
  return verifyEvent(copy) ? copy : null;
}

export const tagValue = (event: NostrEvent, name: string): string | undefined => event.tags.find((t) => t[0] === name)?.[1];

/**
 * Checks in this order: signature (a structurally broken event is also "bad_signature"), kind, author allowlist,
 * run label (`l` tag), JSON + zod schema, `run_id` in content. Any reason but "bad_signature" means the id is authentic.
 */
export function parseIncoming<S extends z.ZodType<{ run_id: string }>>(
  event: unknown,
  expect: Expect,
  schema: S,
): ParseResult<z.infer<S>> {
  const e = verifiedCopy(event);
  if (!e) return { ok: false, reason: "bad_signature" };
  if (e.kind !== expect.kind) return { ok: false, reason: "wrong_kind" };
  if (expect.authors && expect.authors.length > 0 && !expect.authors.includes(e.pubkey)) {
    return { ok: false, reason: "wrong_author" };
  }
  if (!e.tags.some((t) => t[0] === "l" && t[1] === expect.runId && t[2] === RUN_LABEL)) return { ok: false, reason: "wrong_run" };
  let json: unknown;
  try {
    json = JSON.parse(e.content);
  } catch {
    return { ok: false, reason: "bad_schema" };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: "bad_schema" };
  // Some relays ignore tag filters and tags are not content: check the run inside the signed content too.
  if (parsed.data.run_id !== expect.runId) return { ok: false, reason: "wrong_run" };
  return { ok: true, content: parsed.data, event: e };
}

export const parseShare = (event: unknown, expect: Expect): ParseResult<ShareContent> =>
  parseIncoming(event, expect, ShareContent);

export const parseTelemetry = (event: unknown, expect: Expect): ParseResult<TelemetryContent> =>
  parseIncoming(event, expect, TelemetryContent);

/** Only the signature; for subscribers that want raw events. */
export const parseVerified = (event: unknown): ParseResult<NostrEvent> => {
  const e = verifiedCopy(event);
  return e ? { ok: true, content: e, event: e } : { ok: false, reason: "bad_signature" };
};

/**
 * The relay-side filter for one run (docs/nostr.md): kind, `#l` = run id, authors when known, `since` in unix seconds.
 * `subscriber` (e.g. the subscriber's public key) adds a second `#l` value no event carries: it matches nothing more,
 * but makes this filter unlike any other subscriber's, so a relay that caches answers by filter (seen with
 * @nostr-relay/core, 1 s) cannot hand one subscriber the answer it computed for another before new events arrived.
 */
export function runFilter(expect: Expect, since?: number, subscriber?: string): Filter {
  const f: Filter = { kinds: [expect.kind], "#l": subscriber ? [expect.runId, `${SUBSCRIBER_LABEL}${subscriber}`] : [expect.runId] };
  if (expect.authors && expect.authors.length > 0) f.authors = [...expect.authors];
  if (since !== undefined) f.since = since;
  return f;
}
