/**
 * A simulated Stratum v1 miner: real hashing (small batches that yield to the event loop), real
 * submits, optional deliberate bad shares. Worker names are sent verbatim, hostile text included.
 */
import { field, stringField } from "../stratum/json";
import { StratumClient, type JsonValue, type ServerMessage, type StratumClientOptions } from "../net/stratum-client";
import { rollVersion, type NotifyJob } from "../stratum/header";
import { decodeCall, type RequestOf } from "../stratum/methods";
import { NonceScanner, type Found, type Work } from "./scan";

export interface SimMinerOptions {
  host: string;
  port: number;
  tls?: StratumClientOptions["tls"];
  worker: string;
  password?: string;
  userAgent?: string;
  /** Send mining.configure (version rolling) first; default true. */
  configure?: boolean;
  suggestDifficulty?: number;
  /** Fraction (0..1) of found shares turned into bad ones: stale job, low difficulty or duplicate. */
  badShareRatio?: number;
  /** Stop after this many submits (good and bad). */
  maxShares?: number;
  maxSeconds?: number;
  /** Hash only once this resolves: lets a caller set things up between the handshake and the first share. */
  startHashing?: Promise<void>;
  /** Nonces per batch before yielding to the event loop. */
  batchSize?: number;
  /** Throttle (sleeps between batches) so several miners can share few cores; default unthrottled. */
  maxHashesPerSecond?: number;
  requestTimeoutMs?: number;
  onShare?: (s: MinerShare) => void;
  onMessage?: (m: ServerMessage) => void;
}

export type BadKind = "stale" | "low" | "duplicate";

export interface MinerShare {
  jobId: string;
  nonce: string;
  difficulty: number;
  bad: BadKind | null;
  accepted: boolean;
  error: unknown;
  latencyMs: number;
}

export interface SimMinerStats {
  hashes: number;
  hashesPerSecond: number;
  submitted: number;
  accepted: number;
  rejected: number;
  rejectedByCode: Record<string, number>;
  badSent: number;
  jobs: number;
  difficulty: number;
}

export interface SimMiner {
  readonly client: StratumClient;
  readonly stats: SimMinerStats;
  readonly extranonce1: string | null;
  readonly lastMessage: string | null;
  /** Resolves after configure/subscribe/authorize; rejects if they fail. */
  readonly ready: Promise<void>;
  /** Resolves when the miner has stopped (bound reached, stop(), or connection closed). */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

const BAD_KINDS: BadKind[] = ["stale", "low", "duplicate"];
const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));
const hex32 = (n: number) => (n >>> 0).toString(16).padStart(8, "0");

export function startSimMiner(o: SimMinerOptions): SimMiner {
  const stats: SimMinerStats = {
    hashes: 0,
    hashesPerSecond: 0,
    submitted: 0,
    accepted: 0,
    rejected: 0,
    rejectedByCode: {},
    badSent: 0,
    jobs: 0,
    difficulty: 1, // 1 until set (docs/protocol.md#difficulty-rule)
  };
  let extranonce1: string | null = null;
  let en2Size = 4;
  let versionMask: string | null = null;
  let lastMessage: string | null = null;
  let job: NotifyJob | null = null;
  let jobDifficulty = 1;
  let jobSeq = 0;
  let en2Counter = 0;
  let running = true;
  let hashMs = 0;
  let badSeq = 0;
  let wake: (() => void) | null = null;
  const stopped = Promise.withResolvers<void>();
  const inflight = new Set<Promise<void>>();
  const timeout = o.requestTimeoutMs ?? 10_000;

  const client = new StratumClient({
    host: o.host,
    port: o.port,
    tls: o.tls ?? false,
    userAgent: o.userAgent ?? "hashscope-sim/0.1",
    onNotification: (m) => {
      o.onMessage?.(m);
      // The typed view (stratum/methods.ts); a notification of the wrong shape decodes to null and is ignored.
      const call = decodeCall(m.method, m.params).message;
      switch (call?.method) {
        case "mining.set_difficulty":
          stats.difficulty = call.decoded.difficulty;
          break;
        case "mining.notify":
          onNotify(call.decoded);
          break;
        case "mining.set_extranonce":
          extranonce1 = call.decoded.extranonce1;
          en2Size = call.decoded.extranonce2_size;
          break;
        case "mining.set_version_mask":
          versionMask = call.decoded.version_mask;
          break;
        case "client.show_message":
          lastMessage = call.decoded.message;
          break;
      }
    },
    onRequest: (m) => {
      o.onMessage?.(m);
      return undefined; // defaults: get_version answered with userAgent
    },
    onClose: () => stopHashing(),
  });

  function onNotify(n: RequestOf<"mining.notify">): void {
    const { job_id, prevhash, coinb1, coinb2, merkle_branch, version, nbits, ntime } = n;
    job = { job_id, prevhash, coinb1, coinb2, merkle_branch, version, nbits, ntime };
    // The difficulty in force when the job arrives is the one the pool checks it against.
    jobDifficulty = stats.difficulty;
    jobSeq++;
    stats.jobs++;
    wake?.();
  }

  function stopHashing(): void {
    running = false;
    stopped.resolve();
    wake?.();
  }

  function newWork(j: NotifyJob): NonceScanner {
    const en2 = hex32(en2Counter++).slice(8 - en2Size * 2).padStart(en2Size * 2, "0");
    const rolled = versionMask ? hex32(Math.floor(Math.random() * 0x100000000) & parseInt(versionMask, 16)) : null;
    const work: Work = {
      job: j,
      extranonce1: extranonce1 ?? "",
      extranonce2: en2,
      version: rollVersion(j.version, rolled, versionMask),
      versionBits: rolled,
      difficulty: jobDifficulty,
    };
    return new NonceScanner(work);
  }

  function submit(s: NonceScanner, f: Found): void {
    const w = s.work;
    let bad: BadKind | null = null;
    if ((o.badShareRatio ?? 0) > 0 && Math.random() < (o.badShareRatio ?? 0)) bad = BAD_KINDS[badSeq++ % 3]!;
    const jobId = bad === "stale" ? `${w.job.job_id}-stale` : w.job.job_id;
    // A neighbouring nonce almost never meets the difficulty: a realistic "low difficulty" share.
    const nonce = bad === "low" ? hex32(parseInt(f.nonce, 16) + 1) : f.nonce;
    const params: JsonValue[] = [o.worker, jobId, w.extranonce2, w.job.ntime, nonce];
    if (w.versionBits !== null) params.push(w.versionBits);
    const sendOne = (): void => {
      stats.submitted++;
      const pr = client
        .request("mining.submit", params, timeout)
        .then((r) => {
          const accepted = r.result === true && r.error === null;
          if (accepted) stats.accepted++;
          else {
            stats.rejected++;
            const code = Array.isArray(r.error) ? String(r.error[0]) : "other";
            stats.rejectedByCode[code] = (stats.rejectedByCode[code] ?? 0) + 1;
          }
          o.onShare?.({ jobId, nonce, difficulty: f.difficulty, bad, accepted, error: r.error, latencyMs: r.latencyMs });
        })
        .catch(() => {})
        .finally(() => inflight.delete(pr));
      inflight.add(pr);
    };
    if (bad !== null) stats.badSent++;
    sendOne();
    if (bad === "duplicate") sendOne(); // the first counts as good, the repeat as the duplicate
    if (o.maxShares !== undefined && stats.submitted >= o.maxShares) stopHashing();
  }

  let paceStart = 0;
  /** Yields to the event loop, sleeping if a hash-rate cap is set and we are ahead of it. */
  async function pace(): Promise<void> {
    const cap = o.maxHashesPerSecond;
    if (cap === undefined || cap <= 0) return yieldToLoop();
    if (paceStart === 0) paceStart = performance.now();
    const aheadMs = (stats.hashes / cap) * 1000 - (performance.now() - paceStart);
    if (aheadMs <= 0) return yieldToLoop();
    await Bun.sleep(Math.min(aheadMs, 100)); // short, so stop() stays prompt
  }

  async function hashLoop(): Promise<void> {
    let scanner: NonceScanner | null = null;
    let scannerSeq = -1;
    const batch = o.batchSize ?? 20_000;
    if (o.startHashing) await Promise.race([o.startHashing, stopped.promise]);
    while (running) {
      if (job === null || extranonce1 === null) {
        await new Promise<void>((r) => (wake = r));
        wake = null;
        continue;
      }
      if (scanner === null || scannerSeq !== jobSeq || scanner.exhausted) {
        scanner = newWork(job);
        scannerSeq = jobSeq;
      }
      const t0 = performance.now();
      const before = scanner.hashes;
      const found = scanner.scan(batch);
      hashMs += performance.now() - t0;
      stats.hashes += scanner.hashes - before;
      stats.hashesPerSecond = hashMs > 0 ? (stats.hashes * 1000) / hashMs : 0;
      for (const f of found) if (running) submit(scanner, f);
      await pace();
    }
  }

  async function handshake(): Promise<void> {
    await client.connect();
    if (o.configure ?? true) {
      const r = await client.request(
        "mining.configure",
        [["version-rolling"], { "version-rolling.mask": "ffffffff", "version-rolling.min-bit-count": 2 }],
        timeout,
      );
      const mask = stringField(r.result, "version-rolling.mask");
      if (field(r.result, "version-rolling") === true && mask !== null) versionMask = mask;
    }
    const sub = await client.request("mining.subscribe", [o.userAgent ?? "hashscope-sim/0.1"], timeout);
    const res = Array.isArray(sub.result) ? sub.result : [];
    if (typeof res[1] !== "string") throw new Error(`subscribe failed: ${JSON.stringify(sub.error)}`);
    extranonce1 = res[1];
    if (typeof res[2] === "number") en2Size = res[2];
    const auth = await client.request("mining.authorize", [o.worker, o.password ?? "x"], timeout);
    if (auth.result !== true) throw new Error(`authorize failed: ${JSON.stringify(auth.error)}`);
    if (o.suggestDifficulty !== undefined) await client.request("mining.suggest_difficulty", [o.suggestDifficulty], timeout);
    wake?.();
  }

  let deadline: ReturnType<typeof setTimeout> | null = null;
  if (o.maxSeconds !== undefined) deadline = setTimeout(stopHashing, o.maxSeconds * 1000);
  const ready = handshake();
  const loop = hashLoop();

  const done = (async () => {
    try {
      await ready;
    } catch {
      stopHashing();
    }
    await loop;
    if (deadline) clearTimeout(deadline);
    // Wait for answers to shares already sent (bounded by the request timeout), then hang up.
    await Promise.allSettled([...inflight]);
    client.close("miner stopped");
  })();
  ready.catch(() => {}); // observed through `done`; callers may still await `ready`

  return {
    client,
    stats,
    get extranonce1() {
      return extranonce1;
    },
    get lastMessage() {
      return lastMessage;
    },
    ready,
    done,
    async stop() {
      stopHashing();
      await done;
    },
  };
}
