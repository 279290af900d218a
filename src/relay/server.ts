import type { ServerWebSocket } from "bun";
import { matchFilter, type Filter } from "nostr-tools/filter";
import type { NostrEvent } from "nostr-tools/pure";
import { verifiedCopy } from "../nostr/events.ts";
import { EventStore } from "./store.ts";

/** A small NIP-01 relay (plus NIP-11 info) on Bun.serve websockets, for development, demo and tests. */

export type RelayOptions = {
  hostname?: string;
  port?: number;
  /** Stored events kept at most (oldest evicted first). */
  maxEvents?: number;
  maxSubscriptions?: number;
  maxFiltersPerReq?: number;
  /** Answer to a REQ without `limit`, per filter. */
  defaultLimit?: number;
  log?: (line: string) => void;
};

export type RelayHandle = {
  url: string;
  port: number;
  stop(): Promise<void>;
  stats(): { connections: number; stored: number; received: number; rejected: number; duplicates: number };
};

type Conn = { subs: Map<string, Filter[]> };
type WS = ServerWebSocket<Conn>;

const MAX_MESSAGE = 256 * 1024;
const INFO = {
  name: "hashscope-relay",
  description: "HashScope local NIP-01 relay (in memory)",
  supported_nips: [1, 11],
  software: "hashscope",
  version: "0.1.0",
};

const send = (ws: WS, msg: unknown[]): void => {
  ws.send(JSON.stringify(msg));
};

/** NIP-01 filter shape check; null when acceptable, else the problem. */
function filterProblem(f: unknown): string | null {
  if (typeof f !== "object" || f === null || Array.isArray(f)) return "filter must be an object";
  for (const [k, v] of Object.entries(f)) {
    if (k === "ids" || k === "authors" || k.startsWith("#")) {
      if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) return `${k} must be an array of strings`;
    } else if (k === "kinds") {
      if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x))) return "kinds must be an array of integers";
    } else if (k === "since" || k === "until" || k === "limit") {
      if (!Number.isInteger(v) || (v as number) < 0) return `${k} must be a non-negative integer`;
    } else if (k !== "search") {
      return `unknown filter field ${k}`;
    }
  }
  return null;
}

export function startRelay(opts: RelayOptions = {}): RelayHandle {
  const hostname = opts.hostname ?? "127.0.0.1";
  const maxSubs = opts.maxSubscriptions ?? 64;
  const maxFilters = opts.maxFiltersPerReq ?? 16;
  const defaultLimit = opts.defaultLimit ?? 1000;
  const log = opts.log ?? (() => {});
  const store = new EventStore(opts.maxEvents ?? 50_000);
  const conns = new Set<WS>();
  const counts = { received: 0, rejected: 0, duplicates: 0 };

  function onEvent(ws: WS, raw: unknown): void {
    counts.received++;
    const id = typeof raw === "object" && raw !== null && "id" in raw && typeof raw.id === "string" ? raw.id : "";
    const e = verifiedCopy(raw);
    if (!e) {
      counts.rejected++;
      return send(ws, ["OK", id, false, "invalid: bad event shape, id or signature"]);
    }
    const kind = e.kind;
    if (kind >= 20000 && kind < 30000) {
      // Ephemeral: fan out, never store.
      fanOut(e);
      return send(ws, ["OK", e.id, true, ""]);
    }
    const result = store.add(e);
    if (result === "duplicate") {
      counts.duplicates++;
      return send(ws, ["OK", e.id, true, "duplicate: already have this event"]);
    }
    if (result === "older") {
      counts.duplicates++;
      return send(ws, ["OK", e.id, true, "duplicate: have a newer event for this address"]);
    }
    fanOut(e);
    send(ws, ["OK", e.id, true, ""]);
  }

  function fanOut(e: NostrEvent): void {
    for (const c of conns) {
      for (const [subId, filters] of c.data.subs) {
        if (filters.some((f) => matchFilter(f, e))) send(c, ["EVENT", subId, e]);
      }
    }
  }

  function onReq(ws: WS, subId: string, rawFilters: unknown[]): void {
    if (rawFilters.length === 0 || rawFilters.length > maxFilters) {
      return send(ws, ["CLOSED", subId, `invalid: between 1 and ${maxFilters} filters`]);
    }
    for (const f of rawFilters) {
      const problem = filterProblem(f);
      if (problem) return send(ws, ["CLOSED", subId, `invalid: ${problem}`]);
    }
    if (!ws.data.subs.has(subId) && ws.data.subs.size >= maxSubs) {
      return send(ws, ["CLOSED", subId, `error: at most ${maxSubs} subscriptions per connection`]);
    }
    const filters = rawFilters as Filter[];
    ws.data.subs.set(subId, filters);
    const sent = new Set<string>();
    for (const f of filters) {
      for (const e of store.query(f, Math.min(f.limit ?? defaultLimit, defaultLimit))) {
        if (sent.has(e.id)) continue;
        sent.add(e.id);
        send(ws, ["EVENT", subId, e]);
      }
    }
    send(ws, ["EOSE", subId]);
  }

  function onMessage(ws: WS, text: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      return send(ws, ["NOTICE", "invalid: message is not JSON"]);
    }
    if (!Array.isArray(msg) || typeof msg[0] !== "string") return send(ws, ["NOTICE", "invalid: expected a JSON array"]);
    const [verb, ...rest] = msg as [string, ...unknown[]];
    if (verb === "EVENT") return onEvent(ws, rest[0]);
    if (verb === "REQ" || verb === "CLOSE") {
      const subId = rest[0];
      if (typeof subId !== "string" || subId.length === 0 || subId.length > 64) {
        return send(ws, ["NOTICE", `invalid: ${verb} needs a subscription id of 1-64 characters`]);
      }
      if (verb === "CLOSE") {
        ws.data.subs.delete(subId);
        return;
      }
      return onReq(ws, subId, rest.slice(1));
    }
    send(ws, ["NOTICE", `invalid: unknown message type ${verb.slice(0, 32)}`]);
  }

  const server = Bun.serve({
    hostname,
    port: opts.port ?? 0,
    reusePort: false, // a second relay on the same port must fail, not share it
    fetch(req, srv) {
      if (req.headers.get("accept")?.includes("application/nostr+json")) {
        const info = { ...INFO, limitation: { max_message_length: MAX_MESSAGE, max_subscriptions: maxSubs, max_filters: maxFilters, max_limit: defaultLimit } };
        return Response.json(info, {
          headers: { "content-type": "application/nostr+json", "access-control-allow-origin": "*" },
        });
      }
      if (srv.upgrade(req, { data: { subs: new Map<string, Filter[]>() } })) return undefined;
      return new Response("this is a Nostr relay: connect with a WebSocket\n", { status: 426 });
    },
    websocket: {
      data: {} as Conn,
      maxPayloadLength: MAX_MESSAGE,
      open(ws) {
        conns.add(ws);
      },
      close(ws) {
        conns.delete(ws);
      },
      message(ws, message) {
        try {
          onMessage(ws, typeof message === "string" ? message : message.toString("utf8"));
        } catch (err) {
          // A bug in one frame's handling must not take the relay down.
          log(`relay: error handling a message: ${String(err)}`);
          send(ws, ["NOTICE", "error: internal error"]);
        }
      },
    },
  });

  const port = server.port ?? opts.port ?? 0;
  const hostForUrl = hostname.includes(":") ? `[${hostname}]` : hostname;
  return {
    url: `ws://${hostForUrl}:${port}`,
    port,
    async stop() {
      await server.stop(true);
    },
    stats: () => ({ connections: conns.size, stored: store.size, ...counts }),
  };
}
