/**
 * A farm's capture as the real pipeline records it (src/capture/ingest.ts: parsed, decoded, shares checked with real
 * hashing), for the storage benches. MINERS miners in GROUPS session groups (each group gets the same job, as a pool
 * sends it); per 30 s job period every miner gets the notify and sends 10 submits (one every ~3 s), each answered
 * (2 % "Low difficulty share"); set_difficulty now and then. Yields records in chunks, oldest first.
 */
import { CapturePipeline } from "../src/capture/ingest";
import type { MessageRecord } from "../src/capture/records";
import { CaptureStore } from "../src/capture/store";

const enc = new TextEncoder();
/** Session ids as the relay makes them: 16 hex characters. */
const sid = (i: number) => (BigInt(i + 1) * 0x9e3779b97f4a7c15n & 0xffffffffffffffffn).toString(16).padStart(16, "0");

/** The mining.notify line of a job: group and period make it distinct; every session of a group gets the same line. */
export function notifyLine(group: number, period: number): string {
  const job = ((period * 97 + group) >>> 0).toString(16);
  const prev = (BigInt(period + 1) * 0x9e3779b97f4a7c15n).toString(16).padStart(64, "0").slice(0, 64);
  const branch = (i: number) => ((BigInt(period * 31 + i + group) * 0xc2b2ae3d27d4eb4fn) & ((1n << 256n) - 1n)).toString(16).padStart(64, "0");
  const branches = Array.from({ length: 12 }, (_, i) => `"${branch(i)}"`).join(",");
  return (
    `{"id":null,"method":"mining.notify","params":["${job}","${prev}",` +
    `"01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4303${(800000 + period).toString(16).padStart(6, "0")}` +
    `fabe6d6d${"ab".repeat(32)}0100000000000000${"2f736c7573682f".repeat(1)}",` +
    `"ffffffff03${"22".repeat(8)}1976a914${"d2".repeat(20)}88ac${"00".repeat(8)}266a24aa21a9ed${"e3".repeat(32)}${"00".repeat(8)}2b6a2952534b424c4f434b3a${"5c".repeat(32)}00000000",` +
    `[${branches}],"20000000","17034219","${(0x65a1b000 + period * 30).toString(16)}",${period % 20 === 0}]}`
  );
}

export { sid as farmSessionId };
export type FarmMixOptions = { miners: number; groups: number; total: number; chunk: number };

export function* farmMix(o: FarmMixOptions): Generator<MessageRecord[]> {
  const store = new CaptureStore({ maxMessages: o.chunk * 4, maxPerSession: 64, maxSessions: o.miners + 10 }, 1);
  const pipe = new CapturePipeline(store, { maxLineBytes: 65_536, maxBacklogBytes: 1 << 20, maxJobs: 4 });
  const out: MessageRecord[] = [];
  const off = store.events.on((e) => {
    if (e.type === "message") out.push(e.message);
  });
  let wall = Date.UTC(2026, 10, 1);
  const feed = (i: number, dir: "miner_to_pool" | "pool_to_miner", line: string) =>
    pipe.ingest(sid(i), dir, enc.encode(line + "\n"), wall, performance.now());
  let produced = 0;
  const take = function* (): Generator<MessageRecord[]> {
    pipe.drainAll();
    while (out.length >= o.chunk || (out.length > 0 && produced + out.length >= o.total)) {
      const n = Math.min(o.chunk, o.total - produced);
      if (n <= 0) return;
      const c = out.splice(0, n);
      produced += c.length;
      yield c;
      if (produced >= o.total) return;
    }
  };
  let rpc = 10;
  let rareDone = false;
  for (let i = 0; i < o.miners; i++) {
    store.openSession({ id: sid(i), miner_addr: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:4028`, upstream: { host: "pool", port: 3333, tls: false } });
    pipe.open(sid(i));
    feed(i, "miner_to_pool", '{"id":1,"method":"mining.subscribe","params":["bmminer/2.0.0"]}');
    feed(i, "pool_to_miner", `{"id":1,"result":[[["mining.set_difficulty","${i}"],["mining.notify","${i}"]],"${(0x10000000 + i).toString(16)}",8],"error":null}`);
    feed(i, "miner_to_pool", `{"id":2,"method":"mining.authorize","params":["bc1qfarm${i % 50}.rig${i}","x"]}`);
    feed(i, "pool_to_miner", '{"id":2,"result":true,"error":null}');
    // 2^-32: every share meets it, so HashScope's own check agrees with the pool, as on a real farm (these nonces are
    // made up, not mined; a realistic difficulty would make every share "low").
    feed(i, "pool_to_miner", '{"id":null,"method":"mining.set_difficulty","params":[2.3283064365386963e-10]}');
    if (i % 500 === 499) yield* take();
  }
  for (let period = 0; produced < o.total; period++) {
    for (let i = 0; i < o.miners; i++) feed(i, "pool_to_miner", notifyLine(i % o.groups, period));
    yield* take();
    if (produced >= o.total) break;
    const job = (g: number) => ((period * 97 + g) >>> 0).toString(16);
    for (let k = 0; k < 10 && produced < o.total; k++) {
      wall += 3_000;
      for (let i = 0; i < o.miners; i++) {
        const id = rpc++;
        const nonce = ((id * 2654435761) >>> 0).toString(16).padStart(8, "0");
        feed(i, "miner_to_pool", `{"params":["bc1qfarm${i % 50}.rig${i}","${job(i % o.groups)}","${(k + period * 10).toString(16).padStart(16, "0")}","${(0x65a1b000 + period * 30 + k).toString(16)}","${nonce}"],"id":${id},"method":"mining.submit"}`);
        feed(i, "pool_to_miner", id % 50 === 0 ? `{"id":${id},"result":null,"error":[23,"Low difficulty share",null]}` : `{"id":${id},"result":true,"error":null}`);
        if (i % 500 === 499) yield* take();
      }
      // One rare worker name, once, halfway: the search bench looks for it.
      if (k === 5 && !rareDone && produced >= o.total / 2) {
        rareDone = true;
        feed(0, "miner_to_pool", `{"id":${rpc++},"method":"mining.authorize","params":["bc1qrare.marker7","x"]}`);
      }
      if (k === 5 && period % 10 === 9)
        for (let i = 0; i < o.miners; i += 7) feed(i, "pool_to_miner", '{"id":null,"method":"mining.set_difficulty","params":[4.656612873077393e-10]}');
    }
  }
  off();
}
