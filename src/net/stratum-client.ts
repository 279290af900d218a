/**
 * A small Stratum v1 JSON-RPC client over Bun.connect (optionally TLS). Used by the simulated miner
 * and the agent. Numeric ids of its own, per-request latency, bounded pending map, buffered writes.
 */
import type { Socket } from "bun";
import { LineFramer } from "../stratum/framing";
import { WriteQueue } from "../write-queue";
import { isRecord, type JsonValue } from "../stratum/json";

export type { JsonValue };

export interface RpcReply {
  id: number;
  result: unknown;
  error: unknown;
  /** Milliseconds from writing the request to reading its reply (monotonic clock). */
  latencyMs: number;
}

/** A message from the server that is not a reply to us: a notification (id null) or a request. */
export interface ServerMessage {
  id: string | number | null;
  method: string;
  params: unknown;
  raw: string;
}

export interface StratumClientOptions {
  host: string;
  port: number;
  /** true = TLS with system CAs; an object to pass a CA, serverName or rejectUnauthorized. */
  tls?: boolean | { ca?: string; serverName?: string; rejectUnauthorized?: boolean };
  /** Sent as the reply to `client.get_version` unless onRequest answers. */
  userAgent?: string;
  maxLineBytes?: number;
  maxPending?: number;
  /** Bytes queued for writing before the client gives up and closes. */
  maxQueuedBytes?: number;
  connectTimeoutMs?: number;
  /** Server notifications (messages with a method and a null/absent id). */
  onNotification?: (msg: ServerMessage) => void;
  /** Server requests (method and an id). Return the answer, or undefined for the default answer. */
  onRequest?: (msg: ServerMessage) => { result: JsonValue; error: JsonValue } | undefined;
  /** Every complete line received or sent (for logging and analysis). */
  onLine?: (line: string, direction: "in" | "out") => void;
  onClose?: (reason: string) => void;
}

interface Pending {
  start: number;
  timer: ReturnType<typeof setTimeout>;
  resolve: (r: RpcReply) => void;
  reject: (e: Error) => void;
}

export class RpcTimeoutError extends Error {}
export class ClientClosedError extends Error {}

const encoder = new TextEncoder();
const decoder = new TextDecoder();



export class StratumClient {
  private socket: Socket<undefined> | null = null;
  private queue: WriteQueue | null = null;
  private readonly framer: LineFramer;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  private closeReason = "";
  /** Replies whose id matched nothing (late after a timeout, or unknown). */
  unmatchedReplies = 0;
  /** Lines that were not JSON objects. */
  badLines = 0;
  /** Monotonic ms: TCP connect (socket open), then the TLS handshake after it (null without TLS or before it ends). */
  readonly timing: { connectMs: number | null; tlsHandshakeMs: number | null } = { connectMs: null, tlsHandshakeMs: null };

  constructor(private readonly opts: StratumClientOptions) {
    this.framer = new LineFramer(opts.maxLineBytes ?? 64 * 1024);
  }

  get isOpen(): boolean {
    return this.socket !== null && !this.closed;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  connect(): Promise<void> {
    if (this.socket || this.closed) return Promise.reject(new Error("connect() may be called once"));
    const { host, port } = this.opts;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const t0 = performance.now();
    let openedAt: number | null = null;
    const connecting = Bun.connect<undefined>({
      hostname: host,
      port,
      tls: this.opts.tls ?? false,
      socket: {
        open: () => {
          openedAt = performance.now();
          this.timing.connectMs = openedAt - t0;
        },
        handshake: (_s, success) => {
          if (success) this.timing.tlsHandshakeMs = performance.now() - (openedAt ?? t0);
        },
        data: (_s, chunk) => this.onData(chunk),
        drain: () => this.queue?.flush(),
        close: () => this.finish("connection closed"),
        end: (s) => {
          s.end();
        },
        error: (_s, e) => this.finish(`socket error: ${e.message}`),
        connectError: (_s, e) => this.finish(`connect failed: ${e.message}`),
      },
    }).then((s) => {
      if (this.closed) {
        s.end();
        throw new ClientClosedError(this.closeReason);
      }
      this.socket = s;
      this.queue = new WriteQueue((b) => s.write(b));
    });
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.close("connect timeout");
        reject(new Error(`connect to ${host}:${port} timed out`));
      }, this.opts.connectTimeoutMs ?? 10_000);
    });
    return Promise.race([connecting, limit]).finally(() => clearTimeout(timer));
  }

  /** Sends a request with the next numeric id; resolves with the reply or rejects on timeout/close. */
  request(method: string, params: JsonValue[] | Record<string, JsonValue>, timeoutMs = 10_000): Promise<RpcReply> {
    if (!this.isOpen) return Promise.reject(new ClientClosedError(this.closeReason || "not connected"));
    if (this.pending.size >= (this.opts.maxPending ?? 1000)) {
      return Promise.reject(new Error(`too many pending requests (${this.pending.size})`));
    }
    const id = this.nextId++;
    return new Promise<RpcReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RpcTimeoutError(`${method} (id ${id}) got no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { start: performance.now(), timer, resolve, reject });
      // Start time is taken before the write so queueing behind our own writes counts too.
      if (!this.sendLine(JSON.stringify({ id, method, params }))) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new ClientClosedError(this.closeReason || "write failed"));
      }
    });
  }

  /** Sends a notification (id null), e.g. for protocols that expect one. */
  notify(method: string, params: JsonValue[]): boolean {
    return this.sendLine(JSON.stringify({ id: null, method, params }));
  }

  /** Sends one raw line (newline appended). Returns false when closed. */
  sendLine(line: string): boolean {
    if (!this.isOpen || !this.queue) return false;
    this.opts.onLine?.(line, "out");
    const ok = this.queue.push(encoder.encode(line + "\n"));
    if (!ok) this.finish("write on closed socket");
    else if (this.queue.queued > (this.opts.maxQueuedBytes ?? 4 * 1024 * 1024)) this.close("write queue overflow");
    return ok;
  }

  close(reason = "closed by client"): void {
    this.socket?.end();
    this.finish(reason);
  }

  private finish(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new ClientClosedError(`${reason} (request id ${id} unanswered)`));
    }
    this.pending.clear();
    this.opts.onClose?.(reason);
  }

  private onData(chunk: Uint8Array): void {
    for (const line of this.framer.push(chunk)) {
      if (line.truncated) {
        this.badLines++;
        continue;
      }
      const text = decoder.decode(line.bytes).trim();
      if (text === "") continue;
      this.opts.onLine?.(text, "in");
      this.onLine(text);
    }
  }

  private onLine(text: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      this.badLines++;
      return;
    }
    if (!isRecord(msg)) {
      this.badLines++;
      return;
    }
    const id = msg.id;
    if (typeof msg.method === "string") {
      const sm: ServerMessage = {
        id: typeof id === "string" || typeof id === "number" ? id : null,
        method: msg.method,
        params: msg.params,
        raw: text,
      };
      if (sm.id === null) this.opts.onNotification?.(sm);
      else this.answer(sm);
      return;
    }
    // Some pools echo numeric ids as strings.
    const key = typeof id === "number" ? id : typeof id === "string" && /^\d+$/.test(id) ? Number(id) : NaN;
    const p = this.pending.get(key);
    if (!p) {
      this.unmatchedReplies++;
      return;
    }
    this.pending.delete(key);
    clearTimeout(p.timer);
    p.resolve({ id: key, result: msg.result ?? null, error: msg.error ?? null, latencyMs: performance.now() - p.start });
  }

  private answer(sm: ServerMessage): void {
    const custom = this.opts.onRequest?.(sm);
    const reply =
      custom ??
      (sm.method === "client.get_version"
        ? { result: this.opts.userAgent ?? "hashscope-client/0.1", error: null }
        : { result: null, error: [-3, "Method not found", null] });
    this.sendLine(JSON.stringify({ id: sm.id, ...reply }));
  }
}

/** Connects and returns a ready client. */
export async function connectStratum(opts: StratumClientOptions): Promise<StratumClient> {
  const c = new StratumClient(opts);
  await c.connect();
  return c;
}
