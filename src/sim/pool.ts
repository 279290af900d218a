/**
 * A faithful Stratum v1 pool simulator on 127.0.0.1 for tests and the demo. It validates every
 * share for real (header.ts) and answers like common pool software. Memory is bounded.
 */
import type { Socket, TCPSocketListener } from "bun";
import type { JsonValue } from "../stratum/json";
import { WriteQueue } from "../write-queue";
import { LineFramer } from "../stratum/framing";
import { isHex } from "../stratum/prevhash";
import { isoNow } from "../time";
import { JobBook, notifyParams, type SimJob } from "./jobs";
import { OutcomeLog, type SubmitOutcome } from "./outcomes";
import { checkSubmit, type StratumError } from "./validate";
import { isRecord } from "../stratum/json";
import { decodeCall } from "../stratum/methods";

export type { SubmitOutcome };

/** Default share difficulty: one share per ~0.5 s for one simulated miner on this machine (see miner.ts). */
export const DEFAULT_SIM_DIFFICULTY = 2 ** -11;
export const SIM_VERSION_MASK = "1fffe000";

export interface SimPoolOptions {
  hostname?: string;
  port?: number;
  difficulty?: number;
  /** New job every this many ms; 0 disables the timer (use newJob()). */
  jobIntervalMs?: number;
  /** Every Nth periodic job has clean_jobs true (new block). */
  cleanEvery?: number;
  /** Which workers may authorize; default everyone. */
  authorize?: (worker: string, password: string) => boolean;
  /** Apply mining.suggest_difficulty (clamped to at least minDifficulty). */
  honorSuggestedDifficulty?: boolean;
  minDifficulty?: number;
  nbits?: string;
  maxJobs?: number;
  maxSharesPerJob?: number;
  maxOutcomes?: number;
  maxLineBytes?: number;
  tls?: { cert: string; key: string };
  onSubmit?: (o: SubmitOutcome) => void;
  /**
   * A dishonest pool, for tests of HashScope's disagreement check: return true to answer this submit the wrong way
   * round (reject a share it found valid with 23 "Low difficulty share", accept one it found bad). The outcome log
   * still records the honest check.
   */
  lie?: (honestlyAccepted: boolean, params: unknown) => boolean;
  /** The script (hex) every job's coinbase pays, as a solo pool pays its miner; default a random P2WPKH. */
  outputScript?: string;
}

export interface SimPoolStats {
  connectionsTotal: number;
  submits: number;
  accepted: number;
  rejected: number;
  rejectedByCode: Record<string, number>;
  jobs: number;
}

interface Conn {
  id: number;
  socket: Socket<undefined>;
  queue: WriteQueue;
  framer: LineFramer;
  extranonce1: string;
  subscribed: boolean;
  authorized: Set<string>;
  versionMask: string | null;
  difficulty: number;
  jobDiff: Map<string, number>;
}

export interface SimPool {
  readonly port: number;
  readonly hostname: string;
  readonly connections: number;
  readonly stats: SimPoolStats;
  /** Last outcomes, oldest first (bounded). */
  readonly outcomes: readonly SubmitOutcome[];
  /** Replies from miners to requests the pool sent (e.g. client.get_version), bounded. */
  readonly clientReplies: readonly { connId: number; line: string }[];
  readonly currentJob: SimJob | null;
  extranonce1Of(connId: number): string | undefined;
  /** Resolves with the first outcome (already logged or future) matching `pred`. */
  waitForOutcome(pred: (o: SubmitOutcome) => boolean, timeoutMs: number): Promise<SubmitOutcome>;
  newJob(clean: boolean): SimJob;
  /** A new block from outside (a shared simulated chain): a clean job on that height and prevhash. */
  newBlock(height: number, prevhash: string): SimJob;
  setDifficulty(d: number): void;
  sendToAll(line: string): void;
  dropAll(hard?: boolean): void;
  stop(): Promise<void>;
}

const EXTRANONCE2_SIZE = 4;
const enc = new TextEncoder();
const dec = new TextDecoder();

export async function startSimPool(opts: SimPoolOptions = {}): Promise<SimPool> {
  const hostname = opts.hostname ?? "127.0.0.1";
  const jobs = new JobBook({
    maxJobs: opts.maxJobs ?? 16,
    maxSharesPerJob: opts.maxSharesPerJob ?? 10_000,
    extranonceBytes: 4 + EXTRANONCE2_SIZE,
    nbits: opts.nbits ?? "1d00ffff",
    version: "20000000",
    tag: "/HashScope sim/",
    ...(opts.outputScript ? { outputScript: opts.outputScript } : {}),
  });
  const conns = new Map<Socket<undefined>, Conn>();
  const outcomes = new OutcomeLog(opts.maxOutcomes ?? 1000);
  const clientReplies: { connId: number; line: string }[] = [];
  const stats: SimPoolStats = { connectionsTotal: 0, submits: 0, accepted: 0, rejected: 0, rejectedByCode: {}, jobs: 0 };
  let difficulty = opts.difficulty ?? DEFAULT_SIM_DIFFICULTY;
  let connSeq = 0;
  let en1Seq = crypto.getRandomValues(new Uint32Array(1))[0]!;
  let periodic = 0;
  const cleanEvery = Math.max(1, opts.cleanEvery ?? 4);
  const liveJob = (): SimJob => jobs.current ?? issueJob(true);

  /** Queues bytes for one connection; a peer that stops reading is cut off past 1 MiB. */
  const push = (c: Conn, bytes: Uint8Array): void => {
    if (!c.queue.push(bytes) || c.queue.queued > 1024 * 1024) c.socket.terminate();
  };
  const send = (c: Conn, obj: Record<string, JsonValue>): void => push(c, enc.encode(JSON.stringify(obj) + "\n"));
  const reply = (c: Conn, id: JsonValue, result: JsonValue, error: StratumError | null = null): void =>
    send(c, { id, result, error });
  const sendJob = (c: Conn, job: SimJob, clean: boolean): void => {
    c.jobDiff.set(job.job_id, c.difficulty);
    // Forget difficulties of jobs the pool no longer keeps.
    for (const id of c.jobDiff.keys()) if (!jobs.has(id)) c.jobDiff.delete(id);
    send(c, { id: null, method: "mining.notify", params: notifyParams(job, clean) });
  };
  const sendDifficulty = (c: Conn): void => send(c, { id: null, method: "mining.set_difficulty", params: [c.difficulty] });

  function issueJob(clean: boolean): SimJob {
    const job = jobs.next(clean);
    stats.jobs++;
    for (const c of conns.values()) if (c.subscribed) sendJob(c, job, job.clean_jobs);
    return job;
  }

  function record(o: SubmitOutcome): void {
    outcomes.record(o);
    opts.onSubmit?.(o);
  }

  function onSubmit(c: Conn, id: JsonValue, params: unknown): void {
    stats.submits++;
    const v = checkSubmit(params, {
      subscribed: c.subscribed,
      isAuthorized: (w) => c.authorized.has(w),
      extranonce1: c.extranonce1,
      extranonce2Size: EXTRANONCE2_SIZE,
      versionMask: c.versionMask,
      jobs,
      jobDifficulty: (j) => c.jobDiff.get(j),
    });
    const base = {
      at: isoNow(),
      connId: c.id,
      worker: v.worker,
      jobId: v.jobId,
      targetDifficulty: v.jobId === null ? null : (c.jobDiff.get(v.jobId) ?? null),
    };
    const lie = opts.lie?.(v.ok, params) ?? false;
    if (v.ok) {
      stats.accepted++;
      if (lie) reply(c, id, null, [23, "Low difficulty share", null]);
      else reply(c, id, true);
      record({ ...base, accepted: true, error: null, shareDifficulty: v.share.difficulty, hashHex: v.share.hashHex });
    } else {
      stats.rejected++;
      const code = String(v.error[0]);
      stats.rejectedByCode[code] = (stats.rejectedByCode[code] ?? 0) + 1;
      if (lie) reply(c, id, true);
      else reply(c, id, false, v.error);
      record({ ...base, accepted: false, error: v.error, shareDifficulty: v.share?.difficulty ?? null, hashHex: v.share?.hashHex ?? null });
    }
  }

  function onConfigure(c: Conn, id: JsonValue, params: unknown): void {
    const exts = Array.isArray(params) && Array.isArray(params[0]) ? params[0].filter((e) => typeof e === "string") : [];
    const args = Array.isArray(params) && isRecord(params[1]) ? params[1] : {};
    const result: Record<string, JsonValue> = {};
    for (const e of exts) {
      if (e === "version-rolling") {
        const asked = args["version-rolling.mask"];
        const minerMask = typeof asked === "string" && isHex(asked, 4) ? parseInt(asked, 16) : 0xffffffff;
        c.versionMask = ((parseInt(SIM_VERSION_MASK, 16) & minerMask) >>> 0).toString(16).padStart(8, "0");
        result["version-rolling"] = true;
        result["version-rolling.mask"] = c.versionMask;
      } else {
        result[e] = false;
      }
    }
    reply(c, id, result);
  }

  function onRequest(c: Conn, id: JsonValue, method: string, params: unknown): void {
    // The typed view (stratum/methods.ts); a wrong shape decodes to null.
    const call = decodeCall(method, params).message;
    switch (method) {
      case "mining.configure":
        return onConfigure(c, id, params);
      case "mining.subscribe": {
        const sub = c.extranonce1;
        reply(c, id, [[["mining.set_difficulty", sub], ["mining.notify", sub]], c.extranonce1, EXTRANONCE2_SIZE]);
        c.subscribed = true;
        sendDifficulty(c);
        sendJob(c, liveJob(), true);
        return;
      }
      case "mining.authorize": {
        const auth = call?.method === "mining.authorize" ? call.decoded : null;
        const worker = auth?.worker ?? "";
        const password = auth?.password ?? "";
        // The size cap keeps memory bounded against a client authorizing endless names.
        if (worker !== "" && c.authorized.size < 100 && (opts.authorize?.(worker, password) ?? true)) {
          c.authorized.add(worker);
          return reply(c, id, true);
        }
        return reply(c, id, false, [24, "Unauthorized worker", null]);
      }
      case "mining.extranonce.subscribe":
        return reply(c, id, true);
      case "mining.suggest_difficulty": {
        reply(c, id, true);
        // The schema takes finite, positive numbers only.
        const d = call?.method === "mining.suggest_difficulty" ? call.decoded.difficulty : null;
        if (opts.honorSuggestedDifficulty && d !== null) {
          c.difficulty = Math.max(d, opts.minDifficulty ?? 0);
          if (c.subscribed) {
            sendDifficulty(c);
            sendJob(c, liveJob(), false);
          }
        }
        return;
      }
      case "mining.submit":
        return onSubmit(c, id, params);
      default:
        return reply(c, id, null, [-3, "Method not found", null]);
    }
  }

  function onLine(c: Conn, text: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      return reply(c, null, null, [20, "Parse error", null]);
    }
    if (!isRecord(msg)) return reply(c, null, null, [20, "Invalid request", null]);
    const id = (msg.id ?? null) as JsonValue;
    if (typeof msg.method === "string") return onRequest(c, id, msg.method, msg.params);
    if (clientReplies.push({ connId: c.id, line: text }) > 100) clientReplies.shift();
  }

  const listener: TCPSocketListener<undefined> = Bun.listen<undefined>({
    hostname,
    port: opts.port ?? 0,
    ...(opts.tls ? { tls: opts.tls } : {}),
    socket: {
      open(socket) {
        stats.connectionsTotal++;
        const c: Conn = {
          id: ++connSeq,
          socket,
          queue: new WriteQueue((b) => socket.write(b)),
          framer: new LineFramer(opts.maxLineBytes ?? 16 * 1024),
          extranonce1: ((en1Seq = (en1Seq + 1) >>> 0) >>> 0).toString(16).padStart(8, "0"),
          subscribed: false,
          authorized: new Set(),
          versionMask: null,
          difficulty,
          jobDiff: new Map(),
        };
        conns.set(socket, c);
      },
      data(socket, chunk) {
        const c = conns.get(socket);
        if (!c) return;
        for (const line of c.framer.push(chunk)) {
          if (line.truncated) {
            reply(c, null, null, [20, "Line too long", null]);
            continue;
          }
          const text = dec.decode(line.bytes).trim();
          if (text !== "") onLine(c, text);
        }
      },
      drain(socket) {
        conns.get(socket)?.queue.flush();
      },
      close(socket) {
        conns.delete(socket);
      },
      error(socket) {
        conns.delete(socket);
      },
    },
  });

  const timer =
    (opts.jobIntervalMs ?? 0) > 0
      ? setInterval(() => issueJob(++periodic % cleanEvery === 0), opts.jobIntervalMs)
      : null;
  issueJob(true);

  return {
    port: listener.port,
    hostname,
    get connections() {
      return conns.size;
    },
    stats,
    outcomes: outcomes.list,
    clientReplies,
    get currentJob() {
      return jobs.current;
    },
    extranonce1Of: (connId) => [...conns.values()].find((c) => c.id === connId)?.extranonce1,
    waitForOutcome: (pred, timeoutMs) => outcomes.waitFor(pred, timeoutMs),
    newJob: issueJob,
    newBlock(height, prevhash) {
      jobs.adopt(height, prevhash);
      return issueJob(true);
    },
    setDifficulty(d) {
      difficulty = d;
      for (const c of conns.values()) {
        c.difficulty = d;
        if (c.subscribed) sendDifficulty(c);
      }
      // The new difficulty applies to jobs sent after it, so follow with a fresh job.
      issueJob(false);
    },
    sendToAll(line) {
      const bytes = enc.encode(line.endsWith("\n") ? line : line + "\n");
      for (const c of conns.values()) push(c, bytes);
    },
    dropAll(hard = false) {
      for (const s of [...conns.keys()]) (hard ? s.terminate() : s.end());
    },
    async stop() {
      if (timer) clearInterval(timer);
      listener.stop(true);
    },
  };
}
