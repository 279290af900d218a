import { isErrorMessage } from "../../capture/query";
import type { MessageRecord, SessionRecord } from "../../capture/records";
import { searchFields } from "../../capture/search";
import { autoReplayOff } from "../../sessions/record";
import type * as schema from "./schema";

/** Records ↔ PostgreSQL rows: the record whole as JSON text, plus the columns filters and retention use. */

export type PgMessageRow = typeof schema.messages.$inferInsert;
export type PgSessionRow = typeof schema.sessions.$inferInsert;

/** What `q` scans: the message's searchable texts and hex (capture/search.ts), one per line. */
export function searchText(m: MessageRecord): string {
  const f = searchFields(m);
  return [...f.texts, ...f.hex].join("\n");
}

export function messageToPgRow(m: MessageRecord, instance: string): PgMessageRow {
  const a = m.analysis;
  const submit = a?.type === "submit" ? a : null;
  const ms = Date.parse(m.ts);
  return {
    seq: m.seq,
    instance,
    session_id: m.session_id,
    direction: m.direction,
    kind: m.kind,
    method: m.method,
    ts_ms: Number.isFinite(ms) ? ms : 0,
    is_error: isErrorMessage(m),
    verdict: submit?.verdict ?? null,
    agrees: submit?.agrees ?? null,
    search: searchText(m),
    size_bytes: m.size_bytes,
    record: JSON.stringify(m),
  };
}

export function sessionToPgRow(s: SessionRecord, instance: string): PgSessionRow {
  return { id: s.id, instance, opened_at: s.opened_at, closed_at: s.closed_at, last_seen: s.last_seen, record: JSON.stringify(s) };
}

/** Rows were written from valid records; parse without re-validating (reads are hot), typed by the zod record. */
export const rowToMessage = (record: string): MessageRecord => JSON.parse(record) as MessageRecord;
/** Records saved before the auto-replay switch existed lack it: off. */
export const rowToSession = (record: string): SessionRecord => ({ auto_replay: autoReplayOff(), ...(JSON.parse(record) as Omit<SessionRecord, "auto_replay">) });
