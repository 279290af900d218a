/**
 * A loopback "pool" for the farm load bench: answers subscribe (an extranonce1 per connection), authorize, and every
 * submit (2 % "Low difficulty share"), sets a difficulty, and sends every connection the same new job every 30 s (as a
 * pool does for one session group). Prints `port N`.
 */
import type { Socket } from "bun";
import { notifyLine } from "./farm-mix";

const enc = new TextEncoder();
const conns = new Set<Socket<{ partial: string; n: number }>>();
let next = 0;
let period = 0;
let job = notifyLine(0, period);
const server = Bun.listen<{ partial: string; n: number }>({
  hostname: "127.0.0.1",
  port: 0,
  socket: {
    open(s) {
      s.data = { partial: "", n: next++ };
      conns.add(s);
    },
    close(s) {
      conns.delete(s);
    },
    data(s, chunk) {
      const text = s.data.partial + new TextDecoder().decode(chunk);
      const lines = text.split("\n");
      s.data.partial = lines.pop() ?? "";
      let out = "";
      for (const line of lines) {
        const id = /"id":(\d+)/.exec(line)?.[1] ?? "null";
        if (line.includes("mining.subscribe"))
          out += `{"id":${id},"result":[[["mining.notify","${s.data.n}"]],"${(0x10000000 + s.data.n).toString(16)}",8],"error":null}\n`;
        else if (line.includes("mining.authorize"))
          out += `{"id":${id},"result":true,"error":null}\n{"id":null,"method":"mining.set_difficulty","params":[2.3283064365386963e-10]}\n${job}\n`;
        else
          out += Number(id) % 50 === 0
            ? `{"id":${id},"result":null,"error":[23,"Low difficulty share",null]}\n`
            : `{"id":${id},"result":true,"error":null}\n`;
      }
      if (out) s.write(enc.encode(out));
    },
  },
});
setInterval(() => {
  job = notifyLine(0, ++period);
  const bytes = enc.encode(job + "\n");
  for (const s of conns) s.write(bytes);
}, 30_000);
console.log(`port ${server.port}`);
