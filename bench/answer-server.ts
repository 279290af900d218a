/** A loopback "pool" for benchmarks: answers every line `{"id":N,...}` with `{"id":N,"result":true,"error":null}`. */
const enc = new TextEncoder();
const answerServer = Bun.listen<{ partial: string }>({
  hostname: "127.0.0.1",
  port: 0,
  socket: {
    open(s) {
      s.data = { partial: "" };
    },
    data(s, chunk) {
      const text = s.data.partial + new TextDecoder().decode(chunk);
      const lines = text.split("\n");
      s.data.partial = lines.pop() ?? "";
      let out = "";
      for (const line of lines) {
        const id = /"id":(\d+)/.exec(line)?.[1] ?? "null";
        out += `{"id":${id},"result":true,"error":null}\n`;
      }
      if (out) s.write(enc.encode(out)); // answers are tiny; the kernel buffer takes them whole
    },
  },
});
console.log(`port ${answerServer.port}`);
