import { inArray, sql } from "drizzle-orm";
import type { MessageRecord } from "../../capture/records";
import { BATCH, ImportError, items, KEPT_PROBLEMS, sameMessage, type ImportResult, type LineSource } from "../import";
import type { ExportItem } from "../export";
import type { PgDb } from "./open";
import { toWireMessage } from "../wire";
import { insertMessages } from "./insert";
import { selectMessages } from "./reads";
import { rowToMessage, sessionToPgRow } from "./rows";
import { messages, meta, sessions } from "./schema";

/**
 * Import a JSON Lines export into PostgreSQL, with the SQLite import's rules (../import.ts): a first pass validates every
 * line and refuses (writing nothing) a seq the database holds for a different message, or one inside the seq block of
 * an instance running now (it would hand that seq out); then batches of 5,000 in transactions, records already present
 * left as they are. Imported rows carry `instance` (the importer's INSTANCE_ID). The seq sequence is moved past them,
 * so later runs start above every imported seq (backend.ts takeSeqBlock).
 */
/** The lowest seq a running instance may still hand out (its block start, recorded at open), or Infinity. */
async function lowestRunningBlock(db: PgDb): Promise<number> {
  const rows = await db
    .select({ key: meta.key, value: meta.value })
    .from(meta)
    .where(sql`${meta.key} LIKE 'block:%' AND EXISTS (SELECT 1 FROM meta o WHERE o.key = 'open:' || substr(${meta.key}, 7) AND o.value <> '0')`);
  return rows.reduce((lo, r) => Math.min(lo, Number(r.value) || Infinity), Infinity);
}

async function heldMessages(db: PgDb, seqs: number[]): Promise<Map<number, MessageRecord>> {
  const rows = seqs.length ? await selectMessages(db, inArray(messages.seq, seqs)) : [];
  return new Map(rows.map((r) => [r.seq, rowToMessage(r)]));
}

export async function importJsonLinesPg(db: PgDb, instance: string, source: LineSource): Promise<ImportResult> {
  const problems: string[] = [];
  let total = 0;
  const problem = (text: string) => {
    if (problems.length < KEPT_PROBLEMS) problems.push(text);
    total++;
  };
  const running = await lowestRunningBlock(db);
  let pending: Array<{ n: number; m: MessageRecord }> = [];
  const check = async () => {
    const held = await heldMessages(db, pending.map((p) => p.m.seq));
    for (const { n, m } of pending) {
      const h = held.get(m.seq);
      if (h && !sameMessage(h, m)) problem(`line ${n}: seq ${m.seq} is already a different message in this database (session ${h.session_id})`);
      else if (!h && m.seq >= running) problem(`line ${n}: seq ${m.seq} is in the range a running HashScope hands out; stop it first`);
    }
    pending = [];
  };
  for await (const { n, item } of items(source)) {
    if (typeof item === "string") problem(`line ${n}: ${item}`);
    else if (item.type === "message") {
      pending.push({ n, m: item.message });
      if (pending.length >= BATCH) await check();
    }
  }
  await check();
  if (total > 0) throw new ImportError(problems, total);

  const result: ImportResult = { sessions: { inserted: 0, present: 0 }, messages: { inserted: 0, present: 0 } };
  const write = async (list: ExportItem[]) => {
    const sess = list.flatMap((it) => (it.type === "session" ? [sessionToPgRow(it.session, instance)] : []));
    const msgs = list.flatMap((it) => (it.type === "message" ? [toWireMessage(it.message)] : []));
    await db.$client.begin(async (tx) => {
      if (sess.length) {
        const ins = await tx`INSERT INTO sessions ${tx(sess)} ON CONFLICT (id) DO NOTHING`;
        result.sessions.inserted += ins.count;
        result.sessions.present += sess.length - ins.count;
      }
      const inserted = await insertMessages(tx, instance, msgs);
      result.messages.inserted += inserted;
      result.messages.present += msgs.length - inserted;
    });
  };
  let batch: ExportItem[] = [];
  for await (const { n, item } of items(source)) {
    if (typeof item === "string") throw new Error(`the file changed during the import: line ${n} is invalid now`);
    batch.push(item);
    if (batch.length >= BATCH) {
      await write(batch);
      batch = [];
    }
  }
  if (batch.length) await write(batch);
  return result;
}
