import { Hub } from "../capture/hub";
import type { NostrEvent, RejectReason, TelemetryContent } from "../nostr/events";

/**
 * The fleet registry: each agent's latest telemetry (plus a bounded history) as received over Nostr.
 * `online` means a report was received within 3 telemetry intervals. Bounded in agents; a timer publishes
 * online→offline changes so live views update without polling. An agent id belongs to the key that reports as it:
 * another key's reports for that id are refused while it is online (an agent restarted with a new key takes its id
 * back once the old one has gone offline). NOSTR_AGENT_PUBKEYS closes the rest: who may report at all.
 */

/**
 * An agent as the fleet page and API show it: its newest report's fields (the telemetry schema's own types; `ts` is the
 * agent's timestamp of that report, `timings` and `checks` null from agents that do not send them, `difficulty` the share
 * difficulty its pool set), plus what HashScope knows of it.
 */
export type AgentView = Pick<
  TelemetryContent,
  "agent_id" | "region" | "conn_state" | "pool_target" | "stats" | "jobs" | "timings" | "checks" | "difficulty" | "errors" | "ts"
> & {
  /** When HashScope received the newest report (ISO Z). */
  last_seen: string;
  online: boolean;
  pubkey: string;
  first_seen: string;
  reports: number;
};

export type FleetUpdate = { type: "agent"; agent: AgentView } | { type: "removed"; agent_id: string };

export type FleetCounters = {
  /** Telemetry events accepted. */
  received: number;
  /** Events refused by verification, per reason (bad_signature, wrong_run, wrong_author, ...). */
  rejected: Partial<Record<RejectReason, number>>;
  /** Reports older than the agent's newest, kept in history only. */
  stale: number;
  /** Agents forgotten because the registry was full. */
  evicted: number;
};

export type FleetOptions = { intervalSec: number; maxAgents?: number; historySize?: number };

type Entry = {
  latest: TelemetryContent;
  pubkey: string;
  lastSeenMs: number;
  firstSeenMs: number;
  reports: number;
  history: TelemetryContent[];
  wasOnline: boolean;
};

export class FleetRegistry {
  readonly updates = new Hub<FleetUpdate>();
  /** Every verified report as received (stale ones too), for persistence. */
  readonly reports = new Hub<{ event_id: string; content: TelemetryContent; received_at: string }>();
  private readonly agents = new Map<string, Entry>();
  private readonly c: FleetCounters = { received: 0, rejected: {}, stale: 0, evicted: 0 };
  private timer: Timer | null = null;
  readonly offlineAfterMs: number;
  private readonly maxAgents: number;
  private readonly historySize: number;

  constructor(opts: FleetOptions) {
    this.offlineAfterMs = 3 * opts.intervalSec * 1000;
    this.maxAgents = opts.maxAgents ?? 1000;
    this.historySize = opts.historySize ?? 50;
  }

  /** Starts the online/offline watcher. */
  start(): void {
    if (this.timer) return;
    const every = Math.max(50, Math.min(5000, this.offlineAfterMs / 6));
    this.timer = setInterval(() => this.sweep(), every);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Record a verified telemetry event received at `receivedMs` (wall clock); false when refused (agent_id_taken). */
  ingest(t: TelemetryContent, event: NostrEvent, receivedMs = Date.now()): boolean {
    let e = this.agents.get(t.agent_id);
    if (e && e.pubkey !== event.pubkey && receivedMs - e.lastSeenMs < this.offlineAfterMs) {
      this.reject("agent_id_taken");
      return false;
    }
    this.c.received++;
    this.reports.publish({ event_id: event.id, content: t, received_at: new Date(receivedMs).toISOString() });
    // A report the relay stored long ago (catch-up after a subscribe) does not make its agent look alive now.
    const sentMs = event.created_at * 1000;
    const seenMs = sentMs < receivedMs - this.offlineAfterMs ? sentMs : receivedMs;
    if (!e) {
      if (this.agents.size >= this.maxAgents) this.evictOne();
      e = { latest: t, pubkey: event.pubkey, lastSeenMs: seenMs, firstSeenMs: seenMs, reports: 0, history: [], wasOnline: false };
      this.agents.set(t.agent_id, e);
    } else if (Date.parse(t.ts) < Date.parse(e.latest.ts)) {
      this.c.stale++;
      this.pushHistory(e, t);
      return true;
    }
    e.latest = t;
    e.pubkey = event.pubkey;
    e.lastSeenMs = Math.max(e.lastSeenMs, seenMs);
    e.reports++;
    this.pushHistory(e, t);
    const view = this.view(t.agent_id, e, Date.now());
    e.wasOnline = view.online;
    this.updates.publish({ type: "agent", agent: view });
    return true;
  }

  /** Count an event refused by verification. */
  reject(reason: RejectReason): void {
    this.c.rejected[reason] = (this.c.rejected[reason] ?? 0) + 1;
  }

  /** Agents sorted by id. */
  list(nowMs = Date.now()): AgentView[] {
    return [...this.agents.entries()].map(([id, e]) => this.view(id, e, nowMs)).sort((a, b) => a.agent_id.localeCompare(b.agent_id));
  }

  get(agentId: string, nowMs = Date.now()): AgentView | undefined {
    const e = this.agents.get(agentId);
    return e ? this.view(agentId, e, nowMs) : undefined;
  }

  /** Newest first. */
  history(agentId: string): TelemetryContent[] | undefined {
    const e = this.agents.get(agentId);
    return e ? [...e.history].reverse() : undefined;
  }

  counts(nowMs = Date.now()): { online: number; total: number } {
    let online = 0;
    for (const e of this.agents.values()) if (nowMs - e.lastSeenMs < this.offlineAfterMs) online++;
    return { online, total: this.agents.size };
  }

  counters(): FleetCounters {
    return { ...this.c, rejected: { ...this.c.rejected } };
  }

  /** Publish agents whose online state changed since last told (called by the timer; public for tests). */
  sweep(nowMs = Date.now()): void {
    for (const [id, e] of this.agents) {
      const online = nowMs - e.lastSeenMs < this.offlineAfterMs;
      if (online === e.wasOnline) continue;
      e.wasOnline = online;
      this.updates.publish({ type: "agent", agent: this.view(id, e, nowMs) });
    }
  }

  private pushHistory(e: Entry, t: TelemetryContent): void {
    e.history.push(t);
    if (e.history.length > this.historySize) e.history.shift();
  }

  /** Forget the agent seen least recently. */
  private evictOne(): void {
    let oldest: string | null = null;
    let oldestMs = Infinity;
    for (const [id, e] of this.agents)
      if (e.lastSeenMs < oldestMs) {
        oldestMs = e.lastSeenMs;
        oldest = id;
      }
    if (oldest === null) return;
    this.agents.delete(oldest);
    this.c.evicted++;
    this.updates.publish({ type: "removed", agent_id: oldest });
  }

  private view(id: string, e: Entry, nowMs: number): AgentView {
    const t = e.latest;
    return {
      agent_id: id,
      region: t.region,
      last_seen: new Date(e.lastSeenMs).toISOString(),
      online: nowMs - e.lastSeenMs < this.offlineAfterMs,
      conn_state: t.conn_state,
      pool_target: t.pool_target,
      stats: t.stats,
      jobs: t.jobs,
      timings: t.timings,
      checks: t.checks,
      difficulty: t.difficulty,
      errors: t.errors,
      ts: t.ts,
      pubkey: e.pubkey,
      first_seen: new Date(e.firstSeenMs).toISOString(),
      reports: e.reports,
    };
  }
}
