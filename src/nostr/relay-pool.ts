import type { NostrEvent } from "nostr-tools/pure";
import { Catchups } from "./catchups.ts";
import { Outbox, type Out } from "./outbox.ts";
import { resolvePoolOptions, type PoolCounters, type PoolOptions, type PoolSubscription, type RelayStatus, type ResolvedPoolOptions, type SubscribeOptions } from "./pool-types.ts";
import { parseRelayFrame } from "./relay-frames.ts";
import { newSub, reqFilter, type Sub } from "./subscription.ts";

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
 *
 * This file keeps the connections (connect, backoff, keepalive) and routes frames; a relay's outgoing events are its
 * `Outbox` (outbox.ts), a subscription's event check is subscription.ts, and frames are read by relay-frames.ts.
 */

type Relay = {
  url: string;
  ws: WebSocket | null;
  open: boolean;
  openedAt: number;
  everOpened: boolean;
  attempt: number;
  retry: ReturnType<typeof setTimeout> | null;
  out: Outbox;
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
  private readonly o: ResolvedPoolOptions;
  private nextSub = 1;
  private readonly catchups: Catchups;
  private closed = false;
  private keepalive: ReturnType<typeof setInterval> | null = null;

  constructor(opts: PoolOptions) {
    const urls = [...new Set(opts.urls.map((u) => u.trim()).filter((u) => u !== ""))];
    if (urls.length === 0) throw new Error("RelayPool needs at least one relay URL");
    for (const u of urls) if (!/^wss?:\/\/./i.test(u)) throw new Error(`relay URL must start with ws:// or wss://: ${u}`);
    this.o = resolvePoolOptions(opts);
    this.catchups = new Catchups(this.o.requeryAfterEoseMs);
    this.c = { relays: urls.length, connected: 0, published: 0, sent: 0, queued: 0, dropped: 0, acked: 0, refused: 0, received: 0, duplicates: 0, rejected: {}, reconnects: 0, catchups: 0 };
    this.relays = urls.map((url) => ({ url, ws: null, open: false, openedAt: 0, everOpened: false, attempt: 0, retry: null, out: new Outbox(this.o.maxQueue, this.o.maxQueueBytes), lastRx: 0, lastError: null }));
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
    const sub = newSub(id, opts, this.o.dedupeSize, this.c, this.o.log);
    this.subs.set(id, sub);
    for (const r of this.relays) if (r.open) this.sendReq(r, sub);
    return {
      id,
      close: () => {
        if (!this.subs.delete(id)) return;
        for (const r of this.relays) if (r.open) this.write(r, JSON.stringify(["CLOSE", id]));
        for (const c of this.catchups.takeFor(sub)) {
          const r = this.relays.find((x) => x.url === c.url);
          if (r?.open) this.write(r, JSON.stringify(["CLOSE", c.id]));
        }
      },
    };
  }

  counters(): PoolCounters {
    let queued = 0;
    for (const r of this.relays) queued += r.out.queue.length;
    return { ...this.c, connected: this.relays.filter((r) => r.open).length, queued, rejected: { ...this.c.rejected } };
  }

  status(): RelayStatus[] {
    return this.relays.map((r) => ({ url: r.url, connected: r.open, attempt: r.attempt, queued: r.out.queue.length, inflight: r.out.inflight.size, last_error: r.lastError }));
  }

  /** Resolves true once every relay has acknowledged everything published, false at the timeout. */
  async settled(timeoutMs: number): Promise<boolean> {
    const end = performance.now() + timeoutMs;
    while (performance.now() < end) {
      if (this.relays.every((r) => r.open && r.out.settled)) return true;
      await Bun.sleep(20);
    }
    return false;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.keepalive) clearInterval(this.keepalive);
    this.catchups.clear();
    for (const r of this.relays) {
      if (r.retry) clearTimeout(r.retry);
      this.c.dropped += r.out.dropQueue();
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
      for (const out of r.out.takeAll()) {
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
    this.catchups.forgetRelay(r.url);
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
    this.c.dropped += r.out.requeueUnanswered();
    if (this.closed) return;
    const base = Math.min(this.o.maxBackoffMs, this.o.initialBackoffMs * 2 ** Math.min(r.attempt, 30));
    const delay = Math.min(this.o.maxBackoffMs, base * (0.75 + Math.random() * 0.5));
    r.attempt++;
    r.retry = setTimeout(() => this.connect(r), delay);
  }

  private onFrame(r: Relay, text: string): void {
    const f = parseRelayFrame(text);
    if (f === "not-json") return this.o.log(`nostr: ${r.url} sent a frame that is not JSON`);
    switch (f?.verb) {
      case "EVENT": {
        const sub = this.subs.get(f.subId) ?? this.catchups.subOf(f.subId);
        if (!sub) return;
        this.c.received++;
        sub.accept(f.event, r.url);
        return;
      }
      case "OK":
        if (!r.out.answered(f.eventId)) return;
        if (f.accepted) this.c.acked++;
        else {
          this.c.refused++;
          this.o.log(`nostr: ${r.url} refused event ${f.eventId}: ${String(f.message)}`);
        }
        return;
      case "EOSE":
        if (f.subId === PING_SUB) this.write(r, JSON.stringify(["CLOSE", PING_SUB]));
        else this.onEose(r, f.subId);
        return;
      case "CLOSED":
        r.lastError = `subscription ${f.subId} closed: ${String(f.message)}`;
        this.o.log(`nostr: ${r.url} closed subscription ${f.subId}: ${String(f.message)}`);
        return;
      case "NOTICE":
        this.o.log(`nostr: notice from ${r.url}: ${String(f.message)}`);
        return;
    }
  }

  private sendReq(r: Relay, sub: Sub): void {
    const f = reqFilter(sub, r.url, this.o.sinceMarginSec);
    if (this.write(r, JSON.stringify(["REQ", sub.id, f]))) sub.awaitingEose.set(r.url, f);
  }

  /** A subscription's stored events are in: ask the same once more later. A catch-up's own EOSE ends it. */
  private onEose(r: Relay, subId: string): void {
    if (this.catchups.end(subId)) {
      this.write(r, JSON.stringify(["CLOSE", subId]));
      return;
    }
    const sub = this.subs.get(subId);
    const f = sub?.awaitingEose.get(r.url);
    if (!sub || !f) return;
    sub.awaitingEose.delete(r.url);
    const ws = r.ws;
    this.catchups.schedule(
      sub,
      r.url,
      f,
      () => !this.closed && r.ws === ws && r.open && this.subs.get(subId) === sub,
      (cid, filter) => {
        this.c.catchups++;
        this.write(r, JSON.stringify(["REQ", cid, filter]));
      },
    );
  }

  private send(r: Relay, out: Out): void {
    r.out.sent(out);
    if (this.write(r, out.frame)) this.c.sent++;
  }

  private enqueue(r: Relay, out: Out): void {
    this.c.dropped += r.out.enqueue(out);
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
