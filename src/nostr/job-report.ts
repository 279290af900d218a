import { z } from "zod";

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

class Reader {
  pos = 0;
  constructor(private readonly b: Uint8Array) {}
  take(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.b.length) throw new RangeError("past the end");
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  u8(): number {
    return this.take(1)[0]!;
  }
  /** Little-endian unsigned of up to 8 bytes, as a Number (exact below 2^53; coinbase values are). */
  le(n: number): number {
    const bytes = this.take(n);
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + bytes[i]!;
    return v;
  }
  varint(): number {
    const f = this.u8();
    return f < 0xfd ? f : f === 0xfd ? this.le(2) : f === 0xfe ? this.le(4) : this.le(8);
  }
}

const fromHex = (s: string): Uint8Array | null => {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) return null;
  return Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16));
};

/** BIP34 height from the first push of a coinbase scriptSig. */
export function bip34Height(scriptSig: Uint8Array): number | null {
  const op = scriptSig[0];
  if (op === undefined) return null;
  if (op >= 0x51 && op <= 0x60) return op - 0x50; // OP_1..OP_16
  if (op < 1 || op > 8 || scriptSig.length < 1 + op) return null;
  let v = 0;
  for (let i = op; i >= 1; i--) v = v * 256 + scriptSig[i]!;
  return v;
}

export type CoinbaseFacts = { height: number | null; value_sat: number; outputs: number };

/**
 * Parses the legacy-serialized coinbase a pool splits into coinb1 ‖ extranonce1 ‖ extranonce2 ‖ coinb2
 * (the extranonce bytes are filled with zeros: only their length matters). Null when it does not parse.
 */
export function coinbaseFacts(coinb1: string, coinb2: string, extranonceBytes: number): CoinbaseFacts | null {
  const a = fromHex(coinb1);
  const b = fromHex(coinb2);
  if (!a || !b || !Number.isInteger(extranonceBytes) || extranonceBytes < 0 || extranonceBytes > 64) return null;
  const tx = new Uint8Array(a.length + extranonceBytes + b.length);
  tx.set(a, 0);
  tx.set(b, a.length + extranonceBytes);
  try {
    const r = new Reader(tx);
    r.take(4); // version
    if (r.varint() !== 1) return null; // a coinbase has exactly one input
    r.take(36); // null outpoint
    const script = r.take(r.varint());
    r.take(4); // sequence
    const n = r.varint();
    if (n > 10_000) return null;
    let value = 0;
    for (let i = 0; i < n; i++) {
      value += r.le(8);
      r.take(r.varint());
    }
    r.take(4); // lock time
    if (r.pos !== tx.length || !Number.isSafeInteger(value)) return null;
    return { height: bip34Height(script), value_sat: value, outputs: n };
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
  const [jobId, prevhash, coinb1, coinb2, branches, , , , clean] = params as unknown[];
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
