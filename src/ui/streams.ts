import { Elysia } from "elysia";
import type { HistoryFilter } from "../db/storage";
import type { MessageRecord } from "../capture/records";
import type { StoreEvent } from "../capture/store";
import { messageFeed } from "../http/api/stream";
import { history } from "../http/history";
import type { Services } from "../http/services";
import { lastEventId, sseEvent, sseResponse } from "../http/sse";
import { messageRows } from "./views/message-table";
import { overviewSessions, totalPanel } from "./views/overview";
import { sessionCard, sessionPanel } from "./views/session-detail";
import { sessionAnalysis, totalAnalysis } from "../http/api/analysis";

import { poolNotice } from "./pool-status";
import { CLOSED_PAGE, sessionsContent } from "./views/sessions";
import { batchWindow } from "./batch";
import { changes, merge2 } from "./changes";
import { parseUiQuery } from "./filters";
import { oneLine } from "./html";
import { figuresOf, overviewStats, type RateMeter } from "./overview-stats";

/** How long the server collects messages before sending one SSE update (a few updates per second at any rate). */
export const BATCH_MS = 200;
/**
 * The most rows one update carries. Parsing and laying out rows is the browser's main cost (about 0.3-0.8 ms a row
 * on a busy 2-core machine), so at most ~1,000 rows/s reach the page; the rest are counted as skipped and stay
 * one click away in the history pages.
 */
export const UPDATE_ROWS = 200;
/** The most rows a reconnecting page is sent from history; beyond, it skips to live ones (paging shows the rest). */
const RESUME_ROWS = 10_000;
/** Session tables and cards refresh at most this often. */
const REFRESH_MS = 1000;
const FRESH_MAX = 50;

/** The newest closed sessions, from the whole history (the page and its live updates show the same list). */
export const recentClosed = (svc: Services) => history(svc).sessions("closed", CLOSED_PAGE);

/** Unnamed SSE messages are swapped into the page by htmx; named ones become DOM events (app.js). */
const swapData = (html: string, id?: number) => `${id !== undefined ? `id: ${id}\n` : ""}data: ${oneLine(html)}\n\n`;

/** Rows of one batch, newest first (the page inserts them at the top), with the id to resume after. */
function rowsFrame(items: MessageRecord[], skipped: number): string {
  const newestFirst = items.slice().reverse();
  const last = items[items.length - 1]!.seq;
  // Highlighting new rows is for a calm trickle; at high rates it would only cost the browser time.
  const fresh = items.length <= FRESH_MAX;
  return (skipped ? sseEvent("skipped", String(skipped)) : "") + swapData(messageRows(newestFirst, fresh).s, last);
}

/**
 * The resume point: Last-Event-ID (htmx's hx-sse sends it on reconnect) or `after` (the last seq the page was
 * rendered with). A point beyond the store means the server restarted with a fresh store: start over.
 */
function resumePoint(svc: Services, request: Request, after: string | undefined, filter: HistoryFilter): { after: number | null; reset: boolean } {
  const at = lastEventId(request.headers.get("last-event-id"), after);
  // Another instance's seqs come from its own block, above or below this store's: no sign of a restart here.
  const foreign = filter.instance !== undefined && svc.db !== undefined && filter.instance !== svc.db.instanceId;
  if (at !== null && at > svc.store.lastSeq && !foreign) return { after: 0, reset: true };
  return { after: at, reset: false };
}

function messageFrames(svc: Services, filter: HistoryFilter, request: Request, after: string | undefined) {
  const signal = request.signal;
  const start = resumePoint(svc, request, after, filter);
  return (async function* () {
    yield `retry: 1000\n: connected\n\n`;
    if (start.reset) yield sseEvent("reset", "1");
    const batches = batchWindow(messageFeed(svc, filter, start.after, signal, RESUME_ROWS), BATCH_MS, UPDATE_ROWS, signal);
    for await (const b of batches) if (b.items.length) yield rowsFrame(b.items, b.skipped);
  })();
}

const afterParam = (q: Record<string, string | undefined>) => (q.after && /^\d+$/.test(q.after) ? q.after : undefined);

export const uiStreamRoutes = (svc: Services, meter: RateMeter) =>
  new Elysia({ name: "ui-streams" })
    .get("/ui/stream/messages", ({ query, request }) => {
      const { filter } = parseUiQuery(query);
      return sseResponse(messageFrames(svc, filter, request, afterParam(query)), request.signal, { gate: svc.sse });
    })
    .get("/ui/stream/session/:id", ({ params, query, request }) => {
      const id = params.id;
      const signal = request.signal;
      const isMine = (e: StoreEvent) => (e.type === "session" ? e.session.id === id : e.message.session_id === id);
      async function* frames() {
        const rows = messageFrames(svc, { session_id: id }, request, afterParam(query));
        for await (const t of merge2(rows, changes(svc.store.events, isMine, REFRESH_MS, signal))) {
          if (t.from === "a") yield t.value;
          else {
            const s = svc.store.getSession(id);
            if (s) {
              yield sseEvent("session-card", oneLine(sessionCard(s)));
              // The page stops saying "live" and drops Pause (app.js); the connection stays, idle.
              if (s.closed_at !== null) yield sseEvent("ended", "1");
              // The figures panel is replaced by its id the same way.
              yield sseEvent("session-card", oneLine(sessionPanel(s, sessionAnalysis(svc, s))));
            }
          }
        }
      }
      return sseResponse(frames(), signal, { gate: svc.sse });
    })
    .get("/ui/stream/sessions", ({ request }) => {
      const signal = request.signal;
      async function* frames() {
        yield `retry: 1000\n: connected\n\n`;
        for await (const _ of changes(svc.store.events, () => true, REFRESH_MS, signal)) {
          const live = svc.store.listSessions("live");
          yield swapData(sessionsContent(live, await recentClosed(svc), figuresOf(svc)).s);
        }
      }
      return sseResponse(frames(), signal, { gate: svc.sse });
    })
    .get("/ui/stream/overview", ({ request }) => {
      const signal = request.signal;
      async function* frames() {
        yield `retry: 1000\n: connected\n\n`;
        for await (const changed of changes(svc.store.events, () => true, REFRESH_MS, signal, true)) {
          yield sseEvent("stats", JSON.stringify(overviewStats(svc, meter)));
          if (changed) {
            yield sseEvent("session-card", oneLine(totalPanel(totalAnalysis(svc))));
            yield swapData(overviewSessions(svc.store.listSessions("live"), figuresOf(svc), poolNotice(svc)).s);
          }
        }
      }
      return sseResponse(frames(), signal, { gate: svc.sse });
    });
