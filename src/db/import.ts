import type { MessageRecord } from "../capture/records";
import { parseLine, type ExportItem } from "./export";
import type { Db } from "./open";
import { getMessage } from "./reader";
import { prepareWrites } from "./statements";

export type ImportResult = {
  sessions: { inserted: number; present: number };
  messages: { inserted: number; present: number };
};

export class ImportError extends Error {
  constructor(readonly problems: string[], readonly total: number) {
    super(`${total} invalid line(s): ${problems.slice(0, 5).join("; ")}${total > 5 ? "; ..." : ""}`);
  }
}

/** Lines of the input, readable twice (validate, then write), so a file is streamed, never held whole. */
export type LineSource = () => AsyncIterable<string>;

export const textLines =
  (text: string): LineSource =>
  async function* () {
    yield* text.split("\n");
  };

export const fileLines =
  (path: string): LineSource =>
  async function* () {
    const dec = new TextDecoder();
    let rest = "";
    for await (const chunk of Bun.file(path).stream()) {
      const parts = (rest + dec.decode(chunk, { stream: true })).split("\n");
      rest = parts.pop()!;
      yield* parts;
    }
    yield rest + dec.decode();
  };

/** Records per write transaction, and problems kept for the report (both backends' imports). */
export const BATCH = 5_000;
export const KEPT_PROBLEMS = 100;

/** The fields that make a message that message: same seq with other values is someone else's capture. */
export const sameMessage = (a: MessageRecord, b: MessageRecord) =>
  a.session_id === b.session_id && a.direction === b.direction && a.ts === b.ts && a.raw === b.raw && a.raw_hex === b.raw_hex;

/** The non-empty lines of an export, parsed (a string is the line's problem), with their line numbers. */
export async function* items(source: LineSource): AsyncGenerator<{ n: number; item: ExportItem | string }> {
  let n = 0;
  for await (const raw of source()) {
    n++;
    const line = raw.trim();
    if (line !== "") yield { n, item: parseLine(line) };
  }
}

/**
 * Load an export (JSON Lines) into the database. A first pass validates every line, and checks that no message takes
 * a seq the database already holds for a different message (an export from another HashScope): then nothing is
 * written. The second pass writes in transactions of 5,000 records. Records already present (same session id, the
 * same message at the same seq) are left as they are, so importing twice changes nothing the second time, and an
 * import cut short is finished by running it again.
 */
export async function importJsonLines(db: Db, source: LineSource): Promise<ImportResult> {
  const problems: string[] = [];
  let total = 0;
  const problem = (text: string) => {
    if (problems.length < KEPT_PROBLEMS) problems.push(text);
    total++;
  };
  for await (const { n, item } of items(source)) {
    if (typeof item === "string") problem(`line ${n}: ${item}`);
    else if (item.type === "message") {
      const held = getMessage(db, item.message.id);
      if (held && !sameMessage(held, item.message))
        problem(`line ${n}: seq ${item.message.seq} is already a different message in this database (session ${held.session_id})`);
    }
  }
  if (total > 0) throw new ImportError(problems, total);

  const w = prepareWrites(db);
  const result: ImportResult = { sessions: { inserted: 0, present: 0 }, messages: { inserted: 0, present: 0 } };
  let batch: ExportItem[] = [];
  const write = db.$client.transaction((list: ExportItem[]) => {
    for (const it of list)
      if (it.type === "session") result.sessions[w.insertSessionIfNew(it.session) ? "inserted" : "present"]++;
      else result.messages[w.insertMessage(it.message) ? "inserted" : "present"]++;
    w.flushJobs();
  });
  const writeOrForget = (list: ExportItem[]) => {
    try {
      write(list);
    } catch (err) {
      w.forget();
      throw err;
    }
  };
  for await (const { n, item } of items(source)) {
    if (typeof item === "string") throw new Error(`the file changed during the import: line ${n} is invalid now`);
    batch.push(item);
    if (batch.length >= BATCH) {
      writeOrForget(batch);
      batch = [];
    }
  }
  if (batch.length) writeOrForget(batch);
  return result;
}
