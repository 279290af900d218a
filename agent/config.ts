import { hostname } from "node:os";
import { z } from "zod";
import { addressableKind, bool, hex64, parseEnv, port, runId, wsUrlList, type Env } from "../src/env.ts";
import { parsePoolHost } from "../src/pool-url.ts";
import type { Upstream } from "../src/capture/records.ts";

/** Agent configuration (README.md#configuration-agent). Names and defaults are the original's; RUN_ID and NOSTR_RELAY_URL are required here. */

const name = (what: string) => z.string().regex(/^[A-Za-z0-9._:@-]{1,64}$/, `${what} must be 1-64 characters of A-Z a-z 0-9 . _ : @ -`);

const AgentEnv = z
  .object({
    POOL_HOST: z.string(),
    POOL_PORT: port.default(3333),
    WORKER_NAME: z.string().regex(/^\S{1,128}$/, "must be 1-128 characters without spaces").default("hashscope_agent"),
    WORKER_PASSWORD: z.string().max(256).default("x"),
    RUN_ID: runId,
    NOSTR_RELAY_URL: wsUrlList,
    NOSTR_SK: hex64.optional(),
    NOSTR_MITM_PUBKEY: hex64.transform((s) => s.toLowerCase()).optional(),
    NOSTR_KIND_SHARE: addressableKind.default(30080),
    NOSTR_KIND_TELEMETRY: addressableKind.default(30079),
    AGENT_ID: name("it").optional(),
    FLY_REGION: z.string().optional(),
    FLY_MACHINE_ID: z.string().optional(),
    AGENT_REGION: z.string().max(64).optional(),
    TELEMETRY_INTERVAL_SEC: z.coerce.number().min(0.1).max(3600).default(5),
    /** Not in the original's table: how long a submit waits for the pool's answer. */
    SUBMIT_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
    MAX_INFLIGHT_SUBMITS: z.coerce.number().int().min(1).max(10_000).default(256),
    /** The stale-job behaviour check: one probe submit per new block (docs/nostr.md). */
    AGENT_STALE_CHECK: bool.default(true),
  })
  .superRefine((env, ctx) => {
    const up = parsePoolHost(env.POOL_HOST, env.POOL_PORT);
    if (typeof up === "string") ctx.addIssue({ code: "custom", path: ["POOL_HOST"], message: up });
  });

export type AgentConfig = {
  pool: Upstream;
  /** WORKER_NAME; the agent authorizes as `<workerBase>.hashscope_agent<random digits>`. */
  workerBase: string;
  workerPassword: string;
  runId: string;
  relayUrls: string[];
  /** Hex secret or null (generated at start). */
  sk: string | null;
  mitmPubkey: string | null;
  kindShare: number;
  kindTelemetry: number;
  agentId: string;
  region: string | null;
  telemetryIntervalMs: number;
  submitTimeoutMs: number;
  maxInflight: number;
  staleCheck: boolean;
};

/** Fly sets FLY_REGION and FLY_MACHINE_ID on every machine; elsewhere the host name identifies the agent. */
export function defaultAgentId(env: { FLY_REGION?: string | undefined; FLY_MACHINE_ID?: string | undefined }, host = hostname()): string {
  const id = env.FLY_REGION && env.FLY_MACHINE_ID ? `${env.FLY_REGION}-${env.FLY_MACHINE_ID}` : host;
  const clean = id.replace(/[^A-Za-z0-9._:@-]/g, "_").slice(0, 64);
  return clean === "" ? "agent" : clean;
}

/** Throws ConfigError naming the first bad variable. */
export function loadAgentConfig(env: Env = process.env): AgentConfig {
  const e = parseEnv(AgentEnv, env);
  const pool = parsePoolHost(e.POOL_HOST, e.POOL_PORT);
  if (typeof pool === "string") throw new Error("unreachable: validated above");
  return {
    pool,
    workerBase: e.WORKER_NAME,
    workerPassword: e.WORKER_PASSWORD,
    runId: e.RUN_ID,
    relayUrls: e.NOSTR_RELAY_URL,
    sk: e.NOSTR_SK ?? null,
    mitmPubkey: e.NOSTR_MITM_PUBKEY ?? null,
    kindShare: e.NOSTR_KIND_SHARE,
    kindTelemetry: e.NOSTR_KIND_TELEMETRY,
    agentId: e.AGENT_ID ?? defaultAgentId(e),
    region: e.AGENT_REGION ?? e.FLY_REGION ?? null,
    telemetryIntervalMs: Math.round(e.TELEMETRY_INTERVAL_SEC * 1000),
    submitTimeoutMs: e.SUBMIT_TIMEOUT_MS,
    maxInflight: e.MAX_INFLIGHT_SUBMITS,
    staleCheck: e.AGENT_STALE_CHECK,
  };
}
