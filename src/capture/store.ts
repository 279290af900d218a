import { Deque } from "./deque";
import { Hub } from "./hub";
import { matchesFilter, type MessageFilter } from "./query";
import { emptyCounters, type CloseReason, type MessageRecord, type SessionRecord, type SessionState, type Upstream } from "./records";
import type { SessionView } from "../sessions/record";
import { Sessions, type SessionChange } from "../sessions/sessions";

export type StoreLimits = {
  maxMessages: number;
  maxPerSession: number;
  maxSessions: number;
  /** Estimated memory of all messages held (messageBytes); past it the oldest go first. Unset: no byte bound. */
  maxBytes?: number;
};

/**
 * What a captured message costs in memory, estimated: the raw text, its hex form, the parsed JSON and decoded fields
 * (about twice the raw text, plus a share per array and object) and a fixed share for the record. Computed once per
 * record, so adding and evicting agree.
 */
export function messageBytes(m: MessageRecord): number {
  let n = costs.get(m);
  if (n === undefined) {
    n = 320 + 3 * (m.raw?.length ?? 0) + (m.raw_hex?.length ?? 0);
    // A parsed line costs per array and object too: "[[[[…" 10,000 deep is 20 KB of text but 10,000 arrays.
    if (m.json !== null && m.raw) n += CONTAINER_BYTES * containers(m.raw);
    costs.set(m, n);
  }
  return n;
}
const costs = new WeakMap<MessageRecord, number>();
const CONTAINER_BYTES = 64;
/** Opening brackets and braces (inside strings too: an over-estimate, never an under-estimate). */
function containers(raw: string): number {
  let c = 0;
  for (let i = raw.indexOf("["); i >= 0; i = raw.indexOf("[", i + 1)) c++;
  for (let i = raw.indexOf("{"); i >= 0; i = raw.indexOf("{", i + 1)) c++;
  return c;
}

export type StoreEvent =
  | { type: "message"; message: MessageRecord }
  | { type: "session"; session: SessionView; change: SessionChange };

/** A message before the store gives it its global `seq` and `id`. */
export type NewMessage = Omit<MessageRecord, "id" | "seq">;

/** A session event's share of a subscriber's queue (the record is shared; this is the queue's own cost). */
const SESSION_EVENT_BYTES = 64;

/**
 * The in-memory capture: sessions (held and changed by `sessions`, src/sessions/) and their messages in bounded ring
 * buffers; session changes go out on the same hub as messages.
 * Eviction is consistent: a message is either findable by id AND in its session's list, or gone from both.
 * Closed sessions are kept (bounded); evicting one removes its messages too.
 */
export class CaptureStore {
  readonly events = new Hub<StoreEvent>((e) => (e.type === "message" ? messageBytes(e.message) : SESSION_EVENT_BYTES));
  /** The session records' owner: every change to a session goes through it, and comes out here as a "session" event. */
  readonly sessions = new Sessions((session, change) => this.events.publish({ type: "session", session, change }));
  /** Each held session's messages (the same keys as `sessions`). */
  private readonly messagesOf = new Map<string, Deque<MessageRecord>>();
  private readonly closedOrder = new Deque<string>();
  private readonly byId = new Map<string, MessageRecord>();
  /** All live messages in seq order; may contain evicted records, skipped via `byId`, compacted when they dominate. */
  private readonly log = new Deque<MessageRecord>();
  private seq = 0;
  /** messageBytes of every message held. */
  bytes = 0;
  /** Messages evicted early because the byte bound was reached (before their count bounds). */
  evictedForBytes = 0;
  totalMessages = 0;
  sessionsOpened = 0;
  /** Counters of sessions already evicted from memory, so lifetime totals stay true. */
  readonly retired: SessionRecord["counters"] = emptyCounters();

  /** The last seq this store may hand out (PostgreSQL's seq blocks, db/storage.ts), and the block that follows it. */
  private seqEnd = Number.MAX_SAFE_INTEGER;
  private nextBlock: { first: number; end: number } | null = null;
  /** Messages not kept because the seq block ran out before the next one came (db/storage.ts takes it well before). */
  seqExhausted = 0;

  constructor(readonly limits: StoreLimits, firstSeq = 1) {
    this.seq = firstSeq - 1;
  }

  get lastSeq(): number {
    return this.seq;
  }

  /** Hand out seqs up to `end` only (the block this run took). */
  limitSeqs(end: number): void {
    this.seqEnd = end;
  }

  /** The next block, [first, end]: when the current one is used up, seqs go on from `first` (always higher). */
  extendSeqs(first: number, end: number): void {
    this.nextBlock = { first, end };
  }

  /** Seqs left before the current block's end, and whether the next block is already here. */
  get seqsLeft(): { left: number; nextReady: boolean } {
    return { left: this.seqEnd - this.seq, nextReady: this.nextBlock !== null };
  }

  get messageCount(): number {
    return this.byId.size;
  }

  // ---- sessions ----

  openSession(init: { id: string; miner_addr: string; upstream: Upstream }): SessionView {
    this.messagesOf.set(init.id, new Deque());
    this.sessionsOpened++;
    return this.sessions.open(init);
  }

  getSession(id: string): SessionView | undefined {
    return this.sessions.get(id);
  }

  /** Newest first. */
  listSessions(state: "live" | "closed" | "all" = "all"): SessionView[] {
    return this.sessions.list(state);
  }

  markLive(id: string, upstreamAddr: string): void {
    this.sessions.markLive(id, upstreamAddr);
  }

  /** The first close reason wins: later ones (the other side closing in turn) are consequences. */
  closeSession(id: string, reason: CloseReason, detail: string | null, state: SessionState = "closed"): void {
    if (!this.sessions.close(id, reason, detail, state)) return;
    this.closedOrder.push(id);
    while (this.closedOrder.length > this.limits.maxSessions) this.forgetSession(this.closedOrder.shift()!);
  }

  private forgetSession(id: string): void {
    const messages = this.messagesOf.get(id);
    const record = this.sessions.forget(id);
    if (!messages || !record) return;
    for (let m = messages.shift(); m; m = messages.shift()) this.forget(m);
    for (const k of Object.keys(this.retired) as (keyof SessionRecord["counters"])[]) this.retired[k] += record.counters[k];
    this.messagesOf.delete(id);
    this.compactLogIfSparse();
  }

  // ---- messages ----

  /** Store a message: assign seq and id, evict to the bounds, publish. Unknown sessions are rejected. */
  add(msg: NewMessage): MessageRecord | undefined {
    const messages = this.messagesOf.get(msg.session_id);
    if (!messages) return undefined;
    if (this.seq >= this.seqEnd) {
      if (this.nextBlock === null) {
        this.seqExhausted++;
        return undefined;
      }
      this.seq = this.nextBlock.first - 1;
      this.seqEnd = this.nextBlock.end;
      this.nextBlock = null;
    }
    const seq = ++this.seq;
    const record: MessageRecord = { ...msg, seq, id: String(seq) };
    messages.push(record);
    this.byId.set(record.id, record);
    this.bytes += messageBytes(record);
    this.log.push(record);
    this.totalMessages++;
    if (messages.length > this.limits.maxPerSession) this.forget(messages.shift()!);
    while (this.byId.size > this.limits.maxMessages) this.evictOldest();
    const maxBytes = this.limits.maxBytes ?? Number.POSITIVE_INFINITY;
    while (this.bytes > maxBytes && this.byId.size > 1) {
      this.evictOldest();
      this.evictedForBytes++;
    }
    this.compactLogIfSparse();
    this.events.publish({ type: "message", message: record });
    return record;
  }

  private evictOldest(): void {
    for (let m = this.log.shift(); m; m = this.log.shift()) {
      if (this.byId.get(m.id) !== m) continue; // already evicted through its session
      this.forget(m);
      // The globally oldest live message is the oldest of its session.
      const messages = this.messagesOf.get(m.session_id);
      if (messages?.peek() === m) messages.shift();
      return;
    }
  }

  /** Out of the id index and the byte count (the caller takes it out of its session's list). */
  private forget(m: MessageRecord): void {
    if (this.byId.get(m.id) !== m) return;
    this.byId.delete(m.id);
    this.bytes -= messageBytes(m);
  }

  /** Shedding under memory pressure: drop the oldest messages until at most `bytes` are held. */
  shrinkTo(bytes: number): void {
    while (this.bytes > bytes && this.byId.size > 0) this.evictOldest();
  }

  private compactLogIfSparse(): void {
    if (this.log.length > 1024 && this.log.length > 2 * this.byId.size) this.log.retain((m) => this.byId.get(m.id) === m);
  }

  getMessage(id: string): MessageRecord | undefined {
    return this.byId.get(id);
  }

  /** Newest first, `seq < before` when given. Scans the session's list when filtering by session. */
  query(filter: MessageFilter, limit: number, before?: number): MessageRecord[] {
    const list = filter.session_id !== undefined ? this.messagesOf.get(filter.session_id) : this.log;
    if (!list) return [];
    const out: MessageRecord[] = [];
    const end = before === undefined ? list.length : list.lowerBound((m) => m.seq >= before);
    for (let i = end - 1; i >= 0 && out.length < limit; i--) {
      const m = list.at(i)!;
      if (this.byId.get(m.id) === m && matchesFilter(m, filter)) out.push(m);
    }
    return out;
  }

  /** Oldest first, `seq > after`: what a live view missed (SSE resume). */
  since(filter: MessageFilter, after: number, limit: number): MessageRecord[] {
    const list = filter.session_id !== undefined ? this.messagesOf.get(filter.session_id) : this.log;
    if (!list) return [];
    const out: MessageRecord[] = [];
    for (let i = list.lowerBound((m) => m.seq > after); i < list.length && out.length < limit; i++) {
      const m = list.at(i)!;
      if (this.byId.get(m.id) === m && matchesFilter(m, filter)) out.push(m);
    }
    return out;
  }

  sessionMessageCount(id: string): number {
    return this.messagesOf.get(id)?.length ?? 0;
  }
}
