import { LATENCY_BUCKETS_MS, Verdict } from "../../analysis/schema";
import type { Services } from "../services";
import { fleetFamilies } from "./fleet-metrics";
import type { stats as statsOf } from "./stats";

/** The Prometheus text format (version 0.0.4) for /metrics: HELP and TYPE for every family, base units, _total counters. */

export type Sample = { labels?: Record<string, string>; value: number; suffix?: string };
export type Family = { name: string; type: "gauge" | "counter" | "histogram"; help: string; samples: Sample[] };

const escapeLabel = (v: string): string => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
const escapeHelp = (v: string): string => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
const num = (v: number): string => (Number.isFinite(v) ? String(v) : v > 0 ? "+Inf" : v < 0 ? "-Inf" : "NaN");

function render(families: Family[]): string {
  const out: string[] = [];
  for (const f of families) {
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = s.labels && Object.keys(s.labels).length
        ? `{${Object.entries(s.labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}}`
        : "";
      out.push(`${f.name}${s.suffix ?? ""}${labels} ${num(s.value)}`);
    }
  }
  return out.join("\n") + "\n";
}

const one = (name: string, type: Family["type"], help: string, value: number): Family => ({ name, type, help, samples: [{ value }] });

export function metricsText(svc: Services, s: ReturnType<typeof statsOf>): string {
  const a = s.analysis;
  // Per worker: the sum over the sessions in memory whose first worker name it is.
  const byWorker = new Map<string, { m1: number; m15: number; h1: number }>();
  const mono = performance.now();
  svc.capture.forEachFigures((id, f) => {
    const worker = svc.store.getSession(id)?.workers[0];
    if (worker === undefined) return;
    const w = byWorker.get(worker) ?? { m1: 0, m15: 0, h1: 0 };
    w.m1 += f.hashrate(mono, 60_000);
    w.m15 += f.hashrate(mono, 900_000);
    w.h1 += f.hashrate(mono, 3_600_000);
    byWorker.set(worker, w);
  });
  const latency: Sample[] = [];
  for (const [method, l] of Object.entries(a.latency_by_method)) {
    LATENCY_BUCKETS_MS.forEach((b, i) => latency.push({ suffix: "_bucket", labels: { method, le: String(b / 1000) }, value: l.buckets[i]! }));
    latency.push({ suffix: "_bucket", labels: { method, le: "+Inf" }, value: l.count });
    latency.push({ suffix: "_sum", labels: { method }, value: l.sum_ms / 1000 });
    latency.push({ suffix: "_count", labels: { method }, value: l.count });
  }
  return render([
    one("hashscope_sessions_live", "gauge", "Miner sessions connected now.", s.sessions.live),
    one("hashscope_sessions_total", "counter", "Miner sessions opened since start.", s.sessions.total),
    one("hashscope_messages_total", "counter", "Stratum lines captured since start.", s.messages.total),
    one("hashscope_messages_in_memory", "gauge", "Captured lines held in memory.", s.messages.in_memory),
    one("hashscope_parse_errors_total", "counter", "Captured lines that did not parse or decode.", s.messages.parse_errors),
    one("hashscope_bytes_up_total", "counter", "Bytes relayed miner to pool.", s.bytes.up),
    one("hashscope_bytes_down_total", "counter", "Bytes relayed pool to miner.", s.bytes.down),
    one("hashscope_submits_total", "counter", "mining.submit requests from miners.", s.shares.submits),
    one("hashscope_shares_accepted_total", "counter", "Miner submits the pool accepted.", s.shares.accepted),
    one("hashscope_shares_rejected_total", "counter", "Miner submits the pool rejected.", s.shares.rejected),
    one("hashscope_sessions_refused_total", "counter", "Miners refused at connect because MAX_SESSIONS were open.", s.sessions.refused),
    one("hashscope_capture_dropped_bytes_total", "counter", "Bytes relayed but not captured (capture backlog full or shed for memory).", s.capture.dropped_bytes),
    one("hashscope_capture_shed_bytes_total", "counter", "Bytes relayed but not captured because RSS passed the MAX_MEMORY_MB threshold.", s.capture.shed_bytes),
    one("hashscope_capture_backlog_bytes", "gauge", "Bytes waiting for capture in all sessions.", s.capture.backlog_bytes),
    one("hashscope_capture_store_bytes", "gauge", "Bytes of captured messages held in memory.", s.capture.store_bytes),
    one("hashscope_capture_evicted_for_bytes_total", "counter", "Messages evicted from memory to stay under CAPTURE_MAX_BYTES.", s.capture.evicted_for_bytes),
    one("hashscope_relay_up", "gauge", "1 while the relay listens and relays; 0 once it stopped (its thread died: /health says down).", s.relay.up ? 1 : 0),
    one("hashscope_relay_ring_bytes", "gauge", "Bytes waiting in the relay thread's hand-over ring (0 when the relay runs on the main thread).", s.relay.ring?.used_bytes ?? 0),
    one("hashscope_relay_ring_capacity_bytes", "gauge", "Size of the relay thread's hand-over ring (RELAY_RING_BYTES; 0 without the thread).", s.relay.ring?.capacity_bytes ?? 0),
    one("hashscope_relay_ring_dropped_bytes_total", "counter", "Bytes relayed whose capture was dropped because the relay thread's ring was full.", s.relay.ring?.dropped_bytes ?? 0),
    one("hashscope_memory_rss_bytes", "gauge", "Resident set size of the process.", s.memory?.rss_bytes ?? 0),
    one("hashscope_memory_shedding", "gauge", "1 while capture is shed for memory, else 0.", s.memory?.shedding ? 1 : 0),
    one("hashscope_memory_shed_episodes_total", "counter", "Times capture started shedding for memory.", s.memory?.shed_episodes ?? 0),
    one("hashscope_stream_clients", "gauge", "Server-Sent Events clients connected.", s.streams.clients),
    one("hashscope_stream_refused_total", "counter", "Stream clients refused at SSE_MAX_CLIENTS.", s.streams.refused),
    one("hashscope_stream_overflowed_total", "counter", "Stream clients ended because they passed SSE_CLIENT_MAX_BYTES unread.", s.streams.overflowed),
    one("hashscope_db_queued", "gauge", "Messages waiting for the database writer.", s.writer?.queued ?? 0),
    one("hashscope_db_queued_bytes", "gauge", "Bytes waiting for the database writer.", s.writer?.queued_bytes ?? 0),
    one("hashscope_db_dropped_total", "counter", "Messages dropped because the database write queue was full.", s.writer?.dropped ?? 0),
    one("hashscope_db_write_failures_total", "counter", "Database write batches that failed.", s.writer?.write_failures ?? 0),
    {
      name: "hashscope_worker_hashrate_hashes_per_second",
      type: "gauge",
      help: "Hashrate from shares HashScope found valid (job difficulty x 2^32 per second), per worker and window.",
      samples: [...byWorker].flatMap(([worker, w]) =>
        (["1m", "15m", "1h"] as const).map((window) => ({ labels: { worker, window }, value: window === "1m" ? w.m1 : window === "15m" ? w.m15 : w.h1 })),
      ),
    },
    {
      name: "hashscope_share_verdicts_total",
      type: "counter",
      help: "Miner submits by HashScope's own verdict, decided before the pool answered.",
      samples: Verdict.options.map((verdict) => ({ labels: { verdict }, value: a.by_verdict[verdict] ?? 0 })),
    },
    {
      name: "hashscope_pool_results_total",
      type: "counter",
      help: "Pool answers to miner submits, by result.",
      samples: [
        { labels: { result: "accepted" }, value: a.by_pool_result.accepted },
        { labels: { result: "rejected" }, value: a.by_pool_result.rejected },
      ],
    },
    one("hashscope_pool_disagreements_total", "counter", "Pool answers that differ from HashScope's verdict (a valid share rejected or a bad one accepted).", a.disagreements),
    one("hashscope_payout_mismatches_total", "counter", "Jobs whose coinbase does not pay the address the worker name starts with.", a.payout_mismatches),
    { name: "hashscope_pool_latency_seconds", type: "histogram", help: "Time from a request to the pool's answer, per method.", samples: latency },
    ...fleetFamilies(svc),
  ]);
}
