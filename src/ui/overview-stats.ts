import { stats } from "../http/api/stats";
import type { Services } from "../http/services";
import type { FiguresOf } from "./views/sessions";

/** Per-session figures for the session tables (hashrate, best share, latency columns). */
export const figuresOf = (svc: Services): FiguresOf => (id) => svc.capture.sessionFigures(id);

/**
 * Message rate over a sliding window, from the store's running total. Sampled whenever someone asks (page render,
 * once a second per overview stream), so no timer of its own.
 */
export class RateMeter {
  private samples: { t: number; total: number }[] = [];

  constructor(private readonly windowMs = 5000) {}

  rate(total: number, now = performance.now()): number {
    const s = this.samples;
    if (s.length === 0 || now - s[s.length - 1]!.t >= 250) s.push({ t: now, total });
    while (s.length > 2 && now - s[1]!.t >= this.windowMs) s.shift();
    const first = s[0]!;
    const dt = now - first.t;
    return dt < 500 ? 0 : ((total - first.total) * 1000) / dt;
  }
}

/** What the overview cards show (and what its SSE `stats` event carries, as JSON). */
export type OverviewStats = {
  sessions_live: number;
  sessions_total: number;
  messages_total: number;
  messages_per_s: number;
  submits: number;
  accepted: number;
  rejected: number;
  agents_online: number;
  agents_total: number;
  uptime_s: number;
};

export function overviewStats(svc: Services, meter: RateMeter): OverviewStats {
  const s = stats(svc);
  const agents = svc.fleet?.counts() ?? { online: 0, total: 0 };
  return {
    sessions_live: s.sessions.live,
    sessions_total: s.sessions.total,
    messages_total: s.messages.total,
    messages_per_s: Math.round(meter.rate(s.messages.total) * 10) / 10,
    submits: s.shares.submits,
    accepted: s.shares.accepted,
    rejected: s.shares.rejected,
    agents_online: agents.online,
    agents_total: agents.total,
    uptime_s: s.uptime_s,
  };
}
