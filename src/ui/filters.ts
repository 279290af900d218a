import { MessageQuery } from "../capture/query";
import { InstanceId } from "../instance-id";
import type { HistoryFilter } from "../db/storage";

/** Message filters as the pages receive them: HTML forms send empty fields, which mean "any". */

export type UiQuery = { filter: HistoryFilter; before: number | undefined; problems: string[] };

const FILTER_KEYS = ["session_id", "direction", "method", "kind", "errors", "share", "agrees", "verdict", "q", "instance"] as const;
/** The API's message filters plus `instance` (which HashScope wrote it: several may share one PostgreSQL). */
const UiFilterQuery = MessageQuery.extend({ instance: InstanceId.optional() });

/** Parse leniently: drop empty and invalid fields (reported in `problems`) instead of failing the page. */
export function parseUiQuery(query: Record<string, string | undefined>): UiQuery {
  const input: Record<string, string> = {};
  for (const k of [...FILTER_KEYS, "before"] as const) {
    const v = query[k];
    if (typeof v === "string" && v.trim() !== "") input[k] = k === "q" ? v : v.trim();
  }
  const problems: string[] = [];
  for (let attempt = 0; attempt < 8; attempt++) {
    const r = UiFilterQuery.safeParse(input);
    if (r.success) {
      const { limit: _limit, before, ...filter } = r.data;
      return { filter, before, problems };
    }
    let removed = false;
    for (const issue of r.error.issues) {
      const k = String(issue.path[0] ?? "");
      if (!(k in input)) continue;
      problems.push(`ignored ${k}: ${issue.message}`);
      delete input[k];
      removed = true;
    }
    if (!removed) break;
  }
  return { filter: {}, before: undefined, problems: [...problems, "filters ignored"] };
}

/** The query string of a filter (plus extras), for links and the SSE URL. */
export function filterQuery(filter: HistoryFilter, extra: Record<string, string | number | undefined> = {}): string {
  const p = new URLSearchParams();
  for (const k of FILTER_KEYS) {
    const v = filter[k];
    if (v === undefined) continue;
    if (k === "errors") {
      if (v === true) p.set("errors", "1");
    } else p.set(k, String(v));
  }
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : "";
}

export const hasFilter = (f: HistoryFilter): boolean =>
  FILTER_KEYS.some((k) => f[k] !== undefined && (f[k] !== false || k === "agrees"));
