import type { PgDb } from "./open";
import { allSessions, getSession, messagesAfter } from "./reads";

const PAGE = 1_000;

/** The export format of ../export.ts (JSON Lines: sessions first, then messages in seq order), from PostgreSQL. */
export function pgExportStream(db: PgDb, sessionId?: string): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  let after = 0;
  let sessionsDone = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!sessionsDone) {
        sessionsDone = true;
        const list =
          sessionId !== undefined ? [await getSession(db, sessionId)].filter((s) => s !== undefined) : await allSessions(db);
        const text = list.map((s) => JSON.stringify({ type: "session", ...s }) + "\n").join("");
        if (text) controller.enqueue(enc.encode(text));
        return;
      }
      const page = await messagesAfter(db, { session_id: sessionId }, after, PAGE);
      if (page.length === 0) return controller.close();
      after = page[page.length - 1]!.seq;
      controller.enqueue(enc.encode(page.map((m) => JSON.stringify({ type: "message", ...m }) + "\n").join("")));
    },
  });
}
