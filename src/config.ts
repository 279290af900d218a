import { z } from "zod";
import { addressableKind, bool, hex64, parseEnv, port, positiveInt, runId, wsUrlList, type Env } from "./env";
import { parsePoolHost } from "./pool-url";
import { resolveAccess } from "./access";
import { BitcoinNetwork } from "./analysis/network";
import { defaultInstanceId, InstanceId } from "./instance-id";

/** Server (MITM) configuration (README.md#configuration). Names are those of the original HashScope. */
const pubkeyList = z
  .string()
  .transform((s) => s.split(",").map((p) => p.trim()).filter(Boolean))
  .pipe(z.array(hex64));

const ServerEnv = z
  .object({
    POOL_HOST: z.string(),
    // The pool is dialled, so 0 (ephemeral, fine for listening) is no port here.
    POOL_PORT: port.min(1, "must be 1..65535").default(3333),
    LISTEN_HOST: z.string().default("0.0.0.0"),
    LISTEN_PORT: port.default(3333),
    API_HOST: z.string().default("0.0.0.0"),
    API_PORT: port.default(8000),
    API_TOKEN: z.string().min(8, "must be at least 8 characters").optional(),
    /** auto: a token is required unless API_HOST is loopback (generated when API_TOKEN is unset); token: always; none: open (warned). */
    API_AUTH: z.enum(["auto", "token", "none"]).default("auto"),
    /** Host: names the UI and API answer to (DNS-rebinding guard); `*` allows any. */
    API_ALLOWED_HOSTS: z
      .string()
      .transform((s) => s.split(",").map((p) => p.trim().toLowerCase()).filter(Boolean))
      .pipe(z.array(z.string().regex(/^(\*|\[[0-9a-f:.]+\]|[a-z0-9._-]+)$/, "must be host names or [v6] addresses, comma-separated (no ports), or *")))
      .optional(),
    /** A second token good for GET /metrics only (a scraper need not hold API_TOKEN). */
    METRICS_TOKEN: z.string().min(8, "must be at least 8 characters").optional(),
    /** Mask the mining.authorize password in what HashScope shows and stores (relayed bytes stay exact). */
    REDACT_PASSWORDS: bool.default(true),
    CAPTURE_MAX_MESSAGES: positiveInt.default(50_000),
    CAPTURE_MAX_PER_SESSION: positiveInt.default(10_000),
    CAPTURE_MAX_SESSIONS: positiveInt.default(1_000),
    CAPTURE_MAX_LINE_BYTES: positiveInt.default(64 * 1024),
    UPSTREAM_CONNECT_TIMEOUT_MS: positiveInt.default(10_000),
    MAX_SESSIONS: positiveInt.default(20_000),
    HANDSHAKE_TIMEOUT_MS: positiveInt.default(15_000),
    /** Run the relay's sockets on a thread of their own, handing chunks to capture through a shared ring. */
    RELAY_THREAD: bool.default(true),
    /** That ring's size; when it is full chunks are still relayed, their capture is dropped (counted). */
    RELAY_RING_BYTES: positiveInt.min(64 * 1024).default(64 * 1024 * 1024),
    /** With the relay thread: the main thread lowers its own scheduling priority by this many nice steps (0: not). */
    MAIN_THREAD_NICE: z.coerce.number().int().min(0).max(19).default(10),
    /** Bytes waiting for capture, per session and in all; past either, chunks are relayed but not captured (counted). */
    CAPTURE_BACKLOG_BYTES: positiveInt.default(4 * 1024 * 1024),
    CAPTURE_BACKLOG_TOTAL_BYTES: positiveInt.default(64 * 1024 * 1024),
    /** Memory the captured messages may take in all (estimated from their raw and parsed size). */
    CAPTURE_MAX_BYTES: positiveInt.default(128 * 1024 * 1024),
    /** Process RSS past which capture is shed (relaying goes on). */
    MAX_MEMORY_MB: positiveInt.default(1024),
    SSE_MAX_CLIENTS: positiveInt.default(100),
    /** HTTP connections idle this long are closed: also what ends a stream client that stopped reading. */
    API_IDLE_TIMEOUT_SEC: z.coerce.number().int().min(2).max(255).default(30),
    /** Bytes one stream client may have waiting; past it the stream ends and the client resumes with Last-Event-ID. */
    SSE_CLIENT_MAX_BYTES: positiveInt.default(4 * 1024 * 1024),
    DATABASE_URL: z
      .string()
      .regex(
        /^(sqlite:|postgres(ql)?:\/\/)/,
        "must start with sqlite: (sqlite:path/to/file.db or sqlite::memory:) or postgres:// (postgres://user@host:5432/db)",
      )
      .default("sqlite:data/hashscope.db"),
    /** This instance's name on every session and message it stores (several instances may share one PostgreSQL). */
    INSTANCE_ID: InstanceId.default(defaultInstanceId()),
    /** Stored messages (and closed sessions) older than this many days are deleted in the background; 0 keeps all. */
    RETAIN_DAYS: z.coerce.number().min(0).max(36_500).default(30),
    /** At most this many stored messages (oldest deleted first); 0 means no cap. */
    RETAIN_MAX_MESSAGES: z.coerce.number().int().min(0).default(100_000_000),
    /** At most this many bytes of database (the newest messages kept); 0 means no cap. */
    RETAIN_MAX_BYTES: z.coerce.number().int().min(0).default(20 * 1024 ** 3),
    /** The database write queue's bound in (estimated) bytes; beyond it messages are dropped and counted. */
    DB_QUEUE_MAX_BYTES: z.coerce.number().int().min(1024 * 1024).default(64 * 1024 * 1024),
    NOSTR_ENABLED: bool.default(false),
    NOSTR_RELAY_URL: wsUrlList.optional(),
    RUN_ID: runId.optional(),
    NOSTR_SK: hex64.optional(),
    NOSTR_KIND_SHARE: addressableKind.default(30080),
    NOSTR_KIND_TELEMETRY: addressableKind.default(30079),
    NOSTR_AGENT_PUBKEYS: pubkeyList.optional(),
    TELEMETRY_INTERVAL_SEC: z.coerce.number().min(1).max(3600).default(5),
    /** Address prefixes for decoded coinbase outputs and the payout check. */
    BITCOIN_NETWORK: BitcoinNetwork.default("mainnet"),
  })
  .superRefine((env, ctx) => {
    const up = parsePoolHost(env.POOL_HOST, env.POOL_PORT);
    if (typeof up === "string") ctx.addIssue({ code: "custom", path: ["POOL_HOST"], message: up });
    if (env.API_AUTH === "none" && env.API_TOKEN)
      ctx.addIssue({ code: "custom", path: ["API_AUTH"], message: "is none but API_TOKEN is set (unset one of them)" });
    if (env.NOSTR_ENABLED && !env.NOSTR_RELAY_URL)
      ctx.addIssue({ code: "custom", path: ["NOSTR_RELAY_URL"], message: "is required when NOSTR_ENABLED is true" });
  })
  .transform((env) => {
    const upstream = parsePoolHost(env.POOL_HOST, env.POOL_PORT);
    if (typeof upstream === "string") throw new Error("unreachable: validated above");
    return {
      upstream,
      listen: { host: env.LISTEN_HOST, port: env.LISTEN_PORT },
      api: {
        host: env.API_HOST,
        port: env.API_PORT,
        ...resolveAccess({ host: env.API_HOST, auth: env.API_AUTH, token: env.API_TOKEN, allowedHosts: env.API_ALLOWED_HOSTS }),
        metricsToken: env.METRICS_TOKEN ?? null,
      },
      redactPasswords: env.REDACT_PASSWORDS,
      capture: {
        maxMessages: env.CAPTURE_MAX_MESSAGES,
        maxPerSession: env.CAPTURE_MAX_PER_SESSION,
        maxSessions: env.CAPTURE_MAX_SESSIONS,
        maxLineBytes: env.CAPTURE_MAX_LINE_BYTES,
      },
      upstreamConnectTimeoutMs: env.UPSTREAM_CONNECT_TIMEOUT_MS,
      maxSessions: env.MAX_SESSIONS,
      handshakeTimeoutMs: env.HANDSHAKE_TIMEOUT_MS,
      relayThread: env.RELAY_THREAD,
      mainThreadNice: env.MAIN_THREAD_NICE,
      limits: {
        relayRingBytes: env.RELAY_RING_BYTES,
        backlogBytes: env.CAPTURE_BACKLOG_BYTES,
        backlogTotalBytes: env.CAPTURE_BACKLOG_TOTAL_BYTES,
        captureMaxBytes: env.CAPTURE_MAX_BYTES,
        maxMemoryBytes: env.MAX_MEMORY_MB * 1024 * 1024,
        sseMaxClients: env.SSE_MAX_CLIENTS,
        sseClientMaxBytes: env.SSE_CLIENT_MAX_BYTES,
        apiIdleTimeoutSec: env.API_IDLE_TIMEOUT_SEC,
      },
      databaseUrl: env.DATABASE_URL,
      instanceId: env.INSTANCE_ID,
      bitcoinNetwork: env.BITCOIN_NETWORK,
      retention: { days: env.RETAIN_DAYS, maxMessages: env.RETAIN_MAX_MESSAGES, maxBytes: env.RETAIN_MAX_BYTES },
      dbQueueMaxBytes: env.DB_QUEUE_MAX_BYTES,
      nostr: {
        enabled: env.NOSTR_ENABLED,
        relayUrls: env.NOSTR_RELAY_URL ?? [],
        runId: env.RUN_ID ?? crypto.randomUUID(),
        runIdGenerated: env.RUN_ID === undefined,
        sk: env.NOSTR_SK ?? null,
        kindShare: env.NOSTR_KIND_SHARE,
        kindTelemetry: env.NOSTR_KIND_TELEMETRY,
        agentPubkeys: env.NOSTR_AGENT_PUBKEYS ?? null,
        /** Agents report this often; one is offline after 3 missed intervals. */
        telemetryIntervalSec: env.TELEMETRY_INTERVAL_SEC,
      },
    };
  });

export type ServerConfig = z.infer<typeof ServerEnv>;

export const loadServerConfig = (env: Env = process.env): ServerConfig => parseEnv(ServerEnv, env);
