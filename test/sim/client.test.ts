import { afterEach, expect, test } from "bun:test";
import type { Socket, TCPSocketListener } from "bun";
import { ClientClosedError, RpcTimeoutError, StratumClient, type ServerMessage } from "../../src/net/stratum-client";

type Req = { id: number; method: string; params: unknown[] };
type Handler = (s: Socket<undefined>, req: Req) => void;

/** A scripted line server on 127.0.0.1: each request goes to `handle`; replies are written by it. */
function scriptedServer(handle: Handler, onLine?: (line: string) => void): TCPSocketListener<undefined> {
  const bufs = new Map<Socket<undefined>, string>();
  return Bun.listen<undefined>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      data(s, chunk) {
        let buf = (bufs.get(s) ?? "") + chunk.toString();
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          onLine?.(line);
          const msg = JSON.parse(line) as Partial<Req>;
          if (typeof msg.method === "string") handle(s, msg as Req);
        }
        bufs.set(s, buf);
      },
    },
  });
}

const servers: TCPSocketListener<undefined>[] = [];
const clients: StratumClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) s.stop(true);
});

async function setup(handle: Handler, extra: Partial<ConstructorParameters<typeof StratumClient>[0]> = {}, onLine?: (l: string) => void) {
  const server = scriptedServer(handle, onLine);
  servers.push(server);
  const client = new StratumClient({ host: "127.0.0.1", port: server.port, ...extra });
  clients.push(client);
  await client.connect();
  return { server, client };
}

test("overlapping requests: each latency is measured from its own start; replies matched by id", async () => {
  const held: Req[] = [];
  let sock: Socket<undefined> | null = null;
  const { client } = await setup((s, req) => {
    sock = s;
    held.push(req);
    if (held.length === 2) {
      // Answer the second request first, then the first one 50 ms later.
      const [a, b] = held as [Req, Req];
      s.write(JSON.stringify({ id: b.id, result: "second", error: null }) + "\n");
      setTimeout(() => sock?.write(JSON.stringify({ id: a.id, result: "first", error: null }) + "\n"), 50);
    }
  });
  const pa = client.request("test.a", [], 5000);
  await Bun.sleep(30);
  const pb = client.request("test.b", [], 5000);
  const order: string[] = [];
  const [ra, rb] = await Promise.all([pa.then((r) => (order.push("a"), r)), pb.then((r) => (order.push("b"), r))]);
  expect(order).toEqual(["b", "a"]);
  expect(ra.result).toBe("first");
  expect(rb.result).toBe("second");
  expect(rb.id).toBe(ra.id + 1);
  // a started 30 ms earlier and finished 50 ms later than b.
  expect(ra.latencyMs).toBeGreaterThan(rb.latencyMs);
  expect(ra.latencyMs).toBeGreaterThanOrEqual(49);
  expect(client.pendingCount).toBe(0);
});

test("request timeout rejects, cleans the pending map, and a late reply is counted as unmatched", async () => {
  const { client } = await setup((s, req) => {
    setTimeout(() => s.write(JSON.stringify({ id: req.id, result: true, error: null }) + "\n"), 250);
  });
  const err = await client.request("test.slow", [], 80).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RpcTimeoutError);
  expect(client.pendingCount).toBe(0);
  for (let i = 0; i < 50 && client.unmatchedReplies === 0; i++) await Bun.sleep(20);
  expect(client.unmatchedReplies).toBe(1);
});

test("server notifications, client.get_version request answered, replies split across writes", async () => {
  const notes: ServerMessage[] = [];
  const seen: string[] = [];
  const { client } = await setup(
    (s, req) => {
      const line = JSON.stringify({ id: req.id, result: [1, 2], error: null }) + "\n";
      s.write(line.slice(0, 7));
      setTimeout(() => {
        s.write(line.slice(7) + '{"id":null,"method":"mining.set_difficulty","params":[0.5]}\n');
        s.write('{"id":"gv-1","method":"client.get_version","params":[]}\n');
      }, 20);
    },
    { userAgent: "test-agent/1.0", onNotification: (m) => notes.push(m) },
    (l) => seen.push(l),
  );
  const r = await client.request("test.split", ["x"], 5000);
  expect(r.result).toEqual([1, 2]);
  for (let i = 0; i < 100 && (notes.length === 0 || seen.length < 2); i++) await Bun.sleep(10);
  expect(notes[0]?.method).toBe("mining.set_difficulty");
  expect(notes[0]?.params).toEqual([0.5]);
  const answer = seen.map((l) => JSON.parse(l) as Record<string, unknown>).find((m) => m.id === "gv-1");
  expect(answer?.result).toBe("test-agent/1.0");
});

test("server closing rejects pending requests and calls onClose once", async () => {
  const reasons: string[] = [];
  const { client } = await setup((s) => s.end(), { onClose: (r) => reasons.push(r) });
  const err = await client.request("test.close", [], 5000).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ClientClosedError);
  expect(reasons.length).toBe(1);
  expect(client.isOpen).toBe(false);
  await expect(client.request("after.close", [], 100)).rejects.toBeInstanceOf(ClientClosedError);
});

test("connecting to a closed port fails", async () => {
  const s = Bun.listen<undefined>({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  const c = new StratumClient({ host: "127.0.0.1", port, connectTimeoutMs: 2000 });
  await expect(c.connect()).rejects.toBeDefined();
  expect(c.isOpen).toBe(false);
});
