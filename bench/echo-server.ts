/** A loopback echo server for the relay benchmark: prints its port, echoes every byte back. */
const echoServer = Bun.listen<{ out: Uint8Array[] }>({
  hostname: "127.0.0.1",
  port: 0,
  socket: {
    open(s) {
      s.data = { out: [] };
    },
    data(s, chunk) {
      if (s.data.out.length) {
        s.data.out.push(chunk);
        return;
      }
      const n = s.write(chunk);
      if (n < chunk.byteLength) s.data.out.push(chunk.subarray(Math.max(n, 0)));
    },
    drain(s) {
      while (s.data.out.length) {
        const c = s.data.out[0]!;
        const n = s.write(c);
        if (n < c.byteLength) {
          s.data.out[0] = c.subarray(Math.max(n, 0));
          return;
        }
        s.data.out.shift();
      }
    },
  },
});
console.log(`port ${echoServer.port}`);
