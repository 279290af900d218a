import { z } from "zod";

/**
 * What HashScope concludes about a message (docs/analysis.md): `analysis` on a message record, null when there is none.
 * One home for these shapes; the API, storage, pages and OpenAPI take them from here.
 */

/** HashScope's own verdict on a miner's submit, decided before the pool answers. */
export const Verdict = z.enum([
  "valid",
  "block_candidate",
  "low_difficulty",
  "unknown_job",
  "stale",
  "duplicate",
  "bad_extranonce2_size",
  "bad_version_bits",
  "bad_ntime",
  /** The params do not decode as a submit (pools answer such a line with an error). */
  "malformed",
  /** No extranonce1 known (subscribe not seen), so the share cannot be hashed. */
  "unverifiable",
]);
export type Verdict = z.infer<typeof Verdict>;

/** Verdicts a correct pool accepts. */
export const ACCEPTABLE: ReadonlySet<Verdict> = new Set(["valid", "block_candidate"]);

export const PoolResult = z.enum(["accepted", "rejected"]);
export type PoolResult = z.infer<typeof PoolResult>;

export const PoolError = z.object({ code: z.number().nullable(), message: z.string().nullable() });
export type PoolError = z.infer<typeof PoolError>;

export const SubmitAnalysis = z.object({
  type: z.literal("submit"),
  verdict: Verdict,
  /** Why, in words, for every verdict but valid. */
  reason: z.string().nullable(),
  /** sha256d(header), display order; null when the share could not be hashed. */
  hash: z.string().nullable(),
  difficulty: z.number().nullable(),
  /** The difficulty in force when the job arrived (1 until set). */
  target_difficulty: z.number().nullable(),
  network_difficulty: z.number().nullable(),
  job_id: z.string().nullable(),
  /** The message (`mining.notify`) that sent this job on the session, while the job book holds it; older exports lack it. */
  job_message_id: z.string().nullable().default(null),
  /** Merkle root of this share's coinbase, header byte order as hex; null when not computed. */
  merkle_root: z.string().nullable(),
  /** null until the pool answers. */
  pool_result: PoolResult.nullable(),
  pool_error: PoolError.nullable(),
  /** Whether the pool's answer matches the verdict (null until it answers). */
  agrees: z.boolean().nullable(),
});
export type SubmitAnalysis = z.infer<typeof SubmitAnalysis>;

export const OutputType = z.enum(["p2pkh", "p2sh", "p2wpkh", "p2wsh", "p2tr", "p2pk", "op_return", "witness_commitment", "unknown"]);
export type OutputType = z.infer<typeof OutputType>;

export const CoinbaseOutput = z.object({
  type: OutputType,
  /** null for outputs without an address (OP_RETURN, bare scripts). */
  address: z.string().nullable(),
  value_sats: z.number().int().nonnegative(),
  script_hex: z.string(),
});
export type CoinbaseOutput = z.infer<typeof CoinbaseOutput>;

export const Coinbase = z.object({
  /** BIP34 height from the scriptSig; null when the first push is not a height. */
  height: z.number().int().nullable(),
  /** The printable text of the scriptSig after the height (usually the pool's name). */
  tag: z.string(),
  outputs: z.array(CoinbaseOutput),
  total_sats: z.number().int().nonnegative(),
});
export type Coinbase = z.infer<typeof Coinbase>;

export const PaysWorker = z.object({
  /** The address the worker name starts with. */
  address: z.string(),
  pays: z.boolean(),
  value_sats: z.number().int().nonnegative(),
  /** value_sats / total_sats, 0..1. */
  share_of_total: z.number(),
});
export type PaysWorker = z.infer<typeof PaysWorker>;

/** What was in force on a session when a job arrived (learned from its traffic); each job and notify analysis keeps a copy. */
export const JobContext = z.object({
  difficulty: z.number().nullable(),
  extranonce1: z.string().nullable(),
  extranonce2_size: z.number().int().nullable(),
  version_mask: z.string().nullable(),
});
export type JobContext = z.infer<typeof JobContext>;

/** What analysis reads of a session: the job context and the worker names it authorized (for the payout check). */
export const SessionContext = JobContext.extend({ workers: z.array(z.string()) });
export type SessionContext = z.infer<typeof SessionContext>;

export const NotifyAnalysis = z.object({
  type: z.literal("notify"),
  job_id: z.string(),
  /** null when the coinbase could not be decoded (see coinbase_error). */
  coinbase: Coinbase.nullable(),
  coinbase_error: z.string().nullable(),
  /** Display order (as explorers show block hashes). */
  prevhash: z.string(),
  /** null when nbits encodes no target (JSON has no Infinity). */
  network_difficulty: z.number().nullable(),
  /** prevhash differs from the previous job's on this session (the first job counts as new). */
  new_block: z.boolean(),
  clean_jobs: z.boolean(),
  /** The payout check for `address.worker` names; null when no worker name starts with an address. */
  pays_worker: PaysWorker.nullable(),
  ...JobContext.shape,
});
export type NotifyAnalysis = z.infer<typeof NotifyAnalysis>;

export const Analysis = z.discriminatedUnion("type", [SubmitAnalysis, NotifyAnalysis]);
export type Analysis = z.infer<typeof Analysis>;

/** Upper bounds (ms) of the pool latency histogram buckets (the last one is +Inf). */
export const LATENCY_BUCKETS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] as const;

export const LatencySummary = z.object({
  count: z.number().int(),
  /** Over the last 1000 answers; null before any. */
  p50_ms: z.number().nullable(),
  p90_ms: z.number().nullable(),
  p99_ms: z.number().nullable(),
  /** Cumulative counts per LATENCY_BUCKETS_MS bound, then +Inf (all answers ever). */
  buckets: z.array(z.number().int()),
  sum_ms: z.number(),
});
export type LatencySummary = z.infer<typeof LatencySummary>;

export const Hashrate = z.object({ m1: z.number(), m15: z.number(), h1: z.number() });

/** One point per minute of the last hour, oldest first. */
export const MinutePoint = z.object({
  /** Start of the minute, ISO 8601 UTC. */
  t: z.string(),
  hashrate_hs: z.number(),
  accepted: z.number().int(),
  rejected: z.number().int(),
});
export type MinutePoint = z.infer<typeof MinutePoint>;

/** A session's figures (GET /api/sessions/:id `analysis`), and the same summed for all sessions. */
export const SessionFigures = z.object({
  /** Difficulty × 2^32 per second from shares HashScope found valid, over 1 min, 15 min, 1 h (or the session's age if shorter). */
  hashrate_hs: Hashrate,
  best_share_difficulty: z.number().nullable(),
  submits: z.number().int(),
  by_verdict: z.record(z.string(), z.number().int()),
  by_pool_result: z.object({ accepted: z.number().int(), rejected: z.number().int() }),
  /** Rejections by "<code> <message>". */
  rejected_by_reason: z.record(z.string(), z.number().int()),
  disagreements: z.number().int(),
  latency_by_method: z.record(z.string(), LatencySummary),
  notifies: z.number().int(),
  notifies_per_min: z.number(),
  clean_jobs: z.number().int(),
  last_new_block_at: z.string().nullable(),
  seconds_since_new_block: z.number().nullable(),
  payout_mismatches: z.number().int(),
  series: z.array(MinutePoint),
});
export type SessionFigures = z.infer<typeof SessionFigures>;
