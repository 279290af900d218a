import { z } from "zod";
import { Direction, MessageKind, type MessageRecord } from "./records";
import { Verdict } from "../analysis/schema";
import { matchesSearch } from "./search";

/** Message filters shared by the JSON API, the SSE stream and the UI (README.md#json-api). */
export const ShareFilter = z.enum(["low", "block"]);
export type ShareFilter = z.infer<typeof ShareFilter>;

export const MessageQuery = z.object({
  session_id: z.string().min(1).max(128).optional(),
  direction: Direction.optional(),
  method: z.string().min(1).max(128).optional(),
  kind: MessageKind.optional(),
  errors: z
    .enum(["true", "false", "1", "0"])
    .transform((v) => v === "true" || v === "1")
    .optional(),
  q: z.string().min(1).max(256).optional(),
  /** Miner submits by HashScope's own share check: `low` (below the job's difficulty), `block` (a block candidate). */
  share: ShareFilter.optional(),
  /** Miner submits (and the pool's answers to them) whose answer matches HashScope's verdict, or not (`false`). */
  agrees: z
    .enum(["true", "false", "1", "0"])
    .transform((v) => v === "true" || v === "1")
    .optional(),
  /** Miner submits (and their answers) with this verdict. */
  verdict: Verdict.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  before: z.coerce.number().int().positive().optional(),
});
export type MessageQuery = z.infer<typeof MessageQuery>;
export type MessageFilter = Omit<MessageQuery, "limit" | "before">;

/** A message is an error when its line did not parse or when it is a response carrying an error/false result. */
export const isErrorMessage = (m: MessageRecord): boolean =>
  m.parse_error !== null || (m.kind === "response" && m.decoded !== null && m.decoded.ok === false);

export function matchesFilter(m: MessageRecord, f: MessageFilter): boolean {
  if (f.session_id !== undefined && m.session_id !== f.session_id) return false;
  if (f.direction !== undefined && m.direction !== f.direction) return false;
  if (f.method !== undefined && m.method !== f.method) return false;
  if (f.kind !== undefined && m.kind !== f.kind) return false;
  if (f.errors === true && !isErrorMessage(m)) return false;
  if (f.share !== undefined && !shareMatches(m, f.share)) return false;
  if (f.agrees !== undefined && (m.analysis?.type !== "submit" || m.analysis.agrees !== f.agrees)) return false;
  if (f.verdict !== undefined && (m.analysis?.type !== "submit" || m.analysis.verdict !== f.verdict)) return false;
  if (f.q !== undefined && !matchesSearch(m, f.q)) return false;
  return true;
}

/** By the verdict of a miner's submit (analysis/verdict.ts). */
function shareMatches(m: MessageRecord, want: ShareFilter): boolean {
  if (m.analysis?.type !== "submit" || m.kind !== "request") return false;
  return m.analysis.verdict === (want === "low" ? "low_difficulty" : "block_candidate");
}
