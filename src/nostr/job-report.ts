import { z } from "zod";
import { decodeCoinbaseTx } from "../analysis/coinbase";
import { hexToBytes } from "../stratum/header";

/**
 * What a `mining.notify` job says about the block it builds on (docs/nostr.md, "job reports"), as pure functions:
 * the height from the coinbase's BIP34 push, the coinbase outputs and their value, whether the template is empty
 * (no merkle branches: the coinbase is the only transaction). Agents report these for their own pool connection;
 * HashScope computes the same for the jobs its miners get, so both line up per block (prevhash).
 */

const isoTs = z.iso.datetime();
const hex = (max: number) => z.string().regex(/^[0-9a-fA-F]*$/).max(max);

export const JobReport = z.object({
  job_id: z.string().min(1).max(128),
  /** As the pool sent it (Stratum word order); the key that lines blocks up. */
  prevhash: hex(64).length(64),
  /** From the BIP34 push at the start of the coinbase scriptSig; null when absent or unreadable. */
  height: z.number().int().nonnegative().nullable(),
  clean_jobs: z.boolean(),
  merkle_branches: z.number().int().nonnegative(),
  /** Sum of the coinbase outputs in satoshis; null when the coinbase could not be parsed. */
  coinbase_value_sat: z.number().int().nonnegative().nullable(),
  coinbase_outputs: z.number().int().nonnegative().nullable(),
  /** No merkle branches: a block with only the coinbase transaction. */
  empty: z.boolean(),
  /**
   * The first job on a new connection: the connection joined a block already current, so this is not when the
   * block reached the pool's clients (propagation leaves it out).
   */
  first_on_connection: z.boolean().default(false),
  /** Wall clock of the receiver when the notify arrived (its own clock; HashScope corrects agents' by their offset). */
  received_at: isoTs,
});
export type JobReport = z.infer<typeof JobReport>;

/** Subsidy at `height` in satoshis (halving every 210,000 blocks). */
export function subsidySat(height: number): number {
  const halvings = Math.floor(height / 210_000);
  return halvings >= 64 ? 0 : Math.floor(5_000_000_000 / 2 ** halvings);
}

export type CoinbaseFacts = { height: number | null; value_sat: number; outputs: number };

/**
 * What a job's coinbase (coinb1 ‖ extranonce1 ‖ extranonce2 ‖ coinb2, the extranonce bytes as zeros: only their length
 * matters) says for a job report, read by the one coinbase decoder (analysis/coinbase.ts). Null when it does not parse.
 */
export function coinbaseFacts(coinb1: string, coinb2: string, extranonceBytes: number): CoinbaseFacts | null {
  if (!Number.isInteger(extranonceBytes) || extranonceBytes < 0 || extranonceBytes > 64) return null;
  try {
    // Addresses play no part here, so any network's prefixes do.
    const cb = decodeCoinbaseTx(hexToBytes(coinb1 + "00".repeat(extranonceBytes) + coinb2), "mainnet");
    if (!Number.isSafeInteger(cb.total_sats)) return null;
    return { height: cb.height, value_sat: cb.total_sats, outputs: cb.outputs.length };
  } catch {
    return null;
  }
}

/**
 * A job report from `mining.notify` params (`[job_id, prevhash, coinb1, coinb2, branches, version, nbits, ntime, clean]`)
 * and the connection's extranonce sizes; null when the params are not a usable notify.
 */
export function jobReport(
  params: unknown,
  extranonce1: string | null,
  extranonce2Size: number | null,
  receivedAt: string,
  firstOnConnection = false,
): JobReport | null {
  if (!Array.isArray(params)) return null;
  const [jobId, prevhash, coinb1, coinb2, branches, , , , clean]: unknown[] = params;
  if (typeof jobId !== "string" || jobId === "" || jobId.length > 128) return null;
  if (typeof prevhash !== "string" || !/^[0-9a-fA-F]{64}$/.test(prevhash)) return null;
  if (!Array.isArray(branches)) return null;
  const facts =
    typeof coinb1 === "string" && typeof coinb2 === "string" && extranonce1 !== null && extranonce2Size !== null
      ? coinbaseFacts(coinb1, coinb2, extranonce1.length / 2 + extranonce2Size)
      : null;
  return {
    job_id: jobId,
    prevhash: prevhash.toLowerCase(),
    height: facts?.height ?? null,
    clean_jobs: clean === true,
    merkle_branches: branches.length,
    coinbase_value_sat: facts?.value_sat ?? null,
    coinbase_outputs: facts?.outputs ?? null,
    empty: branches.length === 0,
    first_on_connection: firstOnConnection,
    received_at: receivedAt,
  };
}
