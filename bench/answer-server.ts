/**
 * A loopback "pool" for benchmarks: answers every line `{"id":N,...}` with `{"id":N,"result":true,"error":null}`.
 * `--notify S`: also sends every connection a 700-byte mining.notify (a new job) once per S seconds, spread
 * evenly over the connections (a slice every 50 ms), as a pool's new jobs reach a farm.
 */
import type { Socket } from "bun";

const enc = new TextEncoder();
const flag = process.argv.indexOf("--notify");
const NOTIFY_S = flag > 0 ? Number(process.argv[flag + 1]) : 0;
const conns: Socket<{ partial: string }>[] = [];
const answerServer = Bun.listen<{ partial: string }>({
  hostname: "127.0.0.1",
  port: 0,
  socket: {
    open(s) {
      s.data = { partial: "" };
      if (NOTIFY_S > 0) conns.push(s);
    },
    close(s) {
      const i = conns.indexOf(s);
      if (i >= 0) conns.splice(i, 1);
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

/** A mining.notify of exactly 700 bytes with its newline (the farm's size; a real one's coinbase and branches vary). */
function notify700(period: number): string {
  const hex = (n: number, len: number) => (n >>> 0).toString(16).padStart(8, "0").repeat(Math.ceil(len / 8)).slice(0, len);
  const branches = Array.from({ length: 4 }, (_, i) => `"${hex(period * 31 + i + 1, 64)}"`).join(",");
  const line = (coinb2: string) =>
    `{"id":null,"method":"mining.notify","params":["${period.toString(16)}","${hex(period + 7, 64)}","${"01000000010000".padEnd(180, "0")}",` +
    `"${coinb2}",[${branches}],"20000000","17034219","${(0x65a1b000 + period * 30).toString(16)}",${period % 20 === 0}]}\n`;
  return line("ff".repeat(Math.max(0, Math.floor((700 - line("").length) / 2))) + (((700 - line("").length) % 2) ? "0" : ""));
}

if (NOTIFY_S > 0) {
  const TICK_MS = 50;
  const slices = Math.max(1, Math.round((NOTIFY_S * 1000) / TICK_MS));
  let tick = 0;
  setInterval(() => {
    const bytes = enc.encode(notify700(Math.floor(tick / slices)));
    for (let i = tick % slices; i < conns.length; i += slices) conns[i]!.write(bytes);
    tick++;
  }, TICK_MS);
}
