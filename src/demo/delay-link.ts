import type { Socket, TCPSocketListener } from "bun";

/**
 * A TCP link that delays every chunk by a fixed time in each direction: the demo's stand-in for an agent far away
 * from its pool. Order is kept (same delay for every chunk). Demo only: a side with more than 1 MiB waiting is closed.
 */

type Side = { peer: Socket<Side> | null; pending: Uint8Array[]; waiting: number; closed: boolean };
export type DelayLink = { readonly port: number; stop(): void };

const MAX_WAITING = 1024 * 1024;

export function startDelayLink(target: { host: string; port: number }, delayMs: number): DelayLink {
  const later = (from: Side, to: () => Socket<Side> | null, bytes: Uint8Array, self: Socket<Side>) => {
    from.waiting += bytes.length;
    if (from.waiting > MAX_WAITING) return self.end();
    const copy = bytes.slice();
    setTimeout(() => {
      from.waiting -= copy.length;
      const out = to();
      if (out) out.write(copy);
      else from.pending.push(copy);
    }, delayMs);
  };
  const listener: TCPSocketListener<Side> = Bun.listen<Side>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(client) {
        client.data = { peer: null, pending: [], waiting: 0, closed: false };
        void Bun.connect<Side>({
          hostname: target.host,
          port: target.port,
          socket: {
            open(up) {
              up.data = { peer: client, pending: [], waiting: 0, closed: false };
              client.data.peer = up;
              for (const b of client.data.pending.splice(0)) up.write(b);
              if (client.data.closed) up.end();
            },
            data(up, chunk) {
              later(up.data, () => (client.data.closed ? null : client), chunk, up);
            },
            close(up) {
              setTimeout(() => client.end(), delayMs);
              up.data.closed = true;
            },
            error() {},
            connectError() {
              client.end();
            },
          },
        }).catch(() => client.end());
      },
      data(client, chunk) {
        later(client.data, () => client.data.peer, chunk, client);
      },
      close(client) {
        client.data.closed = true;
        const up = client.data.peer;
        if (up) setTimeout(() => up.end(), delayMs);
      },
      error() {},
    },
  });
  return { port: listener.port, stop: () => listener.stop(true) };
}
