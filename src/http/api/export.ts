import { Elysia } from "elysia";
import { z } from "zod";
import type { Services } from "../services";
import { notFound } from "./errors";

const ExportQuery = z.object({ session_id: z.string().min(1).max(128).optional() });

/** `GET /api/export?session_id=`: JSON Lines (see db/export.ts for the line format); all sessions without it. */
export const exportRoutes = (svc: Services) =>
  new Elysia()
    .get(
      "/api/export",
      async ({ query }) => {
        const storage = svc.db;
        if (!storage) return notFound("database");
        if (query.session_id !== undefined && !(await storage.session(query.session_id))) return notFound("session");
        // Everything captured so far goes to disk first, so the export holds what memory shows.
        await storage.flush();
        const name = query.session_id ? `hashscope-${query.session_id}` : "hashscope";
        return new Response(storage.exportStream(query.session_id), {
          headers: {
            "content-type": "application/x-ndjson; charset=utf-8",
            "content-disposition": `attachment; filename="${name.replace(/[^A-Za-z0-9._-]/g, "_")}.jsonl"`,
          },
        });
      },
      { query: ExportQuery, detail: { summary: "JSON Lines export (sessions, then messages)", tags: ["messages"] } },
    )
    .get("/api/storage", () => svc.db?.stats() ?? notFound("database"), {
      detail: { summary: "Database writer and retention counters (dropped writes included)", tags: ["meta"] },
    });
