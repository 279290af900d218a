import type { NotifyAnalysis, SubmitAnalysis, Verdict } from "../analysis/schema";
import type { MessageRecord } from "../capture/records";
import { difficulty } from "./format";
import type { Field } from "./fields";

/** HashScope's analysis of a message in plain words (detail page). Values are plain text, escaped by the template. */

export const VERDICT_WORDS: Record<Verdict, string> = {
  valid: "valid",
  block_candidate: "block candidate",
  low_difficulty: "low difficulty",
  unknown_job: "unknown job",
  stale: "stale",
  duplicate: "duplicate",
  bad_extranonce2_size: "bad extranonce2 size",
  bad_version_bits: "bad version bits",
  bad_ntime: "bad ntime",
  malformed: "malformed",
  unverifiable: "unverifiable",
};

const num = (v: number | null): string => (v === null ? "—" : difficulty(v));
export const btc = (sats: number): string => `${(sats / 1e8).toFixed(8)} BTC`;

export function analysisFields(m: MessageRecord): Field[] {
  const a = m.analysis;
  if (a === null) return [];
  return a.type === "submit" ? submitFields(a) : notifyFields(a);
}

function submitFields(a: SubmitAnalysis): Field[] {
  const out: Field[] = [{ label: "HashScope verdict", value: `${VERDICT_WORDS[a.verdict]}${a.reason ? ` — ${a.reason}` : ""}` }];
  if (a.job_message_id !== null) out.push({ label: "Job", value: `#${a.job_message_id}`, href: `/messages/${encodeURIComponent(a.job_message_id)}` });
  if (a.hash !== null) out.push({ label: "Share hash", value: a.hash, mono: true });
  if (a.difficulty !== null) out.push({ label: "Share difficulty", value: `${num(a.difficulty)} (job difficulty ${num(a.target_difficulty)})` });
  if (a.network_difficulty !== null) out.push({ label: "Network difficulty", value: num(a.network_difficulty) });
  if (a.merkle_root !== null) out.push({ label: "Merkle root", value: a.merkle_root, mono: true });
  out.push({
    label: "Pool answer",
    value: a.pool_result === null ? "not answered yet" : `${a.pool_result}${a.pool_error ? ` (${a.pool_error.code ?? "—"} ${a.pool_error.message ?? ""})` : ""}`,
  });
  if (a.agrees !== null) out.push({ label: "Pool agrees", value: a.agrees ? "yes" : "NO — the pool's answer differs from HashScope's check" });
  return out;
}

function notifyFields(a: NotifyAnalysis): Field[] {
  const out: Field[] = [
    { label: "New block", value: a.new_block ? "yes (prevhash changed)" : "no" },
    { label: "Network difficulty", value: num(a.network_difficulty) },
    { label: "Job difficulty", value: num(a.difficulty) },
  ];
  if (a.coinbase === null) out.push({ label: "Coinbase", value: `not decoded: ${a.coinbase_error ?? "unknown"}` });
  else {
    out.push({ label: "Block height", value: a.coinbase.height === null ? "— (no BIP34 height)" : String(a.coinbase.height) });
    out.push({ label: "Coinbase tag", value: a.coinbase.tag || "—" });
    out.push({ label: "Reward (all outputs)", value: btc(a.coinbase.total_sats) });
    out.push({
      label: "Outputs",
      value: a.coinbase.outputs.map((o) => `${o.type} ${o.address ?? "(no address)"} ${btc(o.value_sats)}`),
      mono: true,
    });
  }
  if (a.pays_worker)
    out.push({
      label: "Payout check",
      value: a.pays_worker.pays
        ? `pays ${a.pays_worker.address} ${btc(a.pays_worker.value_sats)} (${(a.pays_worker.share_of_total * 100).toFixed(2)}% of the reward)`
        : `does NOT pay ${a.pays_worker.address}`,
    });
  return out;
}

export type Badge = { label: string; cls: "ok" | "bad" | "warn" | "" };

/** Badges for a stream row: the verdict, a disagreement, a new block, a failed payout check. */
export function analysisBadges(m: MessageRecord): Badge[] {
  const a = m.analysis;
  if (a === null) return [];
  if (a.type === "submit") {
    const out: Badge[] = [];
    // The answer's row already says accepted/rejected; the verdict belongs on the submit (and on the answer when they differ).
    if (m.kind === "request" || a.agrees === false)
      out.push({ label: VERDICT_WORDS[a.verdict], cls: a.verdict === "valid" || a.verdict === "block_candidate" ? "ok" : "warn" });
    if (a.agrees === false) out.push({ label: "pool disagrees", cls: "bad" });
    return out;
  }
  const out: Badge[] = [];
  if (a.new_block) out.push({ label: "new block", cls: "" });
  if (a.pays_worker && !a.pays_worker.pays) out.push({ label: "does not pay worker", cls: "bad" });
  return out;
}
