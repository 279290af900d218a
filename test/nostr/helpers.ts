import type { ShareContent, TelemetryContent } from "../../src/nostr/events.ts";
import { until } from "../helpers/net";

/** Shared fixtures for the Nostr tests: sample contents, a raw NIP-01 client, a relay child process. */

export const RUN = "run-test-1";

export function shareContent(eventId: string, seq = 1, runId = RUN): ShareContent {
  return {
    schema: "hashscope.v1",
    run_id: runId,
    event_id: eventId,
    seq,
    ts: new Date().toISOString(),
    pool: { host: "pool.example.com", port: 3333 },
    stratum: { method: "mining.submit", id: 4, params: ["wallet.rig1", "job123", "00000000", "507c0baa", "b2957c02"] },
    repeat_count: 1,
    context: {
      session_id: "s-1",
      miner_peer: "127.0.0.1:50522",
      worker: "wallet.rig1",
      extranonce1: "f000000f",
      extranonce2_size: 4,
      difficulty: 1024,
      version_mask: "1fffe000",
      job: ["job123", "00".repeat(32), "01", "02", [], "20000000", "1d00ffff", "507c0baa", true],
    },
  };
}

export function telemetryContent(agentId: string, runId = RUN): TelemetryContent {
  return {
    schema: "hashscope.v1",
    run_id: runId,
    agent_id: agentId,
    region: "ams",
    ts: new Date().toISOString(),
    pool_target: { host: "pool.example.com", port: 3333 },
    conn_state: "connected",
    stats: {
      share_events_received_total: 3,
      submits_attempted_total: 3,
      submits_accepted_total: 1,
      submits_rejected_total: 2,
      submits_timeout_total: 0,
      last_submit_latency_ms: 41.2,
      latency_ms: { p50: 40, p90: 41, p99: 41.2 },
      submits_per_second_1min: 0.05,
      submits_per_second_10sec: 0,
      reject_reasons: { "21 Job not found": 2 },
      share_events_ignored: {},
      submits_not_connected_total: 0,
      submits_dropped_total: 0,
    },
    jobs: { notify_total: 5, clean_jobs_total: 1, last_notify_at: new Date().toISOString(), last_prevhash: "00".repeat(32) },
    errors: [],
    recent_jobs: [],
    timings: null,
    checks: null,
    difficulty: null,
  };
}

/** `until` with this suite's own default bound of 3000 ms. */
export const waitFor = (check: () => boolean, ms = 3000, what = "condition"): Promise<void> => until(check, ms, what);

/** A bare WebSocket client that records every frame, for protocol-level tests. */
export class RawClient {
  readonly frames: unknown[][] = [];
  private constructor(private readonly ws: WebSocket) {
    ws.onmessage = (ev: MessageEvent) => {
      if (typeof ev.data === "string") this.frames.push(JSON.parse(ev.data) as unknown[]);
    };
  }
  static async open(url: string): Promise<RawClient> {
    const ws = new WebSocket(url);
    const c = new RawClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error(`cannot connect to ${url}`));
    });
    return c;
  }
  send(msg: unknown): void {
    this.ws.send(typeof msg === "string" ? msg : JSON.stringify(msg));
  }
  /** Waits for the next frame (after those already consumed) matching `pred`, and returns it. */
  async next(pred: (f: unknown[]) => boolean, ms = 3000): Promise<unknown[]> {
    let found: unknown[] | undefined;
    await waitFor(() => (found = this.frames.find(pred)) !== undefined, ms, "a relay frame");
    this.frames.splice(this.frames.indexOf(found as unknown[]), 1);
    return found as unknown[];
  }
  /** Sends a REQ and collects the EVENTs up to its EOSE. */
  async req(subId: string, ...filters: object[]): Promise<{ id: string; kind: number; tags: string[][] }[]> {
    this.send(["REQ", subId, ...filters]);
    await this.next((f) => f[0] === "EOSE" && f[1] === subId);
    const evs = this.frames.filter((f) => f[0] === "EVENT" && f[1] === subId);
    for (const f of evs) this.frames.splice(this.frames.indexOf(f), 1);
    return evs.map((f) => f[2] as { id: string; kind: number; tags: string[][] });
  }
  close(): void {
    this.ws.close();
  }
}

export type RelayProcess = { url: string; port: number; kill(): Promise<void>; stop(): Promise<number> };

/** Which relay program: ours (`bun run relay`) or @nostr-relay/core from npm (test/relays/core-relay-main.ts). */
export type RelayImpl = "hashscope" | "nostr-relay-core";
const RELAY_SCRIPT: Record<RelayImpl, string> = { hashscope: "src/relay/main.ts", "nostr-relay-core": "test/relays/core-relay-main.ts" };

/** Runs the relay program as a child process and reads the port from its one stdout line. */
export async function spawnRelay(port = 0, impl: RelayImpl = "hashscope"): Promise<RelayProcess> {
  const proc = Bun.spawn(["bun", "run", RELAY_SCRIPT[impl]], {
    cwd: `${import.meta.dir}/../..`,
    env: { ...process.env, RELAY_HOST: "127.0.0.1", RELAY_PORT: String(port) },
    stdout: "pipe",
    stderr: "inherit",
  });
  const reader = proc.stdout.getReader();
  let text = "";
  const deadline = setTimeout(() => proc.kill(), 5000);
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  clearTimeout(deadline);
  reader.releaseLock();
  const m = /relay listening on (ws:\/\/127\.0\.0\.1:(\d+))/.exec(text);
  if (!m) throw new Error(`relay did not start: ${JSON.stringify(text)}`);
  return {
    url: m[1] as string,
    port: Number(m[2]),
    kill: async () => {
      proc.kill("SIGKILL");
      await proc.exited;
    },
    /** SIGTERM, then the exit code (SIGKILL after 3 s so a test never hangs). */
    stop: async () => {
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 3000);
      const code = await proc.exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** A port that was free a moment ago (bind to 0, read, release). */
export function freePort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const p = s.port;
  s.stop(true);
  return p;
}
