import type { MessageRecord } from "../../capture/records";
import { analysisOfValues, analysisValues } from "../analysis-column";

/**
 * A message's analysis in a compact PostgreSQL record (rows.ts): as its values when its keys are the known ones (the
 * same key lists as SQLite's column, ../analysis-column.ts: a submit's key names are ~40 % of its text, and a farm
 * stores two per share), any other as it is.
 */

type Analysis = MessageRecord["analysis"];
/** An analysis as stored: null, the object, or its values ([type, ...]). */
export type StoredAnalysis = Analysis | unknown[];

export const analysisToStored = (a: Analysis): StoredAnalysis => (a === null ? null : (analysisValues(a) ?? a));

export const analysisOfStored = (s: StoredAnalysis): Analysis => (Array.isArray(s) ? analysisOfValues(s) : s);
