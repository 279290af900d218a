import { LineFramer, type FramedLine } from "../stratum/framing";
import { parseLine } from "../stratum/parse";
import { redactLine } from "../stratum/redact";
import { decodeCall, decodeResponse, type DecodedCall } from "../stratum/methods";
import { markDerived } from "./derived";
import { learnFacts } from "./facts";
import { isShareAccepted } from "../stratum/outcome";
import { SessionAnalyser } from "../analysis/session";
import { DEFAULT_JOB_BOOK_LIMITS } from "../analysis/job-book";
import type { BitcoinNetwork } from "../analysis/network";
import type { SessionFigures, SubmitAnalysis } from "../analysis/schema";
import type { FiguresTracker } from "../analysis/figures";
import { FiguresRegistry } from "./figures-registry";
import { RequestPairing } from "./pairing";
import { settle, takeOwn, type OwnReplyWait } from "./own-reply-wait";
import type { CaptureStore, NewMessage } from "./store";
import type { Direction, MessageRecord } from "./records";
import type { SessionView } from "../sessions/record";

export type CaptureOptions = {
  maxLineBytes: number;
  /** Bytes waiting for capture per session; past it chunks are relayed but not captured (counted). */
  maxBacklogBytes: number;
  /** Mask mining.authorize passwords in the record (REDACT_PASSWORDS; the relayed bytes are never touched). */
  redactPasswords?: boolean;
  /** Bytes waiting for capture in all sessions together; the same happens past it. Unset: no total bound. */
  maxTotalBacklogBytes?: number;
  /** Jobs remembered per session (the job book), for verdicts, share context (broadcast) and the UI. */
  maxJobs?: number;
  /** Address prefixes for decoded coinbases (BITCOIN_NETWORK); default mainnet. */
  network?: BitcoinNetwork;
};

/**
 * A chunk waiting for capture (`own`: the own replies the relay took out of it), or a gap where chunks were dropped
 * (`atLineStart`: the gap ended with a newline).
 */
type Pending =
  | { direction: Direction; bytes: Uint8Array; wallMs: number; monoMs: number; own: OwnReplyWait[] | null }
  | { gap: Direction; atLineStart: boolean };

const LF_ONLY = new Uint8Array([0x0a]);
/**
 * Capture waits this long after the first chunk it is handed before it decodes, and then takes everything waiting
 * at once: decoding right after each read (setImmediate) put ~25 µs of capture between a miner's line and the pool's
 * answer in most round trips (bench/latency.ts); batched, most round trips meet no capture work at all.
 */
const CAPTURE_DELAY_MS = 1;

/** Per-session capture state: framers, pairing, the backlog waiting to be decoded, recent jobs. */
class SessionCapture {
  readonly framers: Record<Direction, LineFramer>;
  readonly pairing = new RequestPairing();
  readonly backlog: Pending[] = [];
  backlogBytes = 0;
  /** Own replies taken out of the chunk the relay is about to hand over (see CapturePipeline.ownReply). */
  ownReplies: OwnReplyWait[] | null = null;
  /** The job book and verdicts (analysis/); runs here, after the bytes were forwarded. */
  readonly analyser: SessionAnalyser;
  ended = false;

  constructor(opts: CaptureOptions) {
    this.analyser = new SessionAnalyser(opts.network ?? "mainnet", { ...DEFAULT_JOB_BOOK_LIMITS, maxJobs: opts.maxJobs ?? DEFAULT_JOB_BOOK_LIMITS.maxJobs });
    this.framers = {
      miner_to_pool: new LineFramer(opts.maxLineBytes),
      pool_to_miner: new LineFramer(opts.maxLineBytes),
      hashscope_to_pool: new LineFramer(opts.maxLineBytes),
    };
  }
}

/**
 * Capture runs beside the relay, never between a read and its forward: the relay hands each chunk over after it
 * has forwarded it (an O(1) push), and decoding happens later in small time slices. The backlog is bounded; what does
 * not fit is counted as dropped and the framer resynchronises at the next newline.
 */
export class CapturePipeline {
  private readonly sessions = new Map<string, SessionCapture>();
  /** Sessions with a backlog or a pending end: a slice visits only these, not every open session. */
  private readonly ready = new Set<string>();
  private scheduled = false;
  /** Short slices: the relay never waits long behind capture (each slice is one turn of the event loop). */
  private readonly sliceMs = 2;
  private totalBacklog = 0;
  /** Under memory pressure (MAX_MEMORY_MB) nothing new is captured; the relay goes on. */
  private shedding = false;
  /** Bytes relayed but not captured: backlog bounds and shedding together; `shedBytes` the part shed for memory. */
  droppedBytes = 0;
  shedBytes = 0;
  private readonly figures = new FiguresRegistry((id) => this.sessions.has(id));

  constructor(private readonly store: CaptureStore, private readonly opts: CaptureOptions) {}

  open(sessionId: string): void {
    this.sessions.set(sessionId, new SessionCapture(this.opts));
    this.figures.open(sessionId);
  }

  /** A session's figures (hashrate, counts, latency…), while remembered. */
  sessionFigures(sessionId: string): SessionFigures | null {
    return this.figures.session(sessionId);
  }

  /** The same figures over every session since HashScope started. */
  totalFigures(): SessionFigures {
    return this.figures.all();
  }

  /** Valid-share hashrate per session still remembered (for /metrics), over 1 min, 15 min, 1 h. */
  forEachFigures(fn: (sessionId: string, f: FiguresTracker) => void): void {
    this.figures.forEach(fn);
  }

  /**
   * Hot path: called by the relay after forwarding. `borrowed`: `bytes` is a view that will be overwritten (the relay
   * thread's ring), so it is copied, but only if it is kept: a chunk dropped at a bound costs no allocation.
   */
  ingest(sessionId: string, direction: Direction, bytes: Uint8Array, wallMs: number, monoMs: number, borrowed = false): void {
    const s = this.sessions.get(sessionId);
    if (!s) return;
    const own = s.ownReplies;
    s.ownReplies = null;
    const n = bytes.byteLength;
    const maxTotal = this.opts.maxTotalBacklogBytes ?? Number.POSITIVE_INFINITY;
    if (this.shedding || s.backlogBytes + n > this.opts.maxBacklogBytes || this.totalBacklog + n > maxTotal) {
      this.drop(sessionId, s, direction, n, bytes[bytes.byteLength - 1] === 0x0a);
      if (this.shedding) this.shedBytes += n;
      if (own) for (const w of own) settle(w, null); // not captured: the waiter learns it now
    } else {
      s.backlog.push({ direction, bytes: borrowed ? bytes.slice() : bytes, wallMs, monoMs, own });
      s.backlogBytes += n;
      this.totalBacklog += n;
    }
    this.ready.add(sessionId);
    this.schedule();
  }

  /**
   * `bytes` bytes of this session were relayed but never reached capture (the relay thread's ring was full): counted
   * as dropped, and the framer resynchronises like after a backlog bound. `atLineStart`: they ended with a newline.
   */
  gap(sessionId: string, direction: Direction, bytes: number, atLineStart: boolean): void {
    const s = this.sessions.get(sessionId);
    if (!s) return;
    const own = s.ownReplies;
    s.ownReplies = null;
    this.drop(sessionId, s, direction, bytes, atLineStart);
    if (own) for (const w of own) settle(w, null); // the chunk with the answer was not captured: the waiter learns it now
    this.ready.add(sessionId);
    this.schedule();
  }

  private drop(sessionId: string, s: SessionCapture, direction: Direction, n: number, atLineStart: boolean): void {
    const last = s.backlog[s.backlog.length - 1];
    if (last && "gap" in last && last.gap === direction) last.atLineStart = atLineStart;
    else s.backlog.push({ gap: direction, atLineStart });
    this.store.sessions.dropCaptured(sessionId, n);
    this.droppedBytes += n;
  }

  /** The session is over: decode what is left, including a last line without newline, then forget it. */
  close(sessionId: string): void {
    const s = this.sessions.get(sessionId);
    if (!s) return;
    s.ended = true;
    this.ready.add(sessionId);
    this.schedule();
  }

  /**
   * The relay took the pool's answer to own request `rpcId` out of the chunk it hands over next (relay.ts, in the
   * same call: forward, count, hand over): `deliver` gets the record made of that line when the chunk is decoded,
   * in stream order. So a replay learns its answer and the answer's record from one path, without watching the hub.
   */
  ownReply(sessionId: string, rpcId: string, deliver: OwnReplyWait["deliver"]): void {
    const s = this.sessions.get(sessionId);
    if (!s || s.ended) return settle({ rpcId, deliver }, null);
    (s.ownReplies ??= []).push({ rpcId, deliver });
  }

  /** Capture a line HashScope itself sends (replay); returns the stored message. */
  captureOwnLine(sessionId: string, line: Uint8Array): MessageRecord | undefined {
    const s = this.sessions.get(sessionId);
    if (!s) return undefined;
    return this.record(sessionId, s, "hashscope_to_pool", {
      bytes: line,
      size_bytes: line.byteLength + 1,
      truncated: false,
    }, Date.now(), performance.now());
  }

  /** The notify params of a job this session was sent, when still remembered. */
  job(sessionId: string, jobId: string): unknown[] | undefined {
    return this.sessions.get(sessionId)?.analyser.book.get(jobId)?.params;
  }

  get backlogBytes(): number {
    return this.totalBacklog;
  }

  get isShedding(): boolean {
    return this.shedding;
  }

  /** Stop (or restart) capturing new bytes; what already waits is still decoded. */
  setShedding(on: boolean): void {
    this.shedding = on;
  }

  /** Decode everything waiting now (tests and shutdown). */
  drainAll(): void {
    while (this.processSlice(Number.POSITIVE_INFINITY));
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      if (this.processSlice(this.sliceMs)) this.schedule();
    }, CAPTURE_DELAY_MS);
  }

  /** Returns true when work remains. */
  private processSlice(budgetMs: number): boolean {
    const deadline = performance.now() + budgetMs;
    for (const id of this.ready) {
      const s = this.sessions.get(id);
      if (!s) {
        this.ready.delete(id);
        continue;
      }
      while (s.backlog.length) {
        const item = s.backlog.shift()!;
        if ("gap" in item) {
          // Forget the cut line; when the gap ended mid-line, also skip the rest of that line.
          s.framers[item.gap].resync();
          if (item.atLineStart) s.framers[item.gap].push(LF_ONLY);
          continue;
        }
        s.backlogBytes -= item.bytes.byteLength;
        this.totalBacklog -= item.bytes.byteLength;
        for (const line of s.framers[item.direction].push(item.bytes)) {
          const stored = this.record(id, s, item.direction, line, item.wallMs, item.monoMs);
          if (item.own && stored?.kind === "response") takeOwn(item.own, stored);
        }
        if (item.own) for (const w of item.own) settle(w, null); // its line was cut or unreadable: no record
        item.own = null;
        if (performance.now() > deadline) return true;
      }
      if (s.ended) {
        if (s.ownReplies) for (const w of s.ownReplies) settle(w, null);
        s.ownReplies = null;
        for (const dir of ["miner_to_pool", "pool_to_miner"] as const) {
          const last = s.framers[dir].flush();
          if (last) this.record(id, s, dir, last, Date.now(), performance.now());
        }
        this.sessions.delete(id);
      }
      this.ready.delete(id);
    }
    return false;
  }

  private record(
    sessionId: string,
    s: SessionCapture,
    direction: Direction,
    line: FramedLine,
    wallMs: number,
    monoMs: number,
  ): MessageRecord | undefined {
    const session = this.store.getSession(sessionId);
    if (!session) return undefined;
    const parsed = parseLine(line);
    const { line: p, redacted } = this.opts.redactPasswords ? redactLine(parsed) : { line: parsed, redacted: null };
    const msg: NewMessage = {
      session_id: sessionId,
      direction,
      ts: new Date(wallMs).toISOString(),
      size_bytes: line.size_bytes,
      raw: p.raw,
      raw_hex: p.raw_hex,
      kind: p.kind,
      method: p.method,
      rpc_id: p.rpc_id,
      json: p.json,
      decoded: null,
      parse_error: p.parse_error,
      reply_to: null,
      latency_ms: null,
      truncated: line.truncated,
      analysis: null,
    };
    let answered: { method: string; direction: Direction } | null = null;
    /** The miner's submit this response answers, when it carries a verdict. */
    let judgedSubmit: MessageRecord | undefined;
    if (p.kind === "request" || p.kind === "notification") {
      const d = decodeCall(p.method!, p.params);
      msg.decoded = d.message?.decoded ?? null;
      if (d.error) msg.parse_error = `${p.method}: ${d.error}`;
      msg.analysis = this.analyseCall(s, session, direction, p.method!, p.params, d.message, d.error);
    } else if (p.kind === "response") {
      // An answer with id null (a pool error about a line it could not read) pairs with nothing but is still decoded,
      // so it counts as an error.
      const req = p.rpc_id === null ? undefined : s.pairing.response(direction, p.rpc_id);
      if (req) {
        msg.method = req.method;
        msg.reply_to = req.messageId;
        msg.latency_ms = Math.round((monoMs - req.startMs) * 1000) / 1000;
        answered = { method: req.method, direction: req.direction };
      }
      const d = decodeResponse(msg.method, p.result, p.error);
      msg.decoded = d.decoded;
      if (d.error) msg.parse_error = `${msg.method ?? "response"}: ${d.error}`;
      if (req && req.method === "mining.submit" && req.direction === "miner_to_pool") {
        judgedSubmit = this.store.getMessage(req.messageId);
        const verdict = judgedSubmit?.analysis?.type === "submit" ? judgedSubmit.analysis : null;
        if (verdict) msg.analysis = s.analyser.answer(verdict, p.result, p.error);
      }
    }
    if (redacted) msg.decoded = { ...(msg.decoded ?? {}), redacted }; // the record says what it no longer shows
    // The submit's own record learns the pool's answer too (memory; on disk the answer's row carries it).
    if (judgedSubmit && msg.analysis) judgedSubmit.analysis = msg.analysis;
    const stored = this.store.add(msg);
    if (!stored) return undefined;
    // json, rpc_id and decoded came straight from the line and the decoders, unless redaction changed them or an
    // answer without an id was decoded (storage derives decoded only for answers with one).
    if (!redacted && p.kind !== "invalid" && p.raw !== null && !line.truncated && (p.kind !== "response" || p.rpc_id !== null))
      markDerived(stored);
    if (stored.analysis?.type === "notify") {
      const entry = s.analyser.book.get(stored.analysis.job_id);
      if (entry) entry.messageId = stored.id;
    }
    if (p.kind === "request" && p.rpc_id !== null)
      s.pairing.request(direction, p.rpc_id, { messageId: stored.id, method: p.method!, direction, startMs: monoMs });
    this.count(session, stored, answered, p.result, p.error);
    this.figures.tally(stored, answered, monoMs, wallMs);
    return stored;
  }

  /** Verdicts for the miner's submits and decoded jobs from the pool's notifies (after the bytes went out). */
  private analyseCall(
    s: SessionCapture,
    session: SessionView,
    direction: Direction,
    method: string,
    params: unknown,
    call: DecodedCall | null,
    error: string | null,
  ): MessageRecord["analysis"] {
    if (direction === "miner_to_pool" && method === "mining.submit") {
      const jobId = Array.isArray(params) ? params[1] : undefined;
      const submit = call?.method === "mining.submit" ? call.decoded : null;
      return s.analyser.submit(submit, error, jobId) satisfies SubmitAnalysis;
    }
    if (direction === "pool_to_miner" && call?.method === "mining.notify" && Array.isArray(params))
      return s.analyser.notify(call.decoded, params, session);
    return null;
  }

  /** The message's share of its session's counters, and what it teaches about the session (src/sessions/ applies both). */
  private count(
    session: SessionView,
    m: MessageRecord,
    answered: { method: string; direction: Direction } | null,
    result: unknown,
    error: unknown,
  ): void {
    const judged = answered?.method === "mining.submit" && answered.direction === "miner_to_pool";
    this.store.sessions.countMessage(session.id, {
      up: m.direction !== "pool_to_miner",
      parseError: m.parse_error !== null,
      submit: m.direction === "miner_to_pool" && m.kind === "request" && m.method === "mining.submit",
      answer: judged ? (isShareAccepted(result, error) ? "accepted" : "rejected") : null,
      ts: m.ts,
    });
    const facts = learnFacts(session, { direction: m.direction, kind: m.kind, method: m.method, decoded: m.decoded });
    if (facts !== session) this.store.sessions.learn(session.id, facts);
  }
}

