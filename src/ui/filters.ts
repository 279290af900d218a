import { MessageQuery, type MessageFilter } from "../capture/query";

/** Message filters as the pages receive them: HTML forms send empty fields, which mean "any". */

export type UiQuery = { filter: MessageFilter; before: number | undefined; problems: string[] };

const FILTER_KEYS = ["session_id", "direction", "method", "kind", "errors", "share", "agrees", "verdict", "q"] as const;

/** Parse leniently: drop empty and invalid fields (reported in `problems`) instead of failing the page. */
export function parseUiQuery(query: Record<string, string | undefined>): UiQuery {
  const input: Record<string, string> = {};
  for (const k of [...FILTER_KEYS, "before"] as const) {
    const v = query[k];
    if (typeof v === "string" && v.trim() !== "") input[k] = k === "q" ? v : v.trim();
  }
  const problems: string[] = [];
  for (let attempt = 0; attempt < 8; attempt++) {
    const r = MessageQuery.safeParse(input);
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
export function filterQuery(filter: MessageFilter, extra: Record<string, string | number | undefined> = {}): string {
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

export const hasFilter = (f: MessageFilter): boolean =>
  FILTER_KEYS.some((k) => f[k] !== undefined && (f[k] !== false || k === "agrees"));
