/**
 * A third-party NIP-01 relay for the tests: @nostr-relay/core (a devDependency) on Bun.serve, as a child process.
 * Prints the same one line as `bun run relay` ("relay listening on ws://host:port"), so the tests start either the same way.
 * The package has no in-memory store, so MemoryRepo below is ours: it stores like the package's sqlite store does
 * (replaceable and addressable kinds keep the newest, tag filters on single-letter tags only, newest first, `limit`).
 * The relay itself is the package's, with its defaults (including its 1 s answer cache per filter).
 */
import { NostrRelay } from "@nostr-relay/core";
import { EventRepository, EventUtils, type Event, type EventRepositoryUpsertResult, type Filter } from "@nostr-relay/common";

const key = (e: Event): string | null => {
  if (e.kind === 0 || e.kind === 3 || (e.kind >= 10000 && e.kind < 20000)) return `${e.pubkey}:${e.kind}`;
  if (e.kind >= 30000 && e.kind < 40000) return `${e.pubkey}:${e.kind}:${EventUtils.extractDTagValue(e) ?? ""}`;
  return null;
};

class MemoryRepo extends EventRepository {
  private readonly byId = new Map<string, Event>();
  private readonly byKey = new Map<string, Event>();
  isSearchSupported(): boolean {
    return false;
  }
  upsert(e: Event): EventRepositoryUpsertResult {
    if (this.byId.has(e.id)) return { isDuplicate: true };
    const k = key(e);
    if (k !== null) {
      const old = this.byKey.get(k);
      if (old && (old.created_at > e.created_at || (old.created_at === e.created_at && old.id < e.id))) return { isDuplicate: true };
      if (old) this.byId.delete(old.id);
      this.byKey.set(k, e);
    }
    this.byId.set(e.id, e);
    return { isDuplicate: false };
  }
  find(filter: Filter): Event[] {
    const tagFilters = Object.entries(filter).filter(([k]) => /^#[A-Za-z]$/.test(k)) as [string, string[]][];
    const out = [...this.byId.values()].filter(
      (e) =>
        EventUtils.isMatchingFilter(e, filter) &&
        tagFilters.every(([k, vals]) => e.tags.some((t) => t[0] === k.slice(1) && vals.includes(t[1] ?? ""))),
    );
    out.sort((a, b) => b.created_at - a.created_at);
    return out.slice(0, filter.limit ?? 1000);
  }
  async destroy(): Promise<void> {}
}

type Conn = { ip: string };
const relay = new NostrRelay(new MemoryRepo(), { logLevel: 3 });
const server = Bun.serve<Conn>({
  hostname: process.env.RELAY_HOST ?? "127.0.0.1",
  port: Number(process.env.RELAY_PORT ?? "0"),
  fetch: (req, s) => (s.upgrade(req, { data: { ip: s.requestIP(req)?.address ?? "" } }) ? undefined : new Response("", { status: 426 })),
  websocket: {
    // Bun's ServerWebSocket has the Client shape the package expects (send, readyState).
    open: (ws) => relay.handleConnection(ws as never, ws.data.ip),
    close: (ws) => relay.handleDisconnect(ws as never),
    message: async (ws, raw) => {
      let msg: unknown;
      try {
        msg = JSON.parse(String(raw));
      } catch {
        return;
      }
      await relay.handleMessage(ws as never, msg as never);
    },
  },
});
console.log(`relay listening on ws://${server.hostname}:${server.port}`);
const stop = () => {
  void relay.destroy();
  server.stop(true);
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
