import { Elysia } from "elysia";
import { z } from "zod";
import { MessageQuery } from "../../capture/query";
import { InstanceId } from "../../instance-id";
import type { MessageRecord } from "../../capture/records";
import { history } from "../history";
import type { Services } from "../services";

/** `GET /api/messages/download`: the messages of a filter (newest first) as JSON Lines or CSV, read in pages from history. */

const DownloadQuery = MessageQuery.omit({ limit: true }).extend({
  format: z.enum(["jsonl", "csv"]).default("jsonl"),
  /** The most messages in one download. */
  limit: z.coerce.number().int().min(1).max(100_000).default(10_000),
  /** Only what that HashScope instance stored (as /api/messages). */
  instance: InstanceId.optional(),
});

const PAGE = 1000;
export const CSV_COLUMNS = [
  "seq", "ts", "session_id", "direction", "kind", "method", "rpc_id", "latency_ms",
  "verdict", "difficulty", "pool_result", "agrees", "parse_error", "raw",
] as const;

/** One CSV cell: quoted when needed; a leading = + - @ is defused so spreadsheets do not run traffic text as a formula. */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  let s = typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v);
  if (/^[=+\-@\t\r]/.test(s) && typeof v === "string") s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(m: MessageRecord): string {
  const a = m.analysis?.type === "submit" ? m.analysis : null;
  const cells: Record<(typeof CSV_COLUMNS)[number], unknown> = {
    seq: m.seq, ts: m.ts, session_id: m.session_id, direction: m.direction, kind: m.kind, method: m.method, rpc_id: m.rpc_id,
    latency_ms: m.latency_ms, verdict: a?.verdict, difficulty: a?.difficulty, pool_result: a?.pool_result, agrees: a?.agrees,
    parse_error: m.parse_error, raw: m.raw ?? m.raw_hex,
  };
  return CSV_COLUMNS.map((c) => csvCell(cells[c])).join(",") + "\r\n";
}

export const downloadRoutes = (svc: Services) =>
  new Elysia().get(
    "/api/messages/download",
    ({ query, request }) => {
      const { format, limit, before, ...filter } = query;
      const h = history(svc);
      const enc = new TextEncoder();
      let cursor = before;
      let sent = 0;
      let header = format === "csv";
      const body = new ReadableStream<Uint8Array>({
        async pull(ctrl) {
          if (header) {
            header = false;
            ctrl.enqueue(enc.encode(CSV_COLUMNS.join(",") + "\r\n"));
            return;
          }
          if (sent >= limit || request.signal.aborted) return ctrl.close();
          const page = await h.messages(filter, Math.min(PAGE, limit - sent), cursor);
          if (page.length === 0) return ctrl.close();
          sent += page.length;
          cursor = page[page.length - 1]!.seq;
          ctrl.enqueue(enc.encode(page.map((m) => (format === "csv" ? csvRow(m) : JSON.stringify(m) + "\n")).join("")));
        },
      });
      return new Response(body, {
        headers: {
          "content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
          "content-disposition": `attachment; filename="hashscope-messages.${format}"`,
        },
      });
    },
    {
      query: DownloadQuery,
      detail: { summary: "The messages of a filter, newest first, as JSON Lines or CSV (`format`, `limit` 1..100000, 10000)", tags: ["messages"] },
    },
  );
