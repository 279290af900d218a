import { callFields, resultFields, type Decoded } from "../stratum/methods";
import type { Direction, MessageKind, SessionFacts } from "./records";

/**
 * What a session learns from its traffic. A pure reducer: it returns the same object when nothing changed,
 * so callers can skip persisting/broadcasting by comparing references.
 */

export type FactInput = { direction: Direction; kind: MessageKind; method: string | null; decoded: Decoded | null };

export const MAX_WORKERS = 32;

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const int = (v: unknown): number | null => (typeof v === "number" && Number.isInteger(v) ? v : null);

function learned(msg: FactInput): Partial<SessionFacts> & { worker?: string } {
  const d = msg.decoded;
  if (d === null || msg.method === null) return {};
  const fromMiner = msg.direction === "miner_to_pool";
  const fromPool = msg.direction === "pool_to_miner";
  const call = msg.kind === "request" || msg.kind === "notification";

  if (msg.kind === "response") {
    // Responses travel pool→miner and carry the method of the request they answer.
    if (!fromPool || d.ok !== true) return {};
    if (msg.method === "mining.subscribe") {
      const r = resultFields(d, msg.method);
      const en1 = str(r("extranonce1"));
      const size = int(r("extranonce2_size"));
      return en1 !== null && size !== null ? { extranonce1: en1, extranonce2_size: size } : {};
    }
    if (msg.method === "mining.configure" && resultFields(d, msg.method)("version_rolling") !== false) {
      const mask = str(resultFields(d, msg.method)("version_rolling_mask"));
      return mask !== null ? { version_mask: mask } : {};
    }
    return {};
  }
  if (!call) return {};

  if (fromMiner) {
    switch (msg.method) {
      case "mining.subscribe": {
        // The latest subscribe wins; one that names no agent tells us nothing new.
        const ua = str(callFields(d, msg.method)("user_agent"));
        return ua ? { user_agent: ua } : {};
      }
      case "mining.authorize":
      case "mining.submit": {
        const worker = str(callFields(d, msg.method)("worker"));
        return worker !== null ? { worker } : {};
      }
    }
    return {};
  }
  if (fromPool) {
    switch (msg.method) {
      case "mining.set_difficulty": {
        const difficulty = num(callFields(d, msg.method)("difficulty"));
        return difficulty !== null ? { difficulty } : {};
      }
      case "mining.set_extranonce": {
        const v = callFields(d, msg.method);
        const en1 = str(v("extranonce1"));
        const size = int(v("extranonce2_size"));
        return en1 !== null && size !== null ? { extranonce1: en1, extranonce2_size: size } : {};
      }
      case "mining.set_version_mask": {
        const mask = str(callFields(d, msg.method)("version_mask"));
        return mask !== null ? { version_mask: mask } : {};
      }
    }
  }
  return {};
}

export function learnFacts(facts: SessionFacts, msg: FactInput): SessionFacts {
  const { worker, ...scalars } = learned(msg);
  let next = facts;
  const set = <K extends keyof SessionFacts>(key: K, value: SessionFacts[K]) => {
    if (next[key] === value) return;
    if (next === facts) next = { ...facts };
    next[key] = value;
  };
  if (scalars.user_agent !== undefined) set("user_agent", scalars.user_agent);
  if (scalars.extranonce1 !== undefined) set("extranonce1", scalars.extranonce1);
  if (scalars.extranonce2_size !== undefined) set("extranonce2_size", scalars.extranonce2_size);
  if (scalars.difficulty !== undefined) set("difficulty", scalars.difficulty);
  if (scalars.version_mask !== undefined) set("version_mask", scalars.version_mask);
  if (worker !== undefined && worker.length > 0 && !facts.workers.includes(worker) && facts.workers.length < MAX_WORKERS) {
    set("workers", [...facts.workers, worker]);
  }
  return next;
}
