import type { Filter } from "nostr-tools/filter";
import type { NostrEvent } from "nostr-tools/pure";
import { IdMemory, type PoolCounters, type PoolOptions, type PoolSubscription, type RelayStatus, type SubscribeOptions } from "./pool-types.ts";

export type { PoolCounters, PoolOptions, PoolSubscription, RelayStatus, SubscribeOptions };

/**
 * The Nostr client used by the MITM and the agents, over Bun's global WebSocket.
 * nostr-tools' SimplePool is not used: its reconnect waits 10 s and never retries a failed first connect.
 *
 * Guarantees: every relay is retried forever with backoff; published events are queued while a relay is down and
 * re-sent when it comes back (also those sent but not yet acknowledged with OK, so delivery is at-least-once);
 * subscriptions are re-sent after each reconnect with `since` = newest seen from that relay minus a margin;
 * after the relay's EOSE for each (re)subscription, the same query is asked once more a little later (catch-up that
 * does not trust one answer: a relay may cache answers by filter, or register the live subscription only after its
 * stored query ran, which loses events published in between);
 * each subscription hands an event id to its callback at most once (bounded memory of ids).
 */

type Out = { id: string; frame: string };
type Sub = {
  id: string;
  filter: Filter;
  newest: Map<string, number>;
  /** Per relay: the filter of the REQ whose EOSE has not come yet (its catch-up repeats it). */
  awaitingEose: Map<string, Filter>;
  accept(raw: unknown, url: string): void;
};
type Catchup = { sub: Sub; url: string };
type Relay = {
  url: string;
  ws: WebSocket | null;
  open: boolean;
  openedAt: number;
  everOpened: boolean;
  attempt: number;
  retry: ReturnType<typeof setTimeout> | null;
  queue: Out[];
  /** Frame bytes in `queue` (kept in enqueue/trim; recounted where the queue is replaced, which is rare). */
  queueBytes: number;
  inflight: Map<string, Out>;
  lastRx: number;
  lastError: string | null;
};

const PING_SUB = "hs-ping";
const PING_FRAME = JSON.stringify(["REQ", PING_SUB, { ids: ["0".repeat(64)], limit: 0 }]);
const STABLE_MS = 5000; // a connection that lived this long resets the backoff

export class RelayPool {
  private readonly relays: Relay[];
  private readonly subs = new Map<string, Sub>();
  private readonly c: PoolCounters;
  private readonly o: Required<Omit<PoolOptions, "urls" | "onStatus">> & Pick<PoolOptions, "onStatus">;
  private nextSub = 1;
  private nextCatchup = 1;
  /** Catch-up query id → its subscription; ids are closed at their EOSE or with their subscription. */
  private readonly catchups = new Map<string, Catchup>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private closed = false;
  private keepalive: ReturnType<typeof setInterval> | null = null;

  constructor(opts: PoolOptions) {
    const urls = [...new Set(opts.urls.map((u) => u.trim()).filter((u) => u !== ""))];
    if (urls.length === 0) throw new Error("RelayPool needs at least one relay URL");
    for (const u of urls) if (!/^wss?:\/\/./i.test(u)) throw new Error(`relay URL must start with ws:// or wss://: ${u}`);
    this.o = {
      initialBackoffMs: opts.initialBackoffMs ?? 400,
      maxBackoffMs: opts.maxBackoffMs ?? 10_000,
      maxQueue: opts.maxQueue ?? 10_000,
      maxQueueBytes: opts.maxQueueBytes ?? 8 * 1024 * 1024,
      dedupeSize: opts.dedupeSize ?? 10_000,
      sinceMarginSec: opts.sinceMarginSec ?? 10,
      connectTimeoutMs: opts.connectTimeoutMs ?? 5000,
      keepaliveMs: opts.keepaliveMs ?? 30_000,
      requeryAfterEoseMs: opts.requeryAfterEoseMs ?? 1500,
      log: opts.log ?? (() => {}),
      onStatus: opts.onStatus,
    };
    this.c = { relays: urls.length, connected: 0, published: 0, sent: 0, queued: 0, dropped: 0, acked: 0, refused: 0, received: 0, duplicates: 0, rejected: {}, reconnects: 0, catchups: 0 };
    this.relays = urls.map((url) => ({ url, ws: null, open: false, openedAt: 0, everOpened: false, attempt: 0, retry: null, queue: [], queueBytes: 0, inflight: new Map(), lastRx: 0, lastError: null }));
    for (const r of this.relays) this.connect(r);
    if (this.o.keepaliveMs > 0) this.keepalive = setInterval(() => this.probe(), Math.max(50, this.o.keepaliveMs / 2));
  }

  /** Sends to every connected relay; queues for the others. Never throws for a down relay. */
  publish(event: NostrEvent): void {
    if (this.closed) {
      this.c.dropped++;
      return;
    }
    this.c.published++;
    const out: Out = { id: event.id, frame: JSON.stringify(["EVENT", event]) };
    for (const r of this.relays) {
      if (r.open) this.send(r, out);
      else this.enqueue(r, out);
    }
  }

  subscribe<T>(opts: SubscribeOptions<T>): PoolSubscription {
    const id = `hs-${this.nextSub++}`;
    const seen = new IdMemory(this.o.dedupeSize);
    const sub: Sub = {
      id,
      filter: { ...opts.filter },
      newest: new Map(),
      awaitingEose: new Map(),
      accept: (raw, url) => {
        const evId = typeof raw === "object" && raw !== null && "id" in raw && typeof raw.id === "string" ? raw.id : null;
        if (evId !== null && seen.has(evId)) {
          this.c.duplicates++;
          return;
        }
        const r = opts.parse(raw);
        if (!r.ok) {
          this.c.rejected[r.reason] = (this.c.rejected[r.reason] ?? 0) + 1;
          // A bad signature is not remembered: a forged copy must not hide the genuine event with the same id. Any
          // other reason comes after the signature check, so the id is that event's own: a second delivery (another
          // relay, a catch-up query) is a duplicate, not a second refusal.
          if (evId !== null && r.reason !== "bad_signature") seen.add(evId);
          return;
        }
        seen.add(r.event.id);
        // Clamp to now so a future-dated event cannot push `since` past events we have not seen.
        const t = Math.min(r.event.created_at, Math.floor(Date.now() / 1000));
        if (t > (sub.newest.get(url) ?? 0)) sub.newest.set(url, t);
        try {
          opts.onEvent(r.content, r.event, url);
        } catch (err) {
          this.o.log(`nostr: subscriber callback failed: ${String(err)}`);
        }
      },
    };
    this.subs.set(id, sub);
    for (const r of this.relays) if (r.open) this.sendReq(r, sub);
    return {
      id,
      close: () => {
        if (!this.subs.delete(id)) return;
        for (const r of this.relays) if (r.open) this.write(r, JSON.stringify(["CLOSE", id]));
        for (const [cid, c] of this.catchups) {
          if (c.sub !== sub) continue;
          this.catchups.delete(cid);
          const r = this.relays.find((x) => x.url === c.url);
          if (r?.open) this.write(r, JSON.stringify(["CLOSE", cid]));
        }
      },
    };
  }

  counters(): PoolCounters {
    let queued = 0;
    for (const r of this.relays) queued += r.queue.length;
    return { ...this.c, connected: this.relays.filter((r) => r.open).length, queued, rejected: { ...this.c.rejected } };
  }

  status(): RelayStatus[] {
    return this.relays.map((r) => ({ url: r.url, connected: r.open, attempt: r.attempt, queued: r.queue.length, inflight: r.inflight.size, last_error: r.lastError }));
  }

  /** Resolves true once every relay has acknowledged everything published, false at the timeout. */
  async settled(timeoutMs: number): Promise<boolean> {
    const end = performance.now() + timeoutMs;
    while (performance.now() < end) {
      if (this.relays.every((r) => r.open && r.queue.length === 0 && r.inflight.size === 0)) return true;
      await Bun.sleep(20);
    }
    return false;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.keepalive) clearInterval(this.keepalive);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.catchups.clear();
    for (const r of this.relays) {
      if (r.retry) clearTimeout(r.retry);
      this.c.dropped += r.queue.length;
      r.queue = [];
      r.queueBytes = 0;
      const ws = r.ws;
      r.ws = null;
      r.open = false;
      try {
        ws?.close();
      } catch {
        // already closing
      }
    }
    this.subs.clear();
  }

  private connect(r: Relay): void {
    r.retry = null;
    if (this.closed) return;
    let ws: WebSocket;
    try {
      ws = new WebSocket(r.url);
    } catch (err) {
      return this.down(r, null, `connect failed: ${String(err)}`);
    }
    r.ws = ws;
    const timer = setTimeout(() => this.down(r, ws, "connect timeout"), this.o.connectTimeoutMs);
    ws.onopen = () => {
      clearTimeout(timer);
      if (r.ws !== ws) return;
      r.open = true;
      r.openedAt = performance.now();
      r.lastRx = r.openedAt;
      if (r.everOpened) this.c.reconnects++;
      r.everOpened = true;
      this.o.log(`nostr: connected to ${r.url}`);
      this.o.onStatus?.(r.url, true);
      for (const sub of this.subs.values()) this.sendReq(r, sub);
      // Unacknowledged first (they were sent before the outage), then the queue, in publish order.
      const pending = [...r.inflight.values(), ...r.queue];
      r.inflight.clear();
      r.queue = [];
      r.queueBytes = 0;
      for (const out of pending) {
        if (r.open) this.send(r, out);
        else this.enqueue(r, out);
      }
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (r.ws !== ws) return;
      r.lastRx = performance.now();
      if (typeof ev.data === "string") this.onFrame(r, ev.data);
    };
    ws.onclose = (ev: CloseEvent) => {
      clearTimeout(timer);
      this.down(r, ws, `closed (${ev.code}${ev.reason ? ` ${ev.reason}` : ""})`);
    };
    ws.onerror = () => {
      clearTimeout(timer);
      this.down(r, ws, "socket error");
    };
  }

  /** Idempotent per socket: the first of error/close/timeout schedules the retry. */
  private down(r: Relay, ws: WebSocket | null, why: string): void {
    if (ws !== null && r.ws !== ws) return;
    r.ws = null;
    r.lastError = why;
    try {
      ws?.close();
    } catch {
      // already closed
    }
    const wasOpen = r.open;
    r.open = false;
    for (const [cid, c] of this.catchups) if (c.url === r.url) this.catchups.delete(cid);
    for (const sub of this.subs.values()) sub.awaitingEose.delete(r.url);
    if (wasOpen) {
      if (performance.now() - r.openedAt >= STABLE_MS) r.attempt = 0;
      this.o.log(`nostr: lost ${r.url}: ${why}`);
      this.o.onStatus?.(r.url, false);
    } else if (!r.everOpened && r.attempt === 0) {
      // Said once: a relay that is never reached would otherwise be silent (retries go on with backoff).
      this.o.log(`nostr: cannot reach ${r.url}: ${why}; retrying with backoff (events are queued meanwhile)`);
    }
    // What was sent but not acknowledged may be lost with the socket: send it again later.
    if (r.inflight.size > 0) {
      r.queue = [...r.inflight.values(), ...r.queue];
      r.queueBytes = r.queue.reduce((n, o) => n + o.frame.length, 0);
      r.inflight.clear();
      this.trim(r);
    }
    if (this.closed) return;
    const base = Math.min(this.o.maxBackoffMs, this.o.initialBackoffMs * 2 ** Math.min(r.attempt, 30));
    const delay = Math.min(this.o.maxBackoffMs, base * (0.75 + Math.random() * 0.5));
    r.attempt++;
    r.retry = setTimeout(() => this.connect(r), delay);
  }

  private onFrame(r: Relay, text: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      return this.o.log(`nostr: ${r.url} sent a frame that is not JSON`);
    }
    if (!Array.isArray(msg)) return;
    const [verb, a, b, c] = msg as unknown[];
    if (verb === "EVENT" && typeof a === "string") {
      const sub = this.subs.get(a) ?? this.catchups.get(a)?.sub;
      if (!sub) return;
      this.c.received++;
      sub.accept(b, r.url);
    } else if (verb === "OK" && typeof a === "string") {
      if (!r.inflight.delete(a)) return;
      if (b === true) this.c.acked++;
      else {
        this.c.refused++;
        this.o.log(`nostr: ${r.url} refused event ${a}: ${String(c)}`);
      }
    } else if (verb === "EOSE" && a === PING_SUB) {
      this.write(r, JSON.stringify(["CLOSE", PING_SUB]));
    } else if (verb === "EOSE" && typeof a === "string") {
      this.onEose(r, a);
    } else if (verb === "CLOSED" && typeof a === "string") {
      r.lastError = `subscription ${a} closed: ${String(b)}`;
      this.o.log(`nostr: ${r.url} closed subscription ${a}: ${String(b)}`);
    } else if (verb === "NOTICE") {
      this.o.log(`nostr: notice from ${r.url}: ${String(a)}`);
    }
  }

  private sendReq(r: Relay, sub: Sub): void {
    const f: Filter = { ...sub.filter };
    const newest = sub.newest.get(r.url);
    if (newest !== undefined) f.since = Math.max(f.since ?? 0, newest - this.o.sinceMarginSec);
    if (this.write(r, JSON.stringify(["REQ", sub.id, f]))) sub.awaitingEose.set(r.url, f);
  }

  /** A subscription's stored events are in: ask the same once more later. A catch-up's own EOSE ends it. */
  private onEose(r: Relay, subId: string): void {
    const c = this.catchups.get(subId);
    if (c) {
      this.catchups.delete(subId);
      this.write(r, JSON.stringify(["CLOSE", subId]));
      return;
    }
    const sub = this.subs.get(subId);
    const f = sub?.awaitingEose.get(r.url);
    if (!sub || !f) return;
    sub.awaitingEose.delete(r.url);
    if (this.o.requeryAfterEoseMs <= 0) return;
    const ws = r.ws;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.closed || r.ws !== ws || !r.open || this.subs.get(subId) !== sub) return;
      const cid = `${subId}:c${this.nextCatchup++}`;
      this.catchups.set(cid, { sub, url: r.url });
      this.c.catchups++;
      this.write(r, JSON.stringify(["REQ", cid, f]));
    }, this.o.requeryAfterEoseMs);
    this.timers.add(t);
  }

  private send(r: Relay, out: Out): void {
    r.inflight.set(out.id, out);
    if (r.inflight.size > this.o.maxQueue) {
      const first = r.inflight.keys().next();
      if (!first.done) r.inflight.delete(first.value); // a relay that never answers OK must not grow us
    }
    if (this.write(r, out.frame)) this.c.sent++;
  }

  private enqueue(r: Relay, out: Out): void {
    r.queue.push(out);
    r.queueBytes += out.frame.length;
    this.trim(r);
  }

  /** Oldest first, past the count or the byte bound (one event always fits). */
  private trim(r: Relay): void {
    let over = Math.max(0, r.queue.length - this.o.maxQueue);
    let bytes = r.queueBytes;
    for (let i = 0; i < over; i++) bytes -= r.queue[i]!.frame.length;
    while (bytes > this.o.maxQueueBytes && over < r.queue.length - 1) bytes -= r.queue[over++]!.frame.length;
    if (over > 0) {
      r.queue.splice(0, over);
      r.queueBytes = bytes;
      this.c.dropped += over;
    }
  }

  private write(r: Relay, frame: string): boolean {
    if (!r.ws || !r.open) return false;
    try {
      r.ws.send(frame);
      return true;
    } catch (err) {
      this.down(r, r.ws, `send failed: ${String(err)}`);
      return false;
    }
  }

  private probe(): void {
    const now = performance.now();
    for (const r of this.relays) {
      if (!r.open || !r.ws) continue;
      const silent = now - r.lastRx;
      if (silent > 2 * this.o.keepaliveMs) this.down(r, r.ws, "no answer to keepalive");
      else if (silent > this.o.keepaliveMs) this.write(r, PING_FRAME);
    }
  }
}
