/**
 * The agent's own Stratum v1 connection to its pool: configure (version rolling, optional), subscribe, authorize,
 * then track difficulty, jobs and extranonce; follow client.reconnect; reconnect with backoff after any drop.
 * It never gives up: a failed first connect is retried like a later drop.
 */
import { ClientClosedError, StratumClient, type JsonValue, type RpcReply, type ServerMessage } from "../src/net/stratum-client.ts";
import { field } from "../src/stratum/json.ts";
import { decodeCall } from "../src/stratum/methods.ts";
import { normaliseError } from "../src/stratum/outcome.ts";
import { MAX_RECENT_JOBS, type ConnState } from "../src/nostr/events.ts";
import { jobReport, type JobReport } from "../src/nostr/job-report.ts";
import { ConnTimings } from "./timings.ts";
import type { Upstream } from "../src/capture/records.ts";

export type PoolClientOptions = {
  pool: Upstream;
  /** Full worker name used for authorize and every submit. */
  worker: string;
  password: string;
  userAgent?: string;
  /** Handshake request timeout. */
  requestTimeoutMs?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Longest `wait` honoured from client.reconnect, seconds. */
  maxReconnectWaitSec?: number;
  /** Request more in flight than this and the client refuses (the submitter bounds below it). */
  maxPending?: number;
  log?: (line: string) => void;
  onError?: (text: string) => void;
  onState?: (state: ConnState) => void;
  /** Every line on the agent's pool connection (for debugging and tests). */
  onLine?: (line: string, direction: "in" | "out") => void;
  /** A clean_jobs notify on a connection that had a job before it: that job (now stale by the pool's own word). */
  onNewBlock?: (stale: { jobId: string; ntime: string }) => void;
};

export type JobFacts = {
  notify_total: number;
  clean_jobs_total: number;
  last_notify_at: string | null;
  last_prevhash: string | null;
};

const STABLE_MS = 10_000; // a session that lived this long resets the backoff
const MAX_KNOWN_JOBS = 64;

/** `WORKER_NAME.hashscope_agent<5 random digits>` as in the original, so each agent is its own worker. */
export function agentWorkerName(base: string): string {
  const digits = 10_000 + (crypto.getRandomValues(new Uint32Array(1))[0]! % 90_000);
  return `${base}.hashscope_agent${digits}`;
}

/** client.reconnect params: [host?, port?, wait_seconds?]; empty or missing parts keep the current value. */
export function parseReconnect(params: unknown, current: { host: string; port: number }, maxWaitSec: number): { host: string; port: number; waitSec: number } {
  const p = Array.isArray(params) ? params : [];
  const host = typeof p[0] === "string" && /^[A-Za-z0-9.:_-]{1,253}$/.test(p[0]) ? p[0] : current.host;
  const portN = typeof p[1] === "number" ? p[1] : typeof p[1] === "string" && /^\d{1,5}$/.test(p[1]) ? Number(p[1]) : NaN;
  const port = Number.isInteger(portN) && portN >= 1 && portN <= 65535 ? portN : current.port;
  const waitN = typeof p[2] === "number" ? p[2] : typeof p[2] === "string" ? Number(p[2]) : 0;
  const waitSec = Number.isFinite(waitN) && waitN > 0 ? Math.min(waitN, maxWaitSec) : 0;
  return { host, port, waitSec };
}

export class AgentPoolClient {
  state: ConnState = "connecting";
  /** Where the agent connects now (client.reconnect may move it). */
  target: { host: string; port: number; tls: boolean };
  difficulty: number | null = null;
  extranonce1: string | null = null;
  extranonce2Size: number | null = null;
  versionMask: string | null = null;
  readonly jobs: JobFacts = { notify_total: 0, clean_jobs_total: 0, last_notify_at: null, last_prevhash: null };
  /** The newest jobs as reported in telemetry (what they were and when they arrived), oldest first. */
  readonly recentJobs: JobReport[] = [];
  /** Connect, TLS, subscribe and authorize times of each completed handshake. */
  readonly timings = new ConnTimings();
  /** Completed handshakes; more than one means reconnects happened. */
  sessions = 0;
  reconnectsFollowed = 0;
  private client: StratumClient | null = null;
  private ready = false;
  private knownJobs = new Set<string>();
  private notifiesOnConnection = 0;
  private configureUnsupported = false;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private everConnected = false;
  private sessionStart = 0;
  private lastJob: { jobId: string; ntime: string } | null = null;
  private readonly o: Required<Omit<PoolClientOptions, "onState" | "onError" | "log" | "onLine" | "onNewBlock">> &
    Pick<PoolClientOptions, "onState" | "onError" | "log" | "onLine" | "onNewBlock">;

  constructor(opts: PoolClientOptions) {
    this.o = {
      userAgent: "hashscope-agent/0.1",
      requestTimeoutMs: 10_000,
      initialBackoffMs: 500,
      maxBackoffMs: 30_000,
      maxReconnectWaitSec: 300,
      maxPending: 1024,
      ...opts,
    };
    this.target = { host: opts.pool.host, port: opts.pool.port, tls: opts.pool.tls };
  }

  get worker(): string {
    return this.o.worker;
  }

  /** Subscribed and authorized: submits can go out. */
  get isReady(): boolean {
    return this.ready && this.client !== null && this.client.isOpen;
  }

  /** Whether this connection was sent a mining.notify for the job id (shares of other sessions often name others). */
  knowsJob(jobId: string): boolean {
    return this.knownJobs.has(jobId);
  }

  start(): void {
    void this.connect();
  }

  /** Sends mining.submit with the client's own id; rejects with ClientClosedError when not ready. */
  submit(params: JsonValue[], timeoutMs: number): Promise<RpcReply> {
    if (!this.isReady || !this.client) return Promise.reject(new ClientClosedError("not connected"));
    return this.client.request("mining.submit", params, timeoutMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.client?.close("agent stopping");
  }

  private setState(s: ConnState): void {
    if (this.state === s) return;
    this.state = s;
    this.o.onState?.(s);
  }

  private error(text: string): void {
    this.o.log?.(`pool: ${text}`);
    this.o.onError?.(text);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.ready = false;
    this.knownJobs = new Set();
    this.notifiesOnConnection = 0;
    this.lastJob = null;
    const { host, port, tls } = this.target;
    const client = new StratumClient({
      host,
      port,
      tls,
      userAgent: this.o.userAgent,
      maxPending: this.o.maxPending,
      connectTimeoutMs: this.o.requestTimeoutMs,
      ...(this.o.onLine ? { onLine: this.o.onLine } : {}),
      onNotification: (m) => this.onServerMessage(client, m),
      onRequest: (m) => {
        this.onServerMessage(client, m);
        // Acknowledge the requests we act on; the client answers the rest (client.get_version, unknown → error).
        return m.method === "client.reconnect" ? { result: true, error: null } : undefined;
      },
      onClose: (reason) => this.onClose(client, reason),
    });
    this.client = client;
    const openedAt = performance.now();
    let failed: string | null = null;
    try {
      await client.connect();
      await this.handshake(client);
    } catch (err) {
      failed = err instanceof Error ? err.message : String(err);
    }
    if (this.stopped) return;
    if (failed !== null) {
      // The socket may be closed already (its onClose scheduled the retry); otherwise closing it does.
      this.error(`${host}:${port}: ${failed}`);
      if (this.client === client) client.close("handshake failed");
      return;
    }
    if (this.client !== client) return;
    this.ready = true;
    this.sessions++;
    this.timings.add("connect_ms", client.timing.connectMs);
    if (tls) this.timings.add("tls_handshake_ms", client.timing.tlsHandshakeMs);
    this.everConnected = true;
    this.sessionStart = openedAt;
    this.o.log?.(`pool: connected to ${host}:${port} as ${this.o.worker} (extranonce1 ${this.extranonce1}, size ${this.extranonce2Size}, version mask ${this.versionMask ?? "none"})`);
    this.setState("connected");
  }

  private async handshake(c: StratumClient): Promise<void> {
    const t = this.o.requestTimeoutMs;
    this.versionMask = null;
    if (!this.configureUnsupported) {
      // Optional: a pool that rejects or ignores it is used without version rolling.
      try {
        const r = await c.request("mining.configure", [["version-rolling"], { "version-rolling.mask": "1fffe000", "version-rolling.min-bit-count": 2 }], Math.min(t, 5000));
        if (r.error === null && field(r.result, "version-rolling") === true) {
          const mask = field(r.result, "version-rolling.mask");
          this.versionMask = typeof mask === "string" ? mask : null;
        } else {
          this.configureUnsupported = true;
        }
      } catch (err) {
        if (!c.isOpen) {
          // Some pools hang up on an unknown method: try again without it.
          this.configureUnsupported = true;
          throw err;
        }
        this.configureUnsupported = true; // timed out: the pool ignores it
      }
    }
    const sub = await c.request("mining.subscribe", [this.o.userAgent], t);
    this.timings.add("subscribe_ms", sub.latencyMs);
    const e = normaliseError(sub.error);
    if (e) throw new Error(`subscribe refused: ${e.code ?? ""} ${e.message}`.trim());
    const res = Array.isArray(sub.result) ? sub.result : [];
    this.extranonce1 = typeof res[1] === "string" ? res[1] : null;
    this.extranonce2Size = typeof res[2] === "number" ? res[2] : null;
    const auth = await c.request("mining.authorize", [this.o.worker, this.o.password], t);
    this.timings.add("authorize_ms", auth.latencyMs);
    const ae = normaliseError(auth.error);
    if (auth.result !== true || ae) {
      this.setState("error");
      throw new Error(`authorize of ${this.o.worker} refused: ${ae ? `${ae.code ?? ""} ${ae.message}`.trim() : JSON.stringify(auth.result)}`);
    }
  }

  private onServerMessage(c: StratumClient, m: ServerMessage): void {
    if (this.client !== c) return;
    const p = Array.isArray(m.params) ? m.params : [];
    // The typed view of the notification (stratum/methods.ts); a wrong shape decodes to null and teaches nothing.
    const call = decodeCall(m.method, m.params).message;
    switch (m.method) {
      case "mining.set_difficulty":
        if (call?.method === "mining.set_difficulty") this.difficulty = call.decoded.difficulty;
        return;
      case "mining.notify": {
        // Counted and reported whatever its shape (the report says what is wrong with it).
        this.jobs.notify_total++;
        const job = call?.method === "mining.notify" ? call.decoded : null;
        if (job?.clean_jobs) {
          this.jobs.clean_jobs_total++;
          this.knownJobs.clear();
        }
        this.jobs.last_notify_at = new Date().toISOString();
        const report = jobReport(p, this.extranonce1, this.extranonce2Size, this.jobs.last_notify_at, this.notifiesOnConnection++ === 0);
        if (report) {
          this.recentJobs.push(report);
          if (this.recentJobs.length > MAX_RECENT_JOBS) this.recentJobs.shift();
        }
        if (!job) return;
        this.jobs.last_prevhash = job.prevhash;
        const stale = this.lastJob;
        this.lastJob = { jobId: job.job_id, ntime: job.ntime };
        if (job.clean_jobs && stale && this.ready && stale.jobId !== job.job_id) this.o.onNewBlock?.(stale);
        this.knownJobs.add(job.job_id);
        if (this.knownJobs.size > MAX_KNOWN_JOBS) this.knownJobs.delete(this.knownJobs.values().next().value as string);
        return;
      }
      case "mining.set_extranonce":
        if (call?.method === "mining.set_extranonce") {
          this.extranonce1 = call.decoded.extranonce1;
          this.extranonce2Size = call.decoded.extranonce2_size;
        }
        return;
      case "mining.set_version_mask":
        if (call?.method === "mining.set_version_mask") this.versionMask = call.decoded.version_mask;
        return;
      case "client.reconnect":
        return this.followReconnect(c, p);
      case "client.show_message":
        this.o.log?.(`pool: message: ${String(p[0]).slice(0, 200)}`);
        return;
    }
  }

  private followReconnect(c: StratumClient, params: unknown[]): void {
    const next = parseReconnect(params, this.target, this.o.maxReconnectWaitSec);
    this.o.log?.(`pool: client.reconnect to ${next.host}:${next.port} after ${next.waitSec} s`);
    this.reconnectsFollowed++;
    this.target = { host: next.host, port: next.port, tls: this.target.tls };
    this.attempt = 0;
    this.client = null; // onClose of the old client must not schedule its own retry
    this.ready = false;
    this.setState("reconnecting");
    // Let the acknowledgement go out before closing.
    setTimeout(() => c.close("client.reconnect"), 0);
    this.schedule(next.waitSec * 1000);
  }

  private onClose(c: StratumClient, reason: string): void {
    if (this.client !== c || this.stopped) return;
    this.client = null;
    const wasReady = this.ready;
    this.ready = false;
    if (wasReady) {
      this.error(`connection lost: ${reason}`);
      if (performance.now() - this.sessionStart >= STABLE_MS) this.attempt = 0;
    }
    if (this.state !== "error") this.setState(this.everConnected ? "reconnecting" : "connecting");
    const base = Math.min(this.o.maxBackoffMs, this.o.initialBackoffMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    this.schedule(base / 2 + Math.random() * (base / 2));
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, ms);
  }
}
