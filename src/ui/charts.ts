import { LATENCY_BUCKETS_MS, type LatencySummary, type MinutePoint } from "../analysis/schema";
import { html, type Raw } from "./html";

/**
 * Server-rendered SVG charts (no JavaScript needed; the live pages replace them with fresh ones). Numbers only reach
 * the markup through the escaping template; labels are our own text.
 */

const W = 600;
const H = 140;
const PAD = { l: 56, r: 8, t: 8, b: 20 };

export function hashrateText(hs: number): string {
  const units = ["H/s", "kH/s", "MH/s", "GH/s", "TH/s", "PH/s", "EH/s", "ZH/s"];
  let v = hs;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[i]}`;
}

const f1 = (n: number): string => n.toFixed(1);
const minuteLabel = (iso: string): string => iso.slice(11, 16);

function frame(title: string, yTop: string, body: Raw, xFirst: string, xLast: string): Raw {
  return html`<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${title}" xmlns="http://www.w3.org/2000/svg"><title>${title}</title><line class="axis" x1="${PAD.l}" y1="${H - PAD.b}" x2="${W - PAD.r}" y2="${H - PAD.b}"/><line class="axis" x1="${PAD.l}" y1="${PAD.t}" x2="${PAD.l}" y2="${H - PAD.b}"/><text class="tick" x="${PAD.l - 4}" y="${PAD.t + 8}" text-anchor="end">${yTop}</text><text class="tick" x="${PAD.l - 4}" y="${H - PAD.b}" text-anchor="end">0</text><text class="tick" x="${PAD.l}" y="${H - 4}">${xFirst}</text><text class="tick" x="${W - PAD.r}" y="${H - 4}" text-anchor="end">${xLast}</text>${body}</svg>`;
}

/** Hashrate per minute over the last hour, as a line. */
export function hashrateChart(series: MinutePoint[]): Raw {
  const max = Math.max(...series.map((p) => p.hashrate_hs), 0);
  const plotW = W - PAD.l - PAD.r;
  const plotH = H - PAD.t - PAD.b;
  const x = (i: number) => PAD.l + (series.length > 1 ? (i * plotW) / (series.length - 1) : 0);
  const y = (v: number) => H - PAD.b - (max > 0 ? (v / max) * plotH : 0);
  const pts = series.map((p, i) => `${f1(x(i))},${f1(y(p.hashrate_hs))}`).join(" ");
  const body = html`<polyline class="line" fill="none" points="${pts}"/>`;
  return frame("Hashrate per minute, last hour", max > 0 ? hashrateText(max) : "—", body, series[0] ? minuteLabel(series[0].t) : "", series.length ? `${minuteLabel(series[series.length - 1]!.t)} UTC` : "");
}

/** Pool answers per minute: accepted stacked under rejected. */
export function answersChart(series: MinutePoint[]): Raw {
  const max = Math.max(...series.map((p) => p.accepted + p.rejected), 0);
  const plotW = W - PAD.l - PAD.r;
  const plotH = H - PAD.t - PAD.b;
  const bw = series.length ? plotW / series.length : 0;
  const h = (v: number) => (max > 0 ? (v / max) * plotH : 0);
  const bars = series.map((p, i) => {
    const xa = PAD.l + i * bw + 0.5;
    const ha = h(p.accepted);
    const hr = h(p.rejected);
    return html`<rect class="ok" x="${f1(xa)}" y="${f1(H - PAD.b - ha)}" width="${f1(Math.max(bw - 1, 0.5))}" height="${f1(ha)}"><title>${minuteLabel(p.t)}: ${p.accepted} accepted</title></rect><rect class="bad" x="${f1(xa)}" y="${f1(H - PAD.b - ha - hr)}" width="${f1(Math.max(bw - 1, 0.5))}" height="${f1(hr)}"><title>${minuteLabel(p.t)}: ${p.rejected} rejected</title></rect>`;
  });
  return frame("Accepted (green) and rejected (red) shares per minute, last hour", String(max), html`${bars}`, series[0] ? minuteLabel(series[0].t) : "", series.length ? `${minuteLabel(series[series.length - 1]!.t)} UTC` : "");
}

/** Pool latency histogram (answers per bucket, from the cumulative counts). */
export function latencyChart(l: LatencySummary | undefined, method: string): Raw {
  const cum = l?.buckets ?? new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  const per = cum.map((c, i) => c - (i > 0 ? cum[i - 1]! : 0));
  const labels = [...LATENCY_BUCKETS_MS.map((b) => (b >= 1000 ? `${b / 1000}s` : `${b}`)), "more"];
  const bounds = [...LATENCY_BUCKETS_MS.map((b) => `≤ ${b} ms`), `> ${LATENCY_BUCKETS_MS[LATENCY_BUCKETS_MS.length - 1]} ms`];
  const max = Math.max(...per, 0);
  const plotW = W - PAD.l - PAD.r;
  const plotH = H - PAD.t - PAD.b;
  const bw = plotW / per.length;
  const bars = per.map((n, i) => {
    const hgt = max > 0 ? (n / max) * plotH : 0;
    return html`<rect class="bar" x="${f1(PAD.l + i * bw + 1)}" y="${f1(H - PAD.b - hgt)}" width="${f1(bw - 2)}" height="${f1(hgt)}"><title>${bounds[i]}: ${n}</title></rect><text class="tick" x="${f1(PAD.l + i * bw + bw / 2)}" y="${H - 4}" text-anchor="middle">${labels[i]}</text>`;
  });
  return html`<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="Pool latency of ${method}, ms" xmlns="http://www.w3.org/2000/svg"><title>Pool latency of ${method} (ms, answers per bucket)</title><line class="axis" x1="${PAD.l}" y1="${H - PAD.b}" x2="${W - PAD.r}" y2="${H - PAD.b}"/><text class="tick" x="${PAD.l - 4}" y="${PAD.t + 8}" text-anchor="end">${max}</text>${bars}</svg>`;
}

