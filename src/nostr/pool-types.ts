import type { NostrEvent } from "nostr-tools/pure";
import type { Filter } from "nostr-tools/filter";
import type { ParseResult } from "./events.ts";

/** Public types of RelayPool (relay-pool.ts), and its options' defaults. */

export type PoolOptions = {
  urls: string[];
  /** First retry delay; doubles up to maxBackoffMs, with jitter. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Events kept per relay while it is down (oldest dropped beyond this). */
  maxQueue?: number;
  /** The same in bytes of queued frames per relay (default 8 MiB); the oldest go first, counted as dropped. */
  maxQueueBytes?: number;
  /** Event ids remembered per subscription for de-duplication. */
  dedupeSize?: number;
  /** Seconds subtracted from the newest created_at seen when re-subscribing. */
  sinceMarginSec?: number;
  connectTimeoutMs?: number;
  /** Silence after which a probe REQ is sent; twice this without any frame closes the socket. 0 disables. */
  keepaliveMs?: number;
  /** Delay after a subscription's EOSE before its one catch-up query (same filter); 0 disables. */
  requeryAfterEoseMs?: number;
  log?: (line: string) => void;
  onStatus?: (url: string, connected: boolean) => void;
};

export type PoolCounters = {
  relays: number;
  connected: number;
  /** publish() calls accepted. */
  published: number;
  /** EVENT frames written to sockets (re-sends included). */
  sent: number;
  /** Events waiting now for a relay that is down. */
  queued: number;
  /** Events lost because a queue was full or the pool was closed. */
  dropped: number;
  /** Relay OK true / OK false answers. */
  acked: number;
  refused: number;
  /** EVENT frames received for our subscriptions (before de-duplication). */
  received: number;
  duplicates: number;
  rejected: Record<string, number>;
  /** Successful connects after the first one, summed over relays. */
  reconnects: number;
  /** Catch-up queries sent (one per subscription per relay connection, after its EOSE). */
  catchups: number;
};

export type RelayStatus = { url: string; connected: boolean; attempt: number; queued: number; inflight: number; last_error: string | null };

export type SubscribeOptions<T> = {
  filter: Filter;
  /** Verifies and decodes an incoming event, e.g. `(e) => parseShare(e, expect)` or `parseVerified`. */
  parse: (event: unknown) => ParseResult<T>;
  onEvent: (content: T, event: NostrEvent, relayUrl: string) => void;
};

export type PoolSubscription = { readonly id: string; close(): void };

/** Every option with its value: the caller's, or the default. */
export type ResolvedPoolOptions = Required<Omit<PoolOptions, "urls" | "onStatus">> & Pick<PoolOptions, "onStatus">;

export const resolvePoolOptions = (opts: PoolOptions): ResolvedPoolOptions => ({
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
});
