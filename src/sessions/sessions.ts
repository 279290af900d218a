import { z } from "zod";
import {
  AutoReplaySetting,
  autoReplayOff,
  BroadcastSetting,
  CloseReason,
  emptyCounters,
  emptyFacts,
  type SessionFacts,
  type SessionRecord,
  type SessionState,
  type SessionView,
  type Upstream,
} from "./record";
import { isoNow } from "../time";

/**
 * The one owner of session records: every change to one is a named operation here, and each tells listeners what
 * changed (a `SessionChange`). Readers get `SessionView`s (read-only to the compiler); only this class holds the
 * records as mutable.
 */

/** The switches a session has, each with its value's shape. Adding one: a field on the record and a line here. */
export const Switches = z.object({ broadcast: BroadcastSetting, auto_replay: AutoReplaySetting });
export type Switches = z.infer<typeof Switches>;
export type SwitchName = keyof Switches;
/** (name, value) pairs: the value's type follows the name. */
export type SwitchArgs = { [K in SwitchName]: [name: K, value: Switches[K]] }[SwitchName];

export const SessionChange = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("opened") }),
  z.object({ kind: z.literal("live") }),
  /** Byte and message counters (and last_seen) moved: coalesced, at most one per session per turn of the event loop. */
  z.object({ kind: z.literal("counters") }),
  z.object({ kind: z.literal("learned"), facts: z.array(z.enum(["user_agent", "workers", "extranonce1", "extranonce2_size", "difficulty", "version_mask"])) }),
  z.object({ kind: z.literal("switch"), name: Switches.keyof() }),
  z.object({ kind: z.literal("closed"), reason: CloseReason }),
]);
export type SessionChange = z.infer<typeof SessionChange>;

export type SessionListener = (session: SessionView, change: SessionChange) => void;

/** What one captured message adds to its session's counters (capture decides; see capture/ingest.ts). */
export type MessageCount = {
  /** miner_to_pool or hashscope_to_pool ("up"), else pool_to_miner. */
  up: boolean;
  parseError: boolean;
  /** A miner's mining.submit. */
  submit: boolean;
  /** The pool's answer to a miner's submit: accepted or rejected; null for every other message. */
  answer: "accepted" | "rejected" | null;
  /** The message's timestamp: the session's last_seen. */
  ts: string;
};

/** Constant change objects: the hot operations allocate nothing per call. */
const COUNTERS: SessionChange = { kind: "counters" };
const OPENED: SessionChange = { kind: "opened" };
const LIVE: SessionChange = { kind: "live" };

export class Sessions {
  private readonly records = new Map<string, SessionRecord>();
  /** Sessions whose counters moved since the last "counters" change went out. */
  private readonly countersMoved = new Set<string>();
  private countersScheduled = false;

  constructor(private readonly emit: SessionListener) {}

  get size(): number {
    return this.records.size;
  }

  get(id: string): SessionView | undefined {
    return this.records.get(id);
  }

  /** Newest first. */
  list(state: "live" | "closed" | "all" = "all"): SessionView[] {
    const out: SessionView[] = [];
    for (const r of this.records.values()) {
      const live = r.state === "live" || r.state === "connecting";
      if (state === "all" || (state === "live") === live) out.push(r);
    }
    return out.reverse();
  }

  open(init: { id: string; miner_addr: string; upstream: Upstream }): SessionView {
    const now = isoNow();
    const record: SessionRecord = {
      ...emptyFacts(),
      workers: frozen([]),
      id: init.id,
      miner_addr: init.miner_addr,
      upstream: init.upstream,
      upstream_addr: null,
      state: "connecting",
      opened_at: now,
      closed_at: null,
      close_reason: null,
      close_detail: null,
      broadcast: { enabled: false, repeat_count: 1 },
      auto_replay: autoReplayOff(),
      counters: emptyCounters(),
      last_seen: now,
    };
    this.records.set(record.id, record);
    this.emit(record, OPENED);
    return record;
  }

  /** The pool connection is up. */
  markLive(id: string, upstreamAddr: string): void {
    const r = this.records.get(id);
    if (!r) return;
    r.state = "live";
    r.upstream_addr = upstreamAddr;
    this.emit(r, LIVE);
  }

  /**
   * Relayed bytes, called per chunk on the relay's hot path: a lookup, an addition and a Set insert (no allocation
   * once the session is in the set). Emitting per chunk would run every listener (writer, live views, streams) once
   * per read; instead the change goes out once per turn of the event loop for all chunks of that turn (see touch).
   */
  addBytes(id: string, direction: "up" | "down", n: number): void {
    const r = this.records.get(id);
    if (!r) return;
    if (direction === "up") r.counters.bytes_up += n;
    else r.counters.bytes_down += n;
    this.touch(id);
  }

  /** Bytes relayed but not captured (the capture backlog was full or capture was shedding). Coalesced like addBytes. */
  dropCaptured(id: string, n: number): void {
    const r = this.records.get(id);
    if (!r) return;
    r.counters.capture_dropped_bytes += n;
    this.touch(id);
  }

  /** One captured message: its counters and last_seen. Coalesced like addBytes (capture records many per slice). */
  countMessage(id: string, m: MessageCount): void {
    const r = this.records.get(id);
    if (!r) return;
    const c = r.counters;
    if (m.up) c.messages_up++;
    else c.messages_down++;
    if (m.parseError) c.parse_errors++;
    if (m.submit) c.submits++;
    if (m.answer === "accepted") c.accepted++;
    else if (m.answer === "rejected") c.rejected++;
    r.last_seen = m.ts;
    this.touch(id);
  }

  /** What the traffic taught about the session; only fields that really change count (and are named in the event). */
  learn(id: string, facts: Partial<Pick<SessionView, keyof SessionFacts>>): void {
    const r = this.records.get(id);
    if (!r) return;
    const changed: (keyof SessionFacts)[] = [];
    const set = <K extends Exclude<keyof SessionFacts, "workers">>(key: K, value: SessionRecord[K] | undefined): void => {
      if (value === undefined || value === r[key]) return;
      r[key] = value;
      changed.push(key);
    };
    set("user_agent", facts.user_agent);
    set("extranonce1", facts.extranonce1);
    set("extranonce2_size", facts.extranonce2_size);
    set("difficulty", facts.difficulty);
    set("version_mask", facts.version_mask);
    if (facts.workers !== undefined && !sameList(facts.workers, r.workers)) {
      r.workers = frozen([...facts.workers]);
      changed.push("workers");
    }
    if (changed.length > 0) this.emit(r, { kind: "learned", facts: changed });
  }

  /** Set one switch (the rules for when that is allowed: switches.ts). Returns the session, undefined when unknown. */
  setSwitch(id: string, ...[name, value]: SwitchArgs): SessionView | undefined {
    const r = this.records.get(id);
    if (!r) return undefined;
    // Copies: the caller's object never becomes the record's.
    if (name === "broadcast") r.broadcast = { enabled: value.enabled, repeat_count: value.repeat_count };
    else r.auto_replay = { enabled: value.enabled, count: value.count };
    this.emit(r, { kind: "switch", name });
    return r;
  }

  /** The session ended. The first reason wins (later ones, the other side closing in turn, are consequences): false then. */
  close(id: string, reason: CloseReason, detail: string | null, state: SessionState = "closed"): boolean {
    const r = this.records.get(id);
    if (!r || r.closed_at !== null) return false;
    r.state = state;
    r.closed_at = isoNow();
    r.close_reason = reason;
    r.close_detail = detail;
    this.emit(r, { kind: "closed", reason });
    return true;
  }

  /** No longer held in memory (evicted: the disk keeps its history). No event: nothing about the session changed. */
  forget(id: string): SessionView | undefined {
    const r = this.records.get(id);
    this.records.delete(id);
    this.countersMoved.delete(id);
    return r;
  }

  /** Send the pending "counters" changes now (tests, shutdown; normally the next turn of the event loop does). */
  flushCounters(): void {
    if (this.countersMoved.size === 0) return;
    for (const id of this.countersMoved) {
      const r = this.records.get(id);
      if (r) this.emit(r, COUNTERS);
    }
    this.countersMoved.clear();
  }

  /**
   * Mark the counters moved and send one "counters" change per session on the next turn (setImmediate): every chunk
   * and message read in this turn rides on it, so listeners run per session per turn, not per chunk.
   */
  private touch(id: string): void {
    this.countersMoved.add(id);
    if (this.countersScheduled) return;
    this.countersScheduled = true;
    setImmediate(this.nextTurn);
  }

  /** One callback for every turn (no closure per schedule); a flushCounters meanwhile leaves it less to send. */
  private readonly nextTurn = (): void => {
    this.countersScheduled = false;
    this.flushCounters();
  };
}

/** The record's one array, frozen so a reader's push throws (the types cannot say it without costing every reader). */
const frozen = (list: string[]): string[] => Object.freeze(list) as string[];
const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
