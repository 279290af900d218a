import { isDerived } from "../capture/derived";
import { isErrorMessage } from "../capture/query";
import type { MessageRecord } from "../capture/records";
import { analysisOfValues, analysisValues } from "./analysis-column";
import type { Batch } from "./statements";

/**
 * How a batch crosses from the relay's thread to the SQLite writer thread: one JSON string (posting a string costs
 * about half of structured-cloning the records), in a form that keeps the relay thread's part small.
 *  - Each message is an array, not an object (no key names to write and read back).
 *  - json and decoded travel only for records not known to derive from their line (capture/derived.ts); the writer
 *    derives nothing it is sent and checks what it is sent (rows.ts). For the capture that is nearly every record:
 *    a farm batch's text is about half as long as the records'.
 *  - Each distinct long line appears once per batch (the pool sends every miner of a session group the same
 *    mining.notify, ~1.4 KB); messages carrying it name its index.
 * The PostgreSQL writer takes the same text (pg/sink.ts).
 */

/** A message as the writer turns it into a row. `whole`: json and decoded when they must be checked (see above). */
export type WireMessage = Omit<MessageRecord, "json" | "decoded"> & {
  is_error: boolean;
  whole: { json: unknown; decoded: Record<string, unknown> | null } | null;
};

export type WireBatch = Omit<Batch, "msgs"> & { msgs: WireMessage[] };

/** Lines at least this long are sent once per batch (a notify; a submit is ~150 characters). */
export const SHARED_LINE_MIN = 400;

type Tuple = [
  seq: number,
  id: string | null,
  session_id: string,
  direction: MessageRecord["direction"],
  ts: string,
  size_bytes: number,
  raw: string | number | null,
  raw_hex: string | null,
  kind: MessageRecord["kind"],
  method: string | null,
  rpc_id: MessageRecord["rpc_id"],
  parse_error: string | null,
  reply_to: string | null,
  latency_ms: number | null,
  truncated: boolean,
  /** As its values when its keys are the known ones (analysis-column.ts): ~half the characters to write and parse. */
  analysis: MessageRecord["analysis"] | unknown[],
  is_error: boolean,
  whole: WireMessage["whole"],
];
type Encoded = { lines: string[]; msgs: Tuple[]; sess: Batch["sess"]; telemetry: Batch["telemetry"]; seqHighWater: number };

export const toWireMessage = (m: MessageRecord): WireMessage => ({
  id: m.id,
  seq: m.seq,
  session_id: m.session_id,
  direction: m.direction,
  ts: m.ts,
  size_bytes: m.size_bytes,
  raw: m.raw,
  raw_hex: m.raw_hex,
  kind: m.kind,
  method: m.method,
  rpc_id: m.rpc_id,
  parse_error: m.parse_error,
  reply_to: m.reply_to,
  latency_ms: m.latency_ms,
  truncated: m.truncated,
  analysis: m.analysis,
  is_error: isErrorMessage(m),
  whole: isDerived(m) ? null : { json: m.json, decoded: m.decoded },
});

export const toWireBatch = (b: Batch): WireBatch => ({ ...b, msgs: b.msgs.map(toWireMessage) });

/** The relay thread's part: one pass over the records, no decoding. */
export function encodeBatch(b: Batch): string {
  const lines: string[] = [];
  const lineIndex = new Map<string, number>();
  const msgs = b.msgs.map((m): Tuple => {
    let raw: string | number | null = m.raw;
    if (raw !== null && raw.length >= SHARED_LINE_MIN) {
      let i = lineIndex.get(raw);
      if (i === undefined) {
        i = lines.push(raw) - 1;
        lineIndex.set(raw, i);
      }
      raw = i;
    }
    return [
      m.seq, m.id === String(m.seq) ? null : m.id, m.session_id, m.direction, m.ts, m.size_bytes, raw, m.raw_hex, m.kind,
      m.method, m.rpc_id, m.parse_error, m.reply_to, m.latency_ms, m.truncated,
      m.analysis === null ? null : (analysisValues(m.analysis) ?? m.analysis), isErrorMessage(m),
      isDerived(m) ? null : { json: m.json, decoded: m.decoded },
    ];
  });
  const out: Encoded = { lines, msgs, sess: b.sess, telemetry: b.telemetry, seqHighWater: b.seqHighWater };
  return JSON.stringify(out);
}

/** The writer thread's part. */
export function decodeBatch(text: string): WireBatch {
  const e = JSON.parse(text) as Encoded;
  const msgs = e.msgs.map((t): WireMessage => {
    const raw = t[6];
    return {
      seq: t[0],
      id: t[1] ?? String(t[0]),
      session_id: t[2],
      direction: t[3],
      ts: t[4],
      size_bytes: t[5],
      raw: typeof raw === "number" ? e.lines[raw]! : raw,
      raw_hex: t[7],
      kind: t[8],
      method: t[9],
      rpc_id: t[10],
      parse_error: t[11],
      reply_to: t[12],
      latency_ms: t[13],
      truncated: t[14],
      analysis: Array.isArray(t[15]) ? analysisOfValues(t[15]) : t[15],
      is_error: t[16],
      whole: t[17],
    };
  });
  return { msgs, sess: e.sess, telemetry: e.telemetry, seqHighWater: e.seqHighWater };
}

/** Pieces of one batch (sink.ts) as one: messages in order, sessions, telemetry and the highest high-water mark. */
export function joinBatches<B extends { msgs: unknown[]; sess: unknown[]; telemetry: unknown[]; seqHighWater: number }>(parts: B[]): B {
  if (parts.length === 1) return parts[0]!;
  const out = { ...parts[0]!, msgs: parts.flatMap((p) => p.msgs), sess: parts.flatMap((p) => p.sess), telemetry: parts.flatMap((p) => p.telemetry) };
  out.seqHighWater = Math.max(...parts.map((p) => p.seqHighWater));
  return out;
}
