import type { Direction } from "../capture/records";

/** Small pure formatters for the pages. */

export const DIRECTION_ARROW: Record<Direction, string> = {
  miner_to_pool: "→",
  pool_to_miner: "←",
  hashscope_to_pool: "⇢",
};

export const DIRECTION_WORDS: Record<Direction, string> = {
  miner_to_pool: "miner → pool",
  pool_to_miner: "pool → miner",
  hashscope_to_pool: "HashScope → pool",
};

/** "12:34:56.789" (UTC) from an ISO timestamp. */
export const clock = (iso: string): string => (iso.length >= 23 ? iso.slice(11, 23) : iso);

/** "2026-11-23 12:34:56Z" */
export const dateTime = (iso: string | null): string => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z` : "—");

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export const latency = (ms: number | null): string =>
  ms === null ? "" : ms < 10 ? `${ms.toFixed(2)} ms` : ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`;

export function difficulty(d: number | null): string {
  if (d === null) return "—";
  if (d >= 1e6 || (d > 0 && d < 1e-3)) return d.toExponential(3);
  return String(Number(d.toPrecision(6)));
}

/** A 4-byte big-endian hex time (ntime) as an ISO date; "" when not a sane value. */
export function ntimeDate(hex: unknown): string {
  if (typeof hex !== "string" || !/^[0-9a-fA-F]{8}$/.test(hex)) return "";
  const t = parseInt(hex, 16);
  return `${new Date(t * 1000).toISOString().slice(0, 19)}Z`;
}

/** Short session label: the tail of the id is the part that differs. */
export const shortId = (id: string): string => (id.length > 10 ? `…${id.slice(-8)}` : id);

export const count = (n: number): string => n.toLocaleString("en-US");

/** Cut long text for table cells; the detail page shows everything. */
export const clip = (s: string, max = 120): string => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

export function compactJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
