import type { MessageRecord, SessionRecord } from "../capture/records";
import { parseLine } from "./export";
import type { Db } from "./open";
import { prepareWrites } from "./statements";

export type ImportResult = {
  sessions: { inserted: number; present: number };
  messages: { inserted: number; present: number };
};

export class ImportError extends Error {
  constructor(readonly problems: string[]) {
    super(`${problems.length} invalid line(s): ${problems.slice(0, 5).join("; ")}${problems.length > 5 ? "; ..." : ""}`);
  }
}

const BATCH = 5_000;

/**
 * Load an export (JSON Lines) into the database. Every line is validated first and nothing is written when any is
 * invalid. Records already present (same session id / same seq) are left as they are, so importing twice changes
 * nothing the second time.
 */
export function importJsonLines(db: Db, text: string): ImportResult {
  const sessions: SessionRecord[] = [];
  const messages: MessageRecord[] = [];
  const problems: string[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    const item = parseLine(line);
    if (typeof item === "string") problems.push(`line ${i + 1}: ${item}`);
    else if (item.type === "session") sessions.push(item.session);
    else messages.push(item.message);
  }
  if (problems.length > 0) throw new ImportError(problems);
  const w = prepareWrites(db);
  const result: ImportResult = { sessions: { inserted: 0, present: 0 }, messages: { inserted: 0, present: 0 } };
  db.$client.transaction(() => {
    for (const s of sessions) result.sessions[w.insertSessionIfNew(s) ? "inserted" : "present"]++;
  })();
  for (let i = 0; i < messages.length; i += BATCH) {
    db.$client.transaction(() => {
      for (const m of messages.slice(i, i + BATCH)) result.messages[w.insertMessage(m) ? "inserted" : "present"]++;
    })();
  }
  return result;
}
