import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rateLimitedLog } from "../../src/proxy/rate-log";
import type { HashScope } from "../../src/server";
import { startTestHashScope } from "../helpers/hashscope";
import { connectPeer, startByteServer, until, type ByteServer, type Peer } from "../helpers/net";

const enc = (s: string) => new TextEncoder().encode(s);
const LINE = enc('{"id":1,"method":"mining.subscribe","params":[]}\n');

describe("MAX_SESSIONS and HANDSHAKE_TIMEOUT_MS", () => {
  let pool: ByteServer;
  let hs: HashScope;
  beforeAll(async () => {
    pool = startByteServer();
    hs = await startTestHashScope(pool.port, { MAX_SESSIONS: "3", HANDSHAKE_TIMEOUT_MS: "300" });
  });
  afterAll(async () => {
    await hs.stop();
    pool.stop();
  });

  test("at the bound a new miner is closed at once, gets no pool connection and is counted; below it one is taken again", async () => {
    const miners: Peer[] = [];
    for (let i = 0; i < 3; i++) {
      const m = await connectPeer(hs.proxyPort);
      await m.send(LINE);
      miners.push(m);
    }
    await until(() => pool.accepted.length === 3 && hs.relay.liveSessions() === 3, 5000, "three sessions");
    const sessionsBefore = hs.store.sessionsOpened;
    // Refused: closed by HashScope without a byte (the connect itself may see the reset).
    const extra = await connectPeer(hs.proxyPort).catch(() => null);
    if (extra) {
      await extra.closed;
      expect(extra.receivedBytes()).toBe(0);
    }
    await until(() => hs.relay.refusedSessions() === 1, 5000, "the refusal counted");
    expect(hs.store.sessionsOpened).toBe(sessionsBefore); // no session record for a refused miner
    expect(pool.accepted.length).toBe(3);
    const stats = (await (await fetch(`http://127.0.0.1:${hs.apiPort}/api/stats`)).json()) as { sessions: { refused: number } };
    expect(stats.sessions.refused).toBe(1);
    const metrics = await (await fetch(`http://127.0.0.1:${hs.apiPort}/metrics`)).text();
    expect(metrics).toContain("hashscope_sessions_refused_total 1");
    // The three that were in keep working.
    const up0 = pool.accepted[0]!;
    await until(() => up0.receivedBytes() >= LINE.byteLength, 5000, "first line at the pool");
    miners[0]!.socket.end();
    await until(() => hs.relay.liveSessions() === 2, 5000, "one session gone");
    const again = await connectPeer(hs.proxyPort);
    await again.send(LINE);
    await until(() => pool.accepted.length === 4 && pool.accepted[3]!.receivedBytes() === LINE.byteLength, 5000, "a new session below the bound");
    for (const m of [...miners.slice(1), again]) m.socket.end();
    await until(() => hs.relay.liveSessions() === 0, 5000, "all closed");
  });

  test("a miner that sends no complete line is closed with handshake_timeout; one that did stays", async () => {
    const silent = await connectPeer(hs.proxyPort);
    const partial = await connectPeer(hs.proxyPort);
    await partial.send(enc('{"id":1,"method":"mining.subscribe"')); // no newline
    const talker = await connectPeer(hs.proxyPort);
    await talker.send(LINE);
    await silent.closed;
    await partial.closed;
    // The store learns of the close from the relay thread a moment after the socket closed.
    const timedOut = () => hs.store.listSessions("closed").filter((s) => s.close_reason === "handshake_timeout");
    await until(() => timedOut().length === 2, 3000, "both closes in the store");
    const closed = timedOut();
    expect(closed[0]!.close_detail).toContain("no complete line from the miner within 300 ms");
    await Bun.sleep(400); // past the timeout: the talker's session is still open
    expect(talker.isClosed()).toBe(false);
    expect(hs.store.listSessions("live").length).toBe(1);
    talker.socket.end();
  });
});

describe("refusal log", () => {
  test("the first line at once, then at most one summing line per interval", async () => {
    const lines: string[] = [];
    const log = rateLimitedLog((l) => lines.push(l), 100);
    for (let i = 0; i < 50; i++) log.add(`refused ${i}`);
    expect(lines).toEqual(["refused 0"]);
    await until(() => lines.length === 2, 2000, "summary line");
    expect(lines[1]).toBe("refused 49 (49 more like it since the last line)");
    expect(log.count).toBe(50);
    log.stop();
  });
});
