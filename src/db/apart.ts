import type { Database } from "bun:sqlite";
import type { SubmitAnalysis } from "../analysis/schema";
import { ANSWER_WINDOW, answerAnalysis } from "./answers";
import { hash53 } from "./hash";
import { splitLine } from "./line-shape";
import { Memo } from "./memo";
import { replySeqOf, type RowRefs, type ShapedLine } from "./rows";
import type { WireMessage } from "./wire";

/**
 * What the SQLite writer stores apart from message rows, once, for rows to refer to (rows.ts RowRefs): notify lines and
 * decoded coinbases in `jobs` (content-addressed, `last_seq` for retention), line shapes and reasons in `shared_texts`
 * (bounded), and which answers' analyses derive from their submit's (answers.ts). Caches are the writer's own and are
 * forgotten after a rolled-back transaction.
 */

/** mining.notify lines at least this long are stored once in `jobs`; shorter ones are not worth a reference. */
const JOB_MIN_CHARS = 100;
/** Decoded coinbases at least this long (as JSON) are stored once in `jobs`. */
const COINBASE_MIN_CHARS = 100;
/** Shared texts kept at most (a hostile miner could make a line shape per line); past it, new texts stay in their rows. */
export const MAX_SHARED_TEXTS = 65_536;
/** A line is stored as its values only when that saves at least this many characters. */
const SHAPE_MIN_SAVING = 8;
/** Submits' analyses remembered for their answers (answers come within seconds; the window bounds it anyway). */
const RECENT_SUBMITS = 16_384;

/** The same keys in the same order with the same values (pool_error compared by its fields): what JSON text would show. */
function sameAnalysis(a: SubmitAnalysis, b: SubmitAnalysis): boolean {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const va = a as unknown as Record<string, unknown>;
  const vb = b as unknown as Record<string, unknown>;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i]!;
    if (k !== kb[i]) return false;
    if (k === "pool_error") {
      if (JSON.stringify(va[k]) !== JSON.stringify(vb[k])) return false;
    } else if (!Object.is(va[k], vb[k])) return false;
  }
  return true;
}

export function prepareApart(c: Database, opts: { maxSharedTexts?: number } = {}) {
  const maxSharedTexts = opts.maxSharedTexts ?? MAX_SHARED_TEXTS;
  const findJob = c.prepare<{ raw: string }, [number]>("SELECT raw FROM jobs WHERE hash = ?");
  const insertJob = c.prepare<void, [number, string, number]>("INSERT INTO jobs (hash, raw, last_seq) VALUES (?, ?, ?)");
  const touchJob = c.prepare<void, [number, number, number]>("UPDATE jobs SET last_seq = ? WHERE hash = ? AND last_seq < ?");
  const insertText = c.prepare<{ n: number }, [string]>("INSERT INTO shared_texts (text) VALUES (?) ON CONFLICT (text) DO NOTHING RETURNING n");
  const findText = c.prepare<{ n: number }, [string]>("SELECT n FROM shared_texts WHERE text = ?");
  const countTexts = () => c.query<{ n: number }, []>("SELECT count(*) AS n FROM shared_texts").get()!.n;
  const jobs = new Memo<number, string>(4_096);
  const textHashes = new Map<string, number>();
  const textNumbers = new Memo<string, number>(10_000);
  let textsHeld: number | null = null;
  const recentSubmits = new Memo<number, SubmitAnalysis>(RECENT_SUBMITS);
  /** `jobs` entries referenced since the last flush, with their newest seq. */
  const touched = new Map<number, number>();

  /** `text`'s key in `jobs` (stored now if new), or null when another text holds its hash. */
  function storeOnce(text: string, seq: number): number | null {
    // A batch carries each distinct line as one string (wire.ts): hash it once, not once per miner.
    let h = textHashes.get(text);
    if (h === undefined) textHashes.set(text, (h = hash53(text)));
    if (jobs.get(h) !== text) {
      const held = findJob.get(h)?.raw;
      if (held === undefined) insertJob.run(h, text, seq);
      else if (held !== text) return null;
      jobs.set(h, text);
    }
    touched.set(h, seq);
    return h;
  }

  /** A shared text's number (stored now if new), or null when the table is full and it is not there. */
  function textNumber(text: string): number | null {
    const known = textNumbers.get(text);
    if (known !== undefined) return known;
    textsHeld ??= countTexts();
    const added = textsHeld < maxSharedTexts ? insertText.get(text) : null;
    if (added) textsHeld++;
    const n = added?.n ?? findText.get(text)?.n;
    if (n === undefined) return null;
    textNumbers.set(text, n);
    return n;
  }

  /** The job key for a notify line, or null to keep the line in the row (short, or a hash collision). */
  function jobOf(m: WireMessage): number | null {
    if (m.method !== "mining.notify" || m.kind !== "notification" || m.raw === null || m.raw.length < JOB_MIN_CHARS) return null;
    return storeOnce(m.raw, m.seq);
  }

  /** The line as its shape's number and its values (line-shape.ts), or null to keep it whole. */
  function shapeOf(m: WireMessage): ShapedLine | null {
    if (m.raw === null || m.raw.length < 2 * SHAPE_MIN_SAVING) return null;
    const split = splitLine(m.raw);
    if (split === null || m.raw.length - split.values.length < SHAPE_MIN_SAVING) return null;
    const n = textNumber(split.shape);
    return n === null ? null : { n, values: split.values };
  }

  /** Whether an answer's analysis is exactly its submit's with this answer applied (then the row leaves it out). */
  function ofRequest(m: WireMessage, json: () => unknown): boolean {
    if (m.kind !== "response" || m.analysis?.type !== "submit") return false;
    const replySeq = replySeqOf(m);
    if (replySeq === null || m.seq - replySeq > ANSWER_WINDOW) return false;
    const request = recentSubmits.get(replySeq);
    return request !== undefined && sameAnalysis(answerAnalysis(request, json()), m.analysis);
  }

  return {
    /**
     * What `m`'s row refers to, storing it now where new. `json` gives the line's JSON (parsed once by the caller).
     * Rows are handed in seq order and are new (a submit's answer can rely on the submit's row).
     */
    refsOf(m: WireMessage, sess: number, json: () => unknown): RowRefs {
      const job = jobOf(m);
      const a = m.analysis;
      const refs: RowRefs = {
        job,
        sess,
        shape: job === null ? shapeOf(m) : null,
        reasonN: a?.type === "submit" && a.reason !== null ? textNumber(a.reason) : null,
        coinbaseJob: null,
        analysisOfRequest: ofRequest(m, json),
      };
      if (a?.type === "notify" && a.coinbase !== null) {
        const text = JSON.stringify(a.coinbase);
        if (text.length >= COINBASE_MIN_CHARS) refs.coinbaseJob = storeOnce(text, m.seq);
      }
      if (a?.type === "submit" && m.kind === "request" && m.direction === "miner_to_pool") recentSubmits.set(m.seq, a);
      return refs;
    },
    /** After a batch: the per-batch hashes go, and each `jobs` entry referenced records its newest seq (for retention). */
    flush(): void {
      textHashes.clear();
      for (const [h, seq] of touched) touchJob.run(seq, h, seq);
      touched.clear();
    },
    /** After a rolled-back transaction: what the caches learnt in it may not be in the database. */
    forget(): void {
      jobs.clear();
      textHashes.clear();
      textNumbers.clear();
      textsHeld = null;
      recentSubmits.clear();
      touched.clear();
    },
  };
}
