import type { PoolView } from "../../mitm/blocks";
import type { AgentView } from "../../mitm/fleet";
import { count, difficulty, latency } from "../format";
import { html, type Raw } from "../html";

/**
 * Pools side by side (an agent's POOL_HOST may differ from the miners' pool): per pool target, who watches it, how
 * often it had a new block first and how late otherwise, empty templates, the newest template's coinbase and fees, and
 * the share difficulty it set. Sent over the fleet stream too (event `fleet-pools`).
 */

const btc = (sat: number | null): string => (sat === null ? "—" : (sat / 1e8).toFixed(8));

export type PoolDifficulty = { pool: string; difficulty: number | null };

export function poolDifficulties(agents: readonly AgentView[], own: readonly PoolDifficulty[]): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  const add = (pool: string, d: number | null) => {
    if (d === null) return;
    const set = out.get(pool) ?? new Set<number>();
    set.add(d);
    out.set(pool, set);
  };
  for (const a of agents) add(`${a.pool_target.host}:${a.pool_target.port}`, a.difficulty);
  for (const o of own) add(o.pool, o.difficulty);
  return out;
}

export function poolsSection(pools: readonly PoolView[], difficulties: Map<string, Set<number>>): Raw {
  return html`<section id="fleet-pools" class="fleet-pools">
<h2>Pools side by side</h2>
<p class="muted">Each pool target, over the blocks kept: new blocks it delivered (first of all sources, and the median ms after the first otherwise), empty templates (no transactions but the coinbase), the newest template's coinbase value and fees (value minus the subsidy at its height), and the share difficulty it set on each connection.</p>
${
  pools.length
    ? html`<div class="table-wrap"><table class="pools">
<thead><tr><th scope="col">pool</th><th scope="col">seen by</th><th scope="col">blocks</th><th scope="col">first</th><th scope="col">median later</th><th scope="col">empty</th><th scope="col">height</th><th scope="col">coinbase (BTC)</th><th scope="col">fees (BTC)</th><th scope="col">outputs</th><th scope="col">branches</th><th scope="col">difficulty</th></tr></thead>
<tbody>${pools.map(
        (p) => html`<tr><td class="mono">${p.pool}</td><td>${p.sources.join(", ")}</td><td>${count(p.blocks)}</td><td>${count(p.first)}</td><td>${p.delay_ms_p50 === null ? "—" : latency(p.delay_ms_p50)}</td><td>${p.empty_templates ? html`<span class="st warn">${count(p.empty_templates)}</span>` : "0"}</td><td>${p.last?.height === null || !p.last ? "—" : count(p.last.height)}</td><td class="mono">${btc(p.last?.coinbase_value_sat ?? null)}</td><td class="mono">${btc(p.last?.fees_sat ?? null)}</td><td>${p.last?.coinbase_outputs ?? "—"}</td><td>${p.last ? String(p.last.merkle_branches) : "—"}</td><td>${[...(difficulties.get(p.pool) ?? [])].map((d) => difficulty(d)).join(", ") || "—"}</td></tr>`,
      )}</tbody></table></div>`
    : html`<p class="empty">No pool has sent a job yet.</p>`
}
</section>`;
}
