import { z } from "zod";
import { MessageRecord, SessionRecord } from "../capture/records";
import type { Db } from "./open";
import { getSession, messagesAfter } from "./reader";
import { rowToSession } from "./session-rows";
import { sessions } from "./schema";

/**
 * The export format, JSON Lines: first one `{"type":"session", ...Session}` line per session, then one
 * `{"type":"message", ...Message}` line per message in seq order. A message line is a Message with one extra field,
 * so tools that only want messages can parse every `type:"message"` line as a Message. Import also accepts plain
 * Message lines (no `type`).
 */
export const SessionLine = SessionRecord.extend({ type: z.literal("session") });
export const MessageLine = MessageRecord.extend({ type: z.literal("message") });
export type ExportItem = { type: "session"; session: SessionRecord } | { type: "message"; message: MessageRecord };

/** Parse and validate one line; an error message names what is wrong. */
export function parseLine(line: string): ExportItem | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return "not JSON";
  }
  if (typeof value === "object" && value !== null && "type" in value && value.type === "session") {
    const r = SessionLine.safeParse(value);
    if (!r.success) return `invalid session: ${z.prettifyError(r.error).replaceAll("\n", " ")}`;
    const { type: _t, ...session } = r.data;
    return { type: "session", session };
  }
  const r = (typeof value === "object" && value !== null && "type" in value ? MessageLine : MessageRecord).safeParse(value);
  if (!r.success) return `invalid message: ${z.prettifyError(r.error).replaceAll("\n", " ")}`;
  const { type: _t, ...message } = { type: "message", ...r.data };
  return { type: "message", message };
}

const PAGE = 1_000;

/** Stream a session's (or every session's) records as JSON Lines, paging through the database. */
export function exportStream(db: Db, sessionId?: string): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  let after = 0;
  let sessionsDone = false;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!sessionsDone) {
        sessionsDone = true;
        const list =
          sessionId !== undefined
            ? [getSession(db, sessionId)].filter((s) => s !== undefined)
            : db.select().from(sessions).orderBy(sessions.opened_at, sessions.id).all().map(rowToSession);
        const text = list.map((s) => JSON.stringify({ type: "session", ...s }) + "\n").join("");
        if (text) controller.enqueue(enc.encode(text));
        return;
      }
      const page = messagesAfter(db, { session_id: sessionId }, after, PAGE);
      if (page.length === 0) return controller.close();
      after = page[page.length - 1]!.seq;
      controller.enqueue(enc.encode(page.map((m) => JSON.stringify({ type: "message", ...m }) + "\n").join("")));
    },
  });
}
