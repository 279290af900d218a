import { subsidySat, type JobReport } from "../nostr/job-report";
import { Hub } from "../capture/hub";
import { stratumPrevhashToDisplay } from "../stratum/prevhash";

/**
 * Block propagation: for each new block (a prevhash never seen before), when each source first got a job building on
 * it. Sources are HashScope's own miner connections (one per pool) and the agents (each on its own pool connection).
 * Agents' arrival times are on their own clocks; they are put on HashScope's clock with a per-agent offset estimated
 * from telemetry: the smallest (HashScope receive time − agent's report time) over recent reports. That is the clock
 * offset plus the fastest relay delivery seen, so a corrected agent time can be late by that delivery time, never
 * early (docs/nostr.md). Bounded: the newest `maxBlocks` blocks, `maxSources` sources per block, `maxAgents` agents'
 * clocks (telemetry may come from any key when NOSTR_AGENT_PUBKEYS is unset, so ids are hostile input).
 */

export type SourceKind = "hashscope" | "agent";
export type Sighting = {
  /** "hashscope" for HashScope's own miners, else the agent id. */
  source: string;
  kind: SourceKind;
  region: string | null;
  /** host:port of the pool this source got the job from. */
  pool: string;
  /** The source's own clock (ISO Z). */
  received_at: string;
  /** The clock correction applied (agents; 0 for HashScope). */
  offset_ms: number;
  /** On HashScope's clock (ISO Z). */
  at: string;
  /** Milliseconds after the first source (0 for the first); null when joined. */
  delay_ms: number | null;
  /** The source connected while this block was already current: its time is not an arrival. */
  joined: boolean;
  job_id: string;
  height: number | null;
  clean_jobs: boolean;
  merkle_branches: number;
  coinbase_value_sat: number | null;
  /** Coinbase value minus the subsidy at that height: the fees the template pays (null without both). */
  fees_sat: number | null;
  coinbase_outputs: number | null;
  empty: boolean;
  /** Jobs this source got for this block so far. */
  jobs: number;
};
export type BlockView = {
  prevhash: string;
  /** The previous block's hash in the usual display order. */
  prev_block_hash: string;
  height: number | null;
  first: { source: string; region: string | null; pool: string; at: string } | null;
  sightings: Sighting[];
};
export type ClockView = { agent_id: string; offset_ms: number | null; samples: number };
/** One pool as seen by every source on it, over the blocks kept. */
export type PoolView = {
  pool: string;
  sources: string[];
  /** Blocks with an arrival (not joined) from a source on this pool. */
  blocks: number;
  /** Blocks where a source on this pool was first overall. */
  first: number;
  /** Median ms after the first source, over those blocks (this pool's earliest source per block). */
  delay_ms_p50: number | null;
  empty_templates: number;
  /** The newest block's template on this pool. */
  last: { height: number | null; coinbase_value_sat: number | null; fees_sat: number | null; coinbase_outputs: number | null; merkle_branches: number } | null;
};

type Raw = { kind: SourceKind; region: string | null; pool: string; job: JobReport; ownMs: number; jobs: number };
type Block = { prevhash: string; firstMs: number; by: Map<string, Raw> };

const OFFSET_SAMPLES = 20;

export class BlockBoard {
  private readonly blocks = new Map<string, Block>();
  private readonly offsets = new Map<string, number[]>();
  private readonly agentJobs = new Map<string, Set<string>>();
  private readonly maxBlocks: number;
  private readonly maxSources: number;
  private readonly maxAgents: number;
  /**
   * Jobs recorded (first per source and block, plus later jobs counted), blocks forgotten past the bound, sightings
   * refused because a block already had `maxSources` sources.
   */
  readonly counters = { jobs: 0, blocks: 0, evicted: 0, sources_refused: 0 };
  /** A source's first sighting of a block was recorded (live views re-render; later jobs of a block do not publish). */
  readonly changes = new Hub<null>();

  constructor(opts: { maxBlocks?: number; maxSources?: number; maxAgents?: number } = {}) {
    this.maxBlocks = opts.maxBlocks ?? 200;
    this.maxSources = opts.maxSources ?? 64;
    this.maxAgents = opts.maxAgents ?? 1000;
  }

  /** A job one of HashScope's own miner sessions got from `pool` (host:port). */
  ownJob(pool: string, job: JobReport): void {
    this.record("hashscope", "hashscope", null, pool, job, Date.parse(job.received_at));
  }

  /** A telemetry report: one offset sample (receivedMs − report ts), then its jobs not seen before. */
  agentReport(agentId: string, region: string | null, pool: string, reportTs: string, jobs: readonly JobReport[], receivedMs = Date.now()): void {
    if (!this.offsets.has(agentId) && this.offsets.size >= this.maxAgents) {
      // Forget the agent first seen longest ago (insertion order).
      const oldest = this.offsets.keys().next().value as string;
      this.offsets.delete(oldest);
      this.agentJobs.delete(oldest);
    }
    const sample = receivedMs - Date.parse(reportTs);
    if (Number.isFinite(sample)) {
      const s = this.offsets.get(agentId) ?? [];
      s.push(sample);
      if (s.length > OFFSET_SAMPLES) s.shift();
      this.offsets.set(agentId, s);
    }
    let seen = this.agentJobs.get(agentId);
    if (!seen) this.agentJobs.set(agentId, (seen = new Set()));
    for (const j of jobs) {
      const key = `${j.prevhash}:${j.job_id}:${j.received_at}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (seen.size > 4 * 32) seen.delete(seen.values().next().value as string);
      const own = Date.parse(j.received_at);
      if (Number.isFinite(own)) this.record(agentId, "agent", region, pool, j, own);
    }
  }

  offsetMs(agentId: string): number | null {
    const s = this.offsets.get(agentId);
    return s && s.length > 0 ? Math.min(...s) : null;
  }

  clocks(): ClockView[] {
    return [...this.offsets.entries()].map(([agent_id, s]) => ({ agent_id, offset_ms: Math.min(...s), samples: s.length })).sort((a, b) => a.agent_id.localeCompare(b.agent_id));
  }

  /** Newest block first; sightings earliest first. */
  list(limit = 50): BlockView[] {
    // By the earliest sighting on the sources' own clocks (a block every source joined has no `first`).
    return [...this.blocks.values()]
      .sort((a, b) => b.firstMs - a.firstMs)
      .slice(0, limit)
      .map((b) => this.view(b));
  }

  /** Pools side by side: timing, templates and coinbase per pool, from the kept blocks (newest first). */
  pools(): PoolView[] {
    const out = new Map<string, PoolView & { delays: number[] }>();
    for (const b of this.list(this.maxBlocks)) {
      const seen = new Set<string>();
      for (const s of b.sightings) {
        let p = out.get(s.pool);
        if (!p) out.set(s.pool, (p = { pool: s.pool, sources: [], blocks: 0, first: 0, delay_ms_p50: null, empty_templates: 0, last: null, delays: [] }));
        if (!p.sources.includes(s.source)) p.sources.push(s.source);
        p.last ??= { height: s.height, coinbase_value_sat: s.coinbase_value_sat, fees_sat: s.fees_sat, coinbase_outputs: s.coinbase_outputs, merkle_branches: s.merkle_branches };
        if (s.joined || seen.has(s.pool)) continue;
        seen.add(s.pool); // sightings are earliest first: the first one per pool is that pool's arrival
        p.blocks++;
        if (s.empty) p.empty_templates++;
        if (s.delay_ms === 0) p.first++;
        if (s.delay_ms !== null) p.delays.push(s.delay_ms);
      }
    }
    return [...out.values()]
      .map(({ delays, ...p }) => {
        const sorted = delays.sort((a, b) => a - b);
        return { ...p, sources: p.sources.sort(), delay_ms_p50: sorted.length ? sorted[Math.ceil(sorted.length / 2) - 1]! : null };
      })
      .sort((a, b) => a.pool.localeCompare(b.pool));
  }

  private record(source: string, kind: SourceKind, region: string | null, pool: string, job: JobReport, ownMs: number): void {
    this.counters.jobs++;
    let b = this.blocks.get(job.prevhash);
    if (!b) {
      b = { prevhash: job.prevhash, firstMs: ownMs, by: new Map() };
      this.blocks.set(job.prevhash, b);
      this.counters.blocks++;
      this.evict();
    }
    const have = b.by.get(source);
    if (have) {
      have.jobs++;
      // The first notify can arrive before the subscribe answer (no extranonce sizes yet): take the block's facts from a later job.
      if (have.job.height === null && job.height !== null) {
        have.job = { ...have.job, height: job.height, coinbase_value_sat: job.coinbase_value_sat, coinbase_outputs: job.coinbase_outputs };
      }
      // Reports may arrive out of order (catch-up): keep the earliest arrival.
      // A joined sighting stays joined: a later job of the same block on that connection is no arrival either.
      if (ownMs < have.ownMs) Object.assign(have, { job: { ...job, first_on_connection: have.job.first_on_connection || job.first_on_connection }, ownMs, pool, region });
      return;
    }
    if (b.by.size >= this.maxSources) {
      this.counters.sources_refused++;
      return;
    }
    b.by.set(source, { kind, region, pool, job, ownMs, jobs: 1 });
    b.firstMs = Math.min(b.firstMs, ownMs);
    this.changes.publish(null);
  }

  private evict(): void {
    while (this.blocks.size > this.maxBlocks) {
      let oldest: string | null = null;
      let oldestMs = Infinity;
      for (const [k, b] of this.blocks)
        if (b.firstMs < oldestMs) {
          oldestMs = b.firstMs;
          oldest = k;
        }
      if (oldest === null) return;
      this.blocks.delete(oldest);
      this.counters.evicted++;
    }
  }

  private view(b: Block): BlockView {
    const rows = [...b.by.entries()].map(([source, r]) => {
      const offset = r.kind === "agent" ? (this.offsetMs(source) ?? 0) : 0;
      return { source, r, offset, atMs: r.ownMs + offset };
    });
    rows.sort((x, y) => x.atMs - y.atMs || x.source.localeCompare(y.source));
    const first = rows.find((x) => !x.r.job.first_on_connection);
    const sightings: Sighting[] = rows.map(({ source, r, offset, atMs }) => ({
      source,
      kind: r.kind,
      region: r.region,
      pool: r.pool,
      received_at: r.job.received_at,
      offset_ms: offset,
      at: new Date(atMs).toISOString(),
      delay_ms: first && !r.job.first_on_connection ? atMs - first.atMs : null,
      joined: r.job.first_on_connection,
      job_id: r.job.job_id,
      height: r.job.height,
      clean_jobs: r.job.clean_jobs,
      merkle_branches: r.job.merkle_branches,
      coinbase_value_sat: r.job.coinbase_value_sat,
      fees_sat: r.job.coinbase_value_sat !== null && r.job.height !== null ? r.job.coinbase_value_sat - subsidySat(r.job.height) : null,
      coinbase_outputs: r.job.coinbase_outputs,
      empty: r.job.empty,
      jobs: r.jobs,
    }));
    return {
      prevhash: b.prevhash,
      prev_block_hash: stratumPrevhashToDisplay(b.prevhash),
      height: sightings.find((s) => s.height !== null)?.height ?? null,
      first: first ? { source: first.source, region: first.r.region, pool: first.r.pool, at: new Date(first.atMs).toISOString() } : null,
      sightings,
    };
  }
}
