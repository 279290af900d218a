import type { BlockView, ClockView, Sighting } from "../../mitm/blocks";
import { count, dateTime } from "../format";
import { html, type Raw } from "../html";

/**
 * Block propagation on the fleet page: a server-rendered SVG chart (ms after the first source, per block and source)
 * and a table with what each source's job was. Source names come from the wire: escaped like everything else.
 * Also sent whole over the fleet stream (event `fleet-blocks`).
 */

const SHOWN = 12;
const PALETTE = ["#2f7ed8", "#d8742f", "#3aa655", "#b8459b", "#8a6d3b", "#c0392b", "#16a2b8", "#6c757d"];
const btc = (sat: number | null): string => (sat === null ? "—" : (sat / 1e8).toFixed(8));
const sourceName = (s: { source: string; region: string | null }): string => (s.region ? `${s.source} (${s.region})` : s.source);

/** Sources in a stable order: HashScope first, then by id. */
function sourcesOf(blocks: readonly BlockView[]): string[] {
  const set = new Set<string>();
  for (const b of blocks) for (const s of b.sightings) set.add(s.source);
  return [...set].sort((a, b) => (a === "hashscope" ? -1 : b === "hashscope" ? 1 : a.localeCompare(b)));
}

function chart(blocks: readonly BlockView[], sources: readonly string[]): Raw {
  const W = 640;
  const left = 90;
  const row = 22;
  const H = 30 + row * blocks.length;
  const delays = blocks.flatMap((b) => b.sightings.map((s) => s.delay_ms ?? 0));
  const max = Math.max(1, ...delays);
  const x = (ms: number): number => left + Math.round(((W - left - 20) * ms) / max);
  const color = (src: string): string => PALETTE[sources.indexOf(src) % PALETTE.length]!;
  return html`<svg class="blocks-chart" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-labelledby="blocks-chart-title">
<title id="blocks-chart-title">Milliseconds after the first source, per block (newest at the top)</title>
<line x1="${left}" y1="18" x2="${left}" y2="${H - 4}" stroke="#999" />
<text x="${left}" y="12" font-size="10" text-anchor="middle">0 ms</text>
<text x="${W - 20}" y="12" font-size="10" text-anchor="end">${count(Math.round(max))} ms</text>
${blocks.map((b, i) => {
  const y = 30 + i * row;
  return html`<g>
<text x="4" y="${y + 4}" font-size="11">${b.height === null ? "?" : count(b.height)}</text>
<line x1="${left}" y1="${y}" x2="${W - 20}" y2="${y}" stroke="#ddd" />
${b.sightings
  .filter((s) => s.delay_ms !== null)
  .map((s) => html`<circle cx="${x(s.delay_ms ?? 0)}" cy="${y}" r="5" fill="${color(s.source)}"><title>${sourceName(s)} · ${s.pool} · +${count(Math.round(s.delay_ms ?? 0))} ms</title></circle>`)}
</g>`;
})}
</svg>
<p class="legend">${sources.map((s) => html`<span class="key"><svg class="swatch" width="10" height="10" aria-hidden="true"><circle cx="5" cy="5" r="5" fill="${color(s)}" /></svg>${s}</span> `)}</p>`;
}

function cell(s: Sighting | undefined): Raw {
  if (!s) return html`<td class="muted">—</td>`;
  const facts = `job ${s.job_id} · ${s.merkle_branches} branches · coinbase ${btc(s.coinbase_value_sat)} BTC (${s.coinbase_outputs ?? "?"} outputs) · ${s.jobs} jobs · pool ${s.pool}`;
  if (s.joined) return html`<td class="muted" title="${facts}">joined</td>`;
  return html`<td title="${facts}"><b>${s.delay_ms === 0 ? "first" : `+${count(Math.round(s.delay_ms ?? 0))} ms`}</b>${s.empty ? html` <span class="st warn">empty</span>` : ""}<br><span class="muted mono">${btc(s.coinbase_value_sat)}</span></td>`;
}

export function blocksSection(blocks: readonly BlockView[], clocks: readonly ClockView[]): Raw {
  const shown = blocks.slice(0, SHOWN);
  const sources = sourcesOf(shown);
  const body = shown.length
    ? html`${chart(shown, sources)}
<div class="table-wrap"><table class="blocks">
<thead><tr><th scope="col">height</th><th scope="col">previous block</th><th scope="col">first</th>${sources.map((s) => html`<th scope="col">${s}</th>`)}</tr></thead>
<tbody>${shown.map(
        (b) => html`<tr><td>${b.height === null ? "?" : count(b.height)}</td><td class="mono" title="${b.prev_block_hash}">…${b.prev_block_hash.slice(-12)}</td><td>${b.first ? html`${sourceName(b.first)}<br><span class="muted">${dateTime(b.first.at)}</span>` : html`<span class="muted">—</span>`}</td>${sources.map((src) => cell(b.sightings.find((s) => s.source === src)))}</tr>`,
      )}</tbody></table></div>`
    : html`<p class="empty">No new block seen yet. A block shows here when a job on a new previous block reaches HashScope's miners or an agent.</p>`;
  return html`<section id="fleet-blocks" class="fleet-blocks">
<h2>Block propagation</h2>
<p class="muted">Per new block: when each source (HashScope's own miners, per pool; each agent on its own pool connection) got its first job building on it, in ms after the first one, on HashScope's clock. Agent clocks are corrected by their measured offset (${
    clocks.length ? clocks.map((c, i) => html`${i ? ", " : ""}${c.agent_id} ${c.offset_ms === null ? "?" : `${c.offset_ms >= 0 ? "+" : ""}${count(c.offset_ms)} ms`}`) : "none yet"
  }), which includes the fastest relay delivery seen, so an agent can look late by that much, never early. "joined": the source connected while the block was already current. Hover a cell for the job's facts.</p>
${body}
</section>`;
}
