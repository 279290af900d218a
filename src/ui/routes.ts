import { Elysia } from "elysia";
import type { MessageFilter } from "../capture/query";
import type { MessageRecord, SessionRecord } from "../capture/records";
import { history } from "../http/history";
import type { Services } from "../http/services";
import type { Mount } from "../http/app";
import { agentPage, agentsPage } from "./views/agents";
import { apiDocsPage } from "./views/api-docs";
import { ApiDescription } from "./api-docs";
import { messageDetailPage } from "./views/message-detail";
import { messagesPage } from "./views/messages";
import { overviewPage } from "./views/overview";
import { sessionDetailPage } from "./views/session-detail";
import { CLOSED_PAGE, olderSessionsPage, sessionsPage } from "./views/sessions";
import { notFoundPage } from "./views/simple";
import { actionRoutes, controlsFor, replayPanelFor } from "./actions";
import { ASSET_PATHS, assetRoutes } from "./assets";
import { multiStreamRoutes } from "./multi-stream";
import { instanceOf } from "../instance-id";
import { filterQuery, parseUiQuery } from "./filters";
import { clip, shortId } from "./format";
import { htmlResponse } from "./html";
import { loginRoutes } from "./login";
import { figuresOf, overviewStats, RateMeter } from "./overview-stats";
import { recentClosed, uiStreamRoutes } from "./streams";
import { fleetStreamRoutes } from "./fleet-stream";
import { ownDifficulties } from "./agents";
import type { Notice } from "./views/session-controls";
import type { ReplayPanel } from "./views/replay";
import { sessionAnalysis, totalAnalysis } from "../http/api/analysis";
import { poolNotice } from "./pool-status";

/** Rows a page renders on the server (JS off, or before the stream takes over). */
export const PAGE_ROWS = 100;
/** How far after a request the detail page looks for its response (same session). */
const PAIR_SCAN = 5000;

function sessionChoices(svc: Services) {
  return svc.store
    .listSessions("all")
    .slice(0, 200)
    .map((s) => ({ id: s.id, label: `${shortId(s.id)} ${clip(s.workers[0] ?? s.miner_addr, 24)} (${s.state})` }));
}

function findResponse(svc: Services, m: MessageRecord): MessageRecord | null {
  if (m.kind !== "request") return null;
  return svc.store.since({ session_id: m.session_id }, m.seq, PAIR_SCAN).find((r) => r.reply_to === m.id) ?? null;
}

/** Page of rows: newest first, one extra fetched to know whether "older" has anything. */
async function page(svc: Services, filter: MessageFilter, before: number | undefined) {
  // History pages reach past memory into the database when there is one.
  const rows = await history(svc).messages(filter, PAGE_ROWS + 1, before);
  return { rows: rows.slice(0, PAGE_ROWS), more: rows.length > PAGE_ROWS };
}

/** Reads the app's own OpenAPI description (with the caller's credentials), for the API page. */
export type ApiSpecSource = (request: Request) => Promise<unknown>;

/**
 * The server-rendered pages, their SSE streams (one browser's all together, too), login and the embedded assets, as a
 * mount for createApp: routes as a plain `Elysia` (route types erased), and the asset paths the login page loads.
 */
export function uiRoutes(svc: Services, apiSpec?: ApiSpecSource): Mount {
  const ui: Elysia = new Elysia({ name: "ui" });
  ui.use(pages(svc, new RateMeter()));
  ui.get("/docs", async ({ request }) => {
    if (!apiSpec) return htmlResponse(notFoundPage("The API page"), 404);
    const d = ApiDescription.safeParse(await apiSpec(request));
    if (!d.success) return htmlResponse(notFoundPage("A readable API description"), 500);
    return htmlResponse(apiDocsPage(d.data, new URL(request.url).origin, svc.config.api.token !== null));
  });
  return { routes: ui, publicPaths: ASSET_PATHS, throughApp: multiStreamRoutes };
}

async function sessionPage(svc: Services, s: SessionRecord, before: number | undefined, notice: Notice | null, status = 200): Promise<Response> {
  const { rows, more } = await page(svc, { session_id: s.id }, before);
  // A closed session gets no more messages: a static page (no "live", no Pause).
  const open = s.state === "live" || s.state === "connecting";
  const stream = before === undefined && open ? `/ui/stream/session/${encodeURIComponent(s.id)}?after=${svc.store.lastSeq}` : null;
  const analysis = sessionAnalysis(svc, s);
  const instance = svc.db ? instanceOf(s, svc.db.instanceId) : undefined;
  return htmlResponse(sessionDetailPage({ session: s, rows, more, stream, controls: controlsFor(svc, s, notice), analysis, instance }), status);
}

async function messagePage(svc: Services, m: MessageRecord, replay: ReplayPanel | null, status = 200): Promise<Response> {
  const request = m.reply_to ? ((await history(svc).message(m.reply_to)) ?? null) : null;
  const instance = svc.db ? instanceOf(m, svc.db.instanceId) : undefined;
  return htmlResponse(messageDetailPage({ message: m, request, response: findResponse(svc, m), replay, instance }), status);
}

function pages(svc: Services, meter: RateMeter) {
  return new Elysia({ name: "ui-pages" })
    .use(assetRoutes())
    .use(loginRoutes(svc.config.api.token))
    .use(uiStreamRoutes(svc, meter))
    .use(fleetStreamRoutes(svc))
    .use(
      actionRoutes(
        svc,
        (s, notice, status) => sessionPage(svc, s, undefined, notice, status),
        (m, panel, status) => messagePage(svc, m, panel, status),
      ),
    )
    .get("/", () =>
      htmlResponse(overviewPage(overviewStats(svc, meter), svc.store.listSessions("live"), totalAnalysis(svc), figuresOf(svc), poolNotice(svc))),
    )
    .get("/messages", async ({ query }) => {
      const { filter, before, problems } = parseUiQuery(query);
      const { rows, more } = await page(svc, filter, before);
      // Live only at the head; the stream starts after what this page already shows.
      const stream = before === undefined ? `/ui/stream/messages${filterQuery(filter, { after: svc.store.lastSeq })}` : null;
      return htmlResponse(
        messagesPage({ rows, more, filter, before, stream, sessions: sessionChoices(svc), problems }),
        problems.length ? 400 : 200,
      );
    })
    .get("/messages/:id", async ({ params }) => {
      const m = await history(svc).message(params.id);
      if (!m) return htmlResponse(notFoundPage(`Message ${params.id}`), 404);
      return messagePage(svc, m, replayPanelFor(svc, m));
    })
    .get("/sessions", async ({ query }) => {
      if (query.before === undefined) return htmlResponse(sessionsPage(svc.store.listSessions("live"), await recentClosed(svc), figuresOf(svc)));
      const cursor = await history(svc).session(query.before);
      if (!cursor) return htmlResponse(notFoundPage(`Session ${query.before}`), 404);
      return htmlResponse(olderSessionsPage(await history(svc).sessions("closed", CLOSED_PAGE, cursor)));
    })
    .get("/sessions/:id", async ({ params, query }) => {
      const s = await history(svc).session(params.id);
      if (!s) return htmlResponse(notFoundPage(`Session ${params.id}`), 404);
      const before = query.before && /^\d+$/.test(query.before) ? Number(query.before) : undefined;
      return sessionPage(svc, s, before, null);
    })
    .post("/sessions/:id/disconnect", ({ params }) => {
      // The no-JavaScript path of the Disconnect button (with JavaScript it posts to the API directly).
      const s = svc.store.getSession(params.id);
      if (!s) return htmlResponse(notFoundPage(`Session ${params.id}`), 404);
      svc.relay.disconnect(params.id);
      return new Response(null, { status: 303, headers: { location: `/sessions/${encodeURIComponent(params.id)}` } });
    })
    .get("/agents/:id", ({ params }) => {
      // One agent's card (the same as on the fleet page); the API has /api/agents/:id.
      const a = svc.fleet?.get(params.id);
      if (!a) return htmlResponse(notFoundPage(`Agent ${params.id}`), 404);
      return htmlResponse(agentPage(a));
    })
    .get("/agents", () =>
      htmlResponse(
        agentsPage({
          agents: svc.fleet?.list() ?? [],
          nostr: svc.nostr !== undefined,
          stream: "/ui/stream/agents",
          blocks: svc.nostr?.blocks.list() ?? [],
          clocks: svc.nostr?.blocks.clocks() ?? [],
          pools: svc.nostr?.blocks.pools() ?? [],
          ownDifficulties: ownDifficulties(svc),
        }),
      ),
    );
}
