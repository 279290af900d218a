import type { SubmitAnalysis } from "../analysis/schema";
import { withPoolAnswer } from "../analysis/verdict";
import { isRecord } from "../stratum/json";

/**
 * A pool's answer to a miner's submit carries the submit's analysis with the answer applied (capture/ingest.ts), so
 * its row does not store it again (rows.ts FORM_ANALYSIS_OF_REQUEST): it is the submit's row's analysis (at
 * reply_seq) through the same step, worked out on read. The writer derives it only when that gives back exactly the
 * answer's analysis, and only for a submit less than ANSWER_WINDOW seqs back, so that retention, before it deletes a
 * submit, can find the answers that derive from it in that window and store their analysis whole (retention.ts).
 */
export const ANSWER_WINDOW = 65_536;

/** The analysis of an answer (its line's JSON) to the submit whose analysis is `request`. */
export function answerAnalysis(request: SubmitAnalysis, json: unknown): SubmitAnalysis {
  const o = isRecord(json) ? json : {};
  return withPoolAnswer(request, o.result, o.error);
}
