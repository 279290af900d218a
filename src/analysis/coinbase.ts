import { Address, OutScript, RawTx } from "@scure/btc-signer";
import { hexToBytes } from "../stratum/header";
import { NETWORK_PARAMS, type BitcoinNetwork } from "./network";
import type { Coinbase, CoinbaseOutput, OutputType, PaysWorker } from "./schema";

/**
 * A job's coinbase transaction decoded (docs/analysis.md): coinb1 ‖ extranonce1 ‖ zero extranonce2 ‖ coinb2, parsed
 * by @scure/btc-signer (transactions, scripts and addresses are its job, not ours). Pure.
 */

const WITNESS_COMMITMENT = "6a24aa21a9ed";
const hexOf = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** Printable runs of at least this many characters make up the tag (shorter ones are usually extranonce noise). */
const MIN_TAG_RUN = 4;

/** BIP34 height from the first push of a coinbase scriptSig, and the bytes after it (where pools put their tag). */
export function bip34Height(scriptSig: Uint8Array): { height: number | null; rest: Uint8Array } {
  const n = scriptSig[0];
  if (n === undefined) return { height: null, rest: scriptSig };
  // Heights 1..16 are pushed as OP_1..OP_16 (regtest and the first blocks of any chain).
  if (n >= 0x51 && n <= 0x60) return { height: n - 0x50, rest: scriptSig.subarray(1) };
  // Otherwise the height as a little-endian script number, 1..8 bytes (3 on mainnet today).
  if (n < 1 || n > 8 || scriptSig.length < 1 + n) return { height: null, rest: scriptSig };
  let h = 0;
  for (let i = n; i >= 1; i--) h = h * 256 + scriptSig[i]!;
  return { height: h, rest: scriptSig.subarray(1 + n) };
}

function tagText(bytes: Uint8Array): string {
  const runs: string[] = [];
  let cur = "";
  for (const b of bytes) {
    if (b >= 0x20 && b <= 0x7e) cur += String.fromCharCode(b);
    else {
      if (cur.trim().length >= MIN_TAG_RUN) runs.push(cur.trim());
      cur = "";
    }
  }
  if (cur.trim().length >= MIN_TAG_RUN) runs.push(cur.trim());
  return runs.join(" ");
}

const TYPES: Record<string, OutputType> = { pkh: "p2pkh", sh: "p2sh", wpkh: "p2wpkh", wsh: "p2wsh", tr: "p2tr", pk: "p2pk" };

function output(script: Uint8Array, value: bigint, network: BitcoinNetwork): CoinbaseOutput {
  const script_hex = hexOf(script);
  const value_sats = Number(value);
  if (script[0] === 0x6a)
    return { type: script_hex.startsWith(WITNESS_COMMITMENT) ? "witness_commitment" : "op_return", address: null, value_sats, script_hex };
  let type: OutputType = "unknown";
  let address: string | null = null;
  try {
    const decoded = OutScript.decode(script);
    type = TYPES[decoded.type] ?? "unknown";
    if (type !== "unknown" && type !== "p2pk") address = Address(NETWORK_PARAMS[network]).encode(decoded);
  } catch {
    // A script the library does not know stays "unknown" with no address.
  }
  return { type, address, value_sats, script_hex };
}

/** Decodes a full coinbase transaction (legacy or segwit serialization). Throws on bytes that are not one. */
export function decodeCoinbaseTx(tx: Uint8Array, network: BitcoinNetwork): Coinbase {
  const raw = RawTx.decode(tx);
  const input = raw.inputs[0];
  if (raw.inputs.length !== 1 || !input) throw new RangeError("a coinbase has exactly one input");
  const { height, rest } = bip34Height(input.finalScriptSig);
  const outputs = raw.outputs.map((o) => output(o.script, o.amount, network));
  return { height, tag: tagText(rest), outputs, total_sats: outputs.reduce((s, o) => s + o.value_sats, 0) };
}

/**
 * The coinbase of a notify, with zeros where extranonce1 and extranonce2 go: they change neither the height nor the
 * outputs, and zeros cannot be mistaken for tag text (a session's extranonce1 may well be printable, e.g. "WY2i").
 */
export function decodeJobCoinbase(
  job: { coinb1: string; coinb2: string },
  extranonce1: string | null,
  extranonce2Size: number | null,
  network: BitcoinNetwork,
): Coinbase {
  const gap = "00".repeat((extranonce1 ?? "").length / 2 + (extranonce2Size ?? 0));
  // A pool sends the same coinb1/coinb2 to every miner (only extranonce1 differs), so one decode serves them all.
  const key = `${network}|${gap.length}|${job.coinb1}|${job.coinb2}`;
  const hit = recent.get(key);
  if (hit) {
    recent.delete(key);
    recent.set(key, hit);
    return hit;
  }
  const cb = decodeCoinbaseTx(hexToBytes(job.coinb1 + gap + job.coinb2), network);
  recent.set(key, cb);
  if (recent.size > RECENT_MAX) recent.delete(recent.keys().next().value!);
  return cb;
}

/** Recently decoded job coinbases (least recently used out first). Callers must not change what they get. */
const RECENT_MAX = 256;
const recent = new Map<string, Coinbase>();

/**
 * The payout check for solo-pool names (`address.worker`): null when the name does not start with an address valid
 * on this network; otherwise whether, and how much of the total, the coinbase pays it (compared by script).
 */
export function paysWorker(coinbase: Coinbase, worker: string, network: BitcoinNetwork): PaysWorker | null {
  const address = worker.split(".")[0] ?? "";
  const script = addressScript(address, network);
  if (script === null) return null;
  const value_sats = coinbase.outputs.filter((o) => o.script_hex === script).reduce((s, o) => s + o.value_sats, 0);
  const pays = coinbase.outputs.some((o) => o.script_hex === script);
  return { address, pays, value_sats, share_of_total: coinbase.total_sats > 0 ? value_sats / coinbase.total_sats : 0 };
}

/** An address's output script (hex), or null when it is no address on this network; remembered (bounded). */
const scripts = new Map<string, string | null>();
function addressScript(address: string, network: BitcoinNetwork): string | null {
  const key = `${network}|${address}`;
  let script = scripts.get(key);
  if (script !== undefined) return script;
  try {
    script = hexOf(OutScript.encode(Address(NETWORK_PARAMS[network]).decode(address)));
  } catch {
    script = null;
  }
  if (scripts.size >= 4096) scripts.clear();
  scripts.set(key, script);
  return script;
}
