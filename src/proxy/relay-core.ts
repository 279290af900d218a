import type { Socket, TCPSocketListener } from "bun";
import type { CloseReason, Direction, SessionState, Upstream } from "../capture/records";
import { endAfterFlush, flush, newEndpoint, send, type Endpoint } from "./endpoint";
import { OwnReplyFilter, type OwnReplyHandler } from "./own-replies";
import { rateLimitedLog } from "./rate-log";

/**
 * The relay's sockets, on whichever thread runs them (the main thread, or the relay thread of `thread/`): one upstream
 * socket per miner, bytes forwarded unchanged both ways. The order in each data handler is: forward first, then tell
 * the sink (count and hand over to capture, an O(1) push). It knows nothing of the store: what happens to a session is
 * told to a `RelaySink`.
 */
export type RelaySink = {
  /** A miner connected; `index` is a small number reused after `gone` (below MAX_SESSIONS). */
  opened(index: number, id: string, minerAddr: string): void;
  live(index: number, id: string, upstreamAddr: string): void;
  /**
   * After `chunk` was forwarded (or queued for its socket). `maxQueued`: the session's largest send queue so far.
   * `borrowed`: the chunk is a view into a buffer that will be reused (copy what you keep).
   */
  data(index: number, id: string, direction: Direction, chunk: Uint8Array, wallMs: number, monoMs: number, maxQueued: number, borrowed?: boolean): void;
  /** Why the session ends: once per session, the first reason. */
  closed(index: number, id: string, reason: CloseReason, detail: string | null, state: SessionState): void;
  /** Both sockets are closed; `index` is free again. */
  gone(index: number, id: string): void;
  /** A miner was refused at MAX_SESSIONS; `total` refusals so far. */
  refused(total: number): void;
};

export type RelayCoreOptions = {
  listen: { host: string; port: number };
  upstream: Upstream;
  connectTimeoutMs: number;
  /** Live sessions at most; a miner connecting beyond is closed at once (counted, logged at most once a minute). */
  maxSessions: number;
  /** A miner that sends no complete line (no newline) this long after its bytes are read is closed (`handshake_timeout`). */
  handshakeTimeoutMs: number;
  /** Where refusals are said (default: stderr). */
  log?: (line: string) => void;
};

type Session = {
  id: string;
  index: number;
  miner: Endpoint;
  pool: Endpoint;
  timer: Timer | null;
  own: OwnReplyFilter;
  /** The upstream socket while it connects (a TLS handshake may hang after TCP connected). */
  connecting: Socket<Endpoint> | null;
  /** Releases a line the own-reply filter holds, if its newline is slow to come. */
  heldTimer: Timer | null;
  /** Runs until the miner's first newline; then null. */
  handshakeTimer: Timer | null;
  /** A close reason was given (the first wins). */
  finished: boolean;
};

/** How long an unfinished pool→miner line may wait for its newline while a replay's answer is expected. */
const HELD_LINE_MS = 50;

export type RelayCore = {
  port: number;
  disconnect(sessionId: string): boolean;
  sendToPool(sessionId: string, bytes: Uint8Array): boolean;
  expectOwnReply(sessionId: string, id: string, onReply: OwnReplyHandler): (() => boolean) | null;
  liveSessions(): number;
  refusedSessions(): number;
  maxQueuedBytes(sessionId: string): number | undefined;
  stop(): void;
};

const newSessionId = (): string => crypto.randomUUID().replaceAll("-", "").slice(0, 16);

export function startRelayCore(opts: RelayCoreOptions, sink: RelaySink): RelayCore {
  const { upstream } = opts;
  const sessions = new Map<string, Session>();
  /** Session indexes given back by `gone`, reused first (so they stay below MAX_SESSIONS). */
  const freeIndexes: number[] = [];
  let nextIndex = 0;
  const refusals = rateLimitedLog(opts.log ?? ((line) => console.error(line)));

  const direction = (src: Endpoint): Direction => (src.side === "miner" ? "miner_to_pool" : "pool_to_miner");
  const maxQueued = (s: Session): number => Math.max(s.miner.maxOutBytes, s.pool.maxOutBytes);

  /** Record why the session ends (first reason wins) and close the other side once its queue is written. */
  function finish(s: Session, reason: CloseReason, detail: string | null, state: "closed" | "failed" = "closed"): void {
    if (!s.finished) {
      s.finished = true;
      sink.closed(s.index, s.id, reason, detail, state);
    }
    if (s.timer) clearTimeout(s.timer);
    s.timer = null;
    if (s.handshakeTimer) clearTimeout(s.handshakeTimer);
    s.handshakeTimer = null;
    endAfterFlush(s.miner);
    endAfterFlush(s.pool);
    if (!s.pool.socket) s.pool.closed = true; // never connected: nothing to end
  }

  function onData(src: Endpoint, chunk: Uint8Array): void {
    const dst = src.peer!;
    const s = sessions.get(src.sessionId);
    if (!s) {
      send(dst, chunk); // a straggler after the session ended: still forwarded (dst takes nothing once closed)
      return;
    }
    if (src.side === "miner" && src.awaitingLine && chunk.indexOf(0x0a) >= 0) sawFirstLine(s);
    // Pool→miner passes the own-reply filter: a plain pass-through unless a replay is waiting for its answer.
    const out = src.side === "pool" ? s.own.process(chunk, performance.now()) : chunk;
    if (src.side === "pool" && s.own.holding) releaseHeldLater(s);
    if (out.byteLength > 0 && !send(dst, out))
      finish(s, "error", `${dst.side} is not reading: more than ${dst.queue.queued} bytes queued for it`);
    sink.data(s.index, s.id, direction(src), chunk, Date.now(), performance.now(), maxQueued(s));
  }

  /**
   * From the moment the miner's bytes are read (its pool connection is up; until then they wait in the kernel), it has
   * HANDSHAKE_TIMEOUT_MS to send a complete line.
   */
  function armHandshake(s: Session): void {
    if (!s.miner.awaitingLine || s.miner.closed) return;
    s.handshakeTimer = setTimeout(() => {
      s.handshakeTimer = null;
      if (s.miner.awaitingLine && !s.miner.closed)
        finish(s, "handshake_timeout", `no complete line from the miner within ${opts.handshakeTimeoutMs} ms`);
    }, opts.handshakeTimeoutMs);
  }

  function sawFirstLine(s: Session): void {
    s.miner.awaitingLine = false;
    if (s.handshakeTimer) clearTimeout(s.handshakeTimer);
    s.handshakeTimer = null;
  }

  /** An unfinished pool line held by the own-reply filter goes to the miner after HELD_LINE_MS at the latest. */
  function releaseHeldLater(s: Session): void {
    if (s.heldTimer) return;
    s.heldTimer = setTimeout(() => {
      s.heldTimer = null;
      const held = s.own.release();
      if (held && !send(s.miner, held)) finish(s, "error", `miner is not reading: more than ${s.miner.queue.queued} bytes queued for it`);
    }, HELD_LINE_MS);
  }

  function onClosed(e: Endpoint, err?: Error): void {
    if (e.closed) return;
    e.closed = true;
    const s = sessions.get(e.sessionId);
    if (!s) return;
    const held = e.side === "pool" ? s.own.release() : null; // an unfinished line held back by the filter
    if (held) send(s.miner, held);
    if (s.heldTimer) clearTimeout(s.heldTimer);
    s.heldTimer = null;
    if (err) finish(s, "error", `${e.side} socket error: ${err.message}`);
    else finish(s, e.side === "miner" ? "miner_closed" : "pool_closed", null);
    // Ending one side may close the other at once, inside this call: the session goes only once.
    if (s.miner.closed && s.pool.closed && sessions.get(s.id) === s) {
      sessions.delete(s.id);
      sink.gone(s.index, s.id);
      freeIndexes.push(s.index);
    }
  }

  function connectUpstream(s: Session): void {
    const { pool, miner } = s;
    s.timer = setTimeout(() => {
      s.timer = null;
      if (pool.socket) return;
      finish(s, "upstream_failed", `no connection to ${upstream.host}:${upstream.port} within ${opts.connectTimeoutMs} ms`, "failed");
      s.connecting?.terminate();
    }, opts.connectTimeoutMs);
    Bun.connect<Endpoint>({
      hostname: upstream.host,
      port: upstream.port,
      tls: upstream.tls ? { serverName: upstream.host } : false,
      allowHalfOpen: false,
      data: pool,
      socket: {
        open(sock) {
          if (s.miner.closed || s.finished) {
            sock.end(); // the miner left or the connect timed out meanwhile
            pool.closed = true;
            onClosed(pool);
            return;
          }
          if (s.timer) clearTimeout(s.timer);
          s.timer = null;
          s.connecting = null;
          pool.socket = sock;
          sink.live(s.index, s.id, `${sock.remoteAddress}:${upstream.port}`);
          flush(pool); // anything the miner sent before the pool was there
          if (miner.paused && pool.queue.queued === 0) {
            miner.socket?.resume();
            miner.paused = false;
          }
          armHandshake(s);
        },
        data: (sock, chunk) => onData(sock.data, chunk),
        drain: (sock) => flush(sock.data),
        close: (sock, err) => onClosed(sock.data, err),
        error: (sock, err) => onClosed(sock.data, err),
        connectError(_sock, err) {
          pool.closed = true;
          finish(s, "upstream_failed", `cannot connect to ${upstream.host}:${upstream.port}: ${err.message}`, "failed");
          onClosed(pool);
        },
        timeout: (sock) => onClosed(sock.data, new Error("timeout")),
      },
    })
      .then((sock) => {
        if (!pool.socket) s.connecting = sock;
        if (pool.closed) sock.terminate(); // timed out before this resolved
      })
      .catch(() => {
        /* reported through connectError */
      });
  }

  const listener: TCPSocketListener<Endpoint> = Bun.listen<Endpoint>({
    hostname: opts.listen.host,
    port: opts.listen.port,
    allowHalfOpen: false,
    socket: {
      open(sock) {
        if (sessions.size >= opts.maxSessions) {
          // Refused before anything is allocated for it: no session record, no pool connection.
          const from = sock.remoteAddress;
          sock.terminate();
          refusals.add(`proxy: refused a miner from ${from}: MAX_SESSIONS (${opts.maxSessions}) sessions are live`);
          sink.refused(refusals.count);
          return;
        }
        const id = newSessionId();
        const miner = newEndpoint("miner", id);
        const pool = newEndpoint("pool", id);
        miner.peer = pool;
        pool.peer = miner;
        miner.socket = sock;
        sock.data = miner;
        // Hold the miner's bytes in the kernel until the pool is connected.
        sock.pause();
        miner.paused = true;
        const index = freeIndexes.pop() ?? nextIndex++;
        const s: Session = { id, index, miner, pool, timer: null, own: new OwnReplyFilter(), connecting: null, heldTimer: null, handshakeTimer: null, finished: false };
        sessions.set(id, s);
        miner.awaitingLine = true;
        sink.opened(index, id, `${sock.remoteAddress}:${sock.remotePort}`);
        connectUpstream(s);
      },
      // A refused socket has no endpoint (sock.data unset): nothing to do for it.
      data: (sock, chunk) => sock.data && onData(sock.data, chunk),
      drain: (sock) => sock.data && flush(sock.data),
      close: (sock, err) => sock.data && onClosed(sock.data, err),
      error: (sock, err) => sock.data && onClosed(sock.data, err),
    },
  });

  return {
    port: listener.port,
    disconnect(sessionId) {
      const s = sessions.get(sessionId);
      if (!s || s.miner.closed) return false;
      finish(s, "disconnected_by_api", null);
      return true;
    },
    sendToPool(sessionId, bytes) {
      const s = sessions.get(sessionId);
      if (!s || !s.pool.socket || s.pool.closed || s.pool.endWhenFlushed) return false;
      return send(s.pool, bytes);
    },
    expectOwnReply(sessionId, id, onReply) {
      const s = sessions.get(sessionId);
      if (!s || !s.pool.socket || s.pool.closed || s.pool.endWhenFlushed || s.miner.closed) return null;
      if (!s.own.expect(id, onReply)) return null;
      return () => s.own.cancel(id);
    },
    liveSessions: () => sessions.size,
    refusedSessions: () => refusals.count,
    maxQueuedBytes: (sessionId) => {
      const s = sessions.get(sessionId);
      return s ? maxQueued(s) : undefined;
    },
    stop() {
      refusals.stop();
      listener.stop(true);
      for (const s of sessions.values()) {
        s.miner.socket?.end();
        s.pool.socket?.end();
      }
    },
  };
}
