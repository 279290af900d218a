import { expect, test } from "bun:test";
import type { Socket } from "bun";
import { flush, HARD_LIMIT, HIGH_WATER, newEndpoint, send, type Endpoint } from "../../src/proxy/endpoint";
import { until } from "../helpers/net";

/** A real loopback connection whose far side does not read until told to. */
async function stalledPeer() {
  let far: Socket<undefined> | null = null;
  let farBytes = 0;
  const server = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(s) {
        s.pause();
        far = s;
      },
      data(_s, chunk) {
        farBytes += chunk.byteLength;
      },
    },
  });
  const dst = newEndpoint("miner", "s");
  const socket = await Bun.connect<Endpoint>({
    hostname: "127.0.0.1",
    port: server.port,
    data: dst,
    socket: { data() {}, drain: (s) => flush(s.data) },
  });
  dst.socket = socket;
  await until(() => far !== null);
  return { dst, resume: () => far!.resume(), received: () => farBytes, stop: () => (socket.end(), server.stop(true)) };
}

test("past HIGH_WATER the source is paused; past HARD_LIMIT send reports it so the session can be closed", async () => {
  const { dst, stop } = await stalledPeer();
  // The source: another real socket whose reads we expect to be paused.
  const src = newEndpoint("pool", "s");
  src.peer = dst;
  dst.peer = src;
  const echo = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  src.socket = await Bun.connect<Endpoint>({ hostname: "127.0.0.1", port: echo.port, data: src, socket: { data() {} } });
  const chunk = new Uint8Array(64 * 1024);
  let ok = true;
  let sent = 0;
  let pausedAt = -1;
  for (let i = 0; i < 1000 && ok; i++) {
    ok = send(dst, chunk);
    sent += chunk.byteLength;
    if (src.paused && pausedAt < 0) pausedAt = dst.queue.queued;
  }
  expect(pausedAt).toBeGreaterThan(HIGH_WATER);
  expect(pausedAt).toBeLessThanOrEqual(HIGH_WATER + chunk.byteLength);
  expect(ok).toBe(false); // the caller closes the session with a recorded reason
  expect(dst.queue.queued).toBeGreaterThan(HARD_LIMIT);
  expect(dst.queue.queued).toBeLessThanOrEqual(HARD_LIMIT + chunk.byteLength);
  expect(sent).toBeLessThan(1000 * chunk.byteLength); // it stopped at the bound, not at the loop's end
  src.socket.end();
  echo.stop(true);
  stop();
});

test("once the far side reads, the queue drains in order and the source resumes", async () => {
  const { dst, resume, received, stop } = await stalledPeer();
  const src = newEndpoint("pool", "s");
  src.peer = dst;
  dst.peer = src;
  const echo = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  src.socket = await Bun.connect<Endpoint>({ hostname: "127.0.0.1", port: echo.port, data: src, socket: { data() {} } });
  const chunk = new Uint8Array(64 * 1024).fill(7);
  let total = 0;
  // Fill the kernel buffers and then the queue until the source is paused (bounded).
  for (; total < 1000 && !src.paused; total++) send(dst, chunk);
  expect(src.paused).toBe(true);
  resume();
  await until(() => received() === total * chunk.byteLength, 10_000, "everything delivered");
  expect(dst.queue.queued).toBe(0);
  expect(src.paused).toBe(false);
  src.socket.end();
  echo.stop(true);
  stop();
});
