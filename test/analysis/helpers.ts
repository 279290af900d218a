import { NonceScanner } from "../../src/sim/scan";
import { connectStratum, type JsonValue, type ServerMessage, type StratumClient } from "../../src/net/stratum-client";
import { shareHash, type NotifyJob } from "../../src/stratum/header";
import { until } from "../helpers/net";

/** A client that crafts shares on purpose (each verdict), through HashScope in front of the simulated pool. */

/** About 4096 hashes per share: the scans stay quick and bounded. */
export const DIFF = 2 ** -20;

export type Miner = { client: StratumClient; en1: string; jobs: NotifyJob[] };

export async function miner(port: number, workers = ["honest", "liar"]): Promise<Miner> {
  const jobs: NotifyJob[] = [];
  const onNotification = (m: ServerMessage) => {
    if (m.method !== "mining.notify" || !Array.isArray(m.params)) return;
    const [job_id, prevhash, coinb1, coinb2, merkle_branch, version, nbits, ntime] = m.params as [string, string, string, string, string[], string, string, string];
    jobs.push({ job_id, prevhash, coinb1, coinb2, merkle_branch, version, nbits, ntime });
  };
  const client = await connectStratum({ host: "127.0.0.1", port, onNotification });
  await client.request("mining.configure", [["version-rolling"], { "version-rolling.mask": "1fffe000" }]);
  const sub = await client.request("mining.subscribe", ["verdict-test/1"]);
  const en1 = (sub.result as [unknown, string, number])[1];
  for (const w of workers) await client.request("mining.authorize", [w, "x"]);
  await until(() => jobs.length > 0, 5000, "a job");
  return { client, en1, jobs };
}

/** A nonce meeting DIFF (found: true) or missing it (found: false) for this extranonce2; bounded scan. */
export function nonce(m: Miner, job: NotifyJob, en2: string, found: boolean): string {
  if (!found) {
    for (let n = 0; n < 1000; n++) {
      const hex = n.toString(16).padStart(8, "0");
      const h = shareHash({ job, extranonce1: m.en1, submit: { extranonce2: en2, ntime: job.ntime, nonce: hex, version_bits: null }, versionMask: "1fffe000" });
      if (h.difficulty < DIFF) return hex;
    }
    throw new Error("no low nonce in 1000");
  }
  const scanner = new NonceScanner({ job, extranonce1: m.en1, extranonce2: en2, version: job.version, versionBits: null, difficulty: DIFF });
  for (let i = 0; i < 1000; i++) {
    const hit = scanner.scan(4096)[0];
    if (hit) return hit.nonce;
  }
  throw new Error("no share in 4M nonces (expected one per ~4096)");
}

export async function submit(m: Miner, params: JsonValue[]): Promise<unknown> {
  return (await m.client.request("mining.submit", params)).error;
}

