import { paramsOf } from "../stratum/json";
import { z } from "zod";
import type { CapturePipeline } from "../capture/ingest";
import type { MessageRecord } from "../capture/records";
import type { CaptureStore } from "../capture/store";
import type { Relay } from "../proxy/relay";
import { isShareAccepted } from "../stratum/outcome";

/**
 * Replay: re-send a captured miner `mining.submit` on its live session with a JSON-RPC id of HashScope's own
 * ("hs-<n>"), so the pool's answer can never be mistaken for the miner's. The relay takes that answer out of the
 * pool→miner stream (the miner never sees it); capture still records it, paired with the hashscope_to_pool request,
 * and the answer reaches the replay along that one path: the own-reply filter matches it, capture hands over its record.
 */

export type ReplayResult = {
  ok: boolean;
  result: unknown;
  error: unknown;
  latency_ms: number;
  request_message_id: string | null;
  response_message_id: string | null;
};

/** A refusal with its HTTP status. */
export class ReplayError extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 503 | 504,
    message: string,
  ) {
    super(message);
  }
}

/** What may be sent as edited submit params: the Stratum shape, values left for the pool to judge. */
export const SubmitParamsEdit = z.array(z.string().max(256)).min(5).max(6);

export type ReplayOptions = { timeoutMs?: number; maxInflight?: number };

const enc = new TextEncoder();
type Answer = { json: Record<string, unknown>; monoMs: number; captured: MessageRecord | null };

export class ReplayService {
  private nextId = 1;
  /** Random per process, so an own id ("hs-k3f9-1") cannot plausibly equal one a miner chose. */
  private readonly tag = `${Math.random().toString(36).slice(2, 6)}-`;
  private inflight = 0;
  private readonly timeoutMs: number;
  private readonly maxInflight: number;
  readonly counters = { sent: 0, answered: 0, accepted: 0, rejected: 0, timeouts: 0, refused: 0 };

  constructor(
    private readonly store: CaptureStore,
    private readonly capture: CapturePipeline,
    private readonly relay: Relay,
    opts: ReplayOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.maxInflight = opts.maxInflight ?? 256;
  }

  /** Checks a message can be replayed and returns it (throws ReplayError). */
  replayable(messageId: string): MessageRecord {
    const m = this.store.getMessage(messageId);
    if (!m) throw new ReplayError(404, "message not found");
    if (m.direction !== "miner_to_pool") throw new ReplayError(400, `only miner_to_pool messages can be replayed, this one is ${m.direction}`);
    if (m.kind !== "request" || m.method !== "mining.submit") throw new ReplayError(400, "only mining.submit requests can be replayed");
    const s = this.store.getSession(m.session_id);
    if (!s || s.state !== "live") throw new ReplayError(409, `session ${m.session_id} is ${s?.state ?? "gone"}, not live`);
    return m;
  }

  /** Replay message `messageId`, with `params` instead of the captured ones when given. */
  async replay(messageId: string, params?: unknown): Promise<ReplayResult> {
    const m = this.replayable(messageId);
    let p: string[];
    if (params !== undefined) {
      const parsed = SubmitParamsEdit.safeParse(params);
      if (!parsed.success) throw new ReplayError(400, "params must be 5 or 6 strings: [worker, job_id, extranonce2, ntime, nonce, version_bits?]");
      p = parsed.data;
    } else {
      const original = paramsOf(m.json);
      if (!Array.isArray(original)) throw new ReplayError(400, "the captured submit has no params array");
      p = original as string[];
    }
    return this.send(m.session_id, p);
  }

  /** Send one own submit on a live session and wait for the pool's answer. */
  async send(sessionId: string, params: unknown[]): Promise<ReplayResult> {
    if (this.inflight >= this.maxInflight) throw new ReplayError(503, `too many replays in flight (${this.maxInflight})`);
    const id = `hs-${this.tag}${this.nextId++}`;
    const bytes = enc.encode(JSON.stringify({ id, method: "mining.submit", params }));
    let answer: (r: Answer) => void = () => {};
    const answered = new Promise<Answer>((r) => (answer = r));
    const cancel = this.relay.expectOwnReply(sessionId, id, (r, captured) => answer({ json: r.json, monoMs: r.monoMs, captured }));
    if (!cancel) {
      this.counters.refused++;
      throw new ReplayError(409, "session is not live (or too many own requests are pending on it)");
    }
    this.inflight++;
    try {
      const request = this.capture.captureOwnLine(sessionId, bytes);
      const startMs = performance.now();
      if (!this.relay.sendToPool(sessionId, concatLf(bytes))) {
        cancel();
        this.counters.refused++;
        throw new ReplayError(409, "session is not live");
      }
      this.counters.sent++;
      let timer: Timer | undefined;
      const timeout = new Promise<null>((r) => (timer = setTimeout(() => r(null), this.timeoutMs)));
      let reply = await Promise.race([answered, timeout]);
      clearTimeout(timer);
      // Not cancellable: the pool answered in time and capture is decoding that chunk (its backlog is bounded, and
      // a dropped chunk settles at once), so the answer is on its way.
      if (!reply && !cancel()) reply = await answered;
      if (!reply) {
        this.counters.timeouts++;
        throw new ReplayError(504, `no answer from the pool within ${this.timeoutMs} ms`);
      }
      const result = reply.json.result ?? null;
      const error = reply.json.error ?? null;
      const ok = isShareAccepted(result, error);
      this.counters.answered++;
      if (ok) this.counters.accepted++;
      else this.counters.rejected++;
      return {
        ok,
        result,
        error,
        latency_ms: Math.round((reply.monoMs - startMs) * 1000) / 1000,
        request_message_id: request?.id ?? null,
        response_message_id: reply.captured?.id ?? null,
      };
    } finally {
      this.inflight--;
    }
  }
}

function concatLf(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.byteLength + 1);
  out.set(b);
  out[b.byteLength] = 0x0a;
  return out;
}
