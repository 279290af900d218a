import type { OpenAPIV3 } from "openapi-types";
import { z } from "zod";
import { SessionFigures } from "../../analysis/schema";
import { MessageRecord, SessionRecord } from "../../capture/records";
import type { Services } from "../services";

/** The analysis figures the API adds to a session and to the totals (analysis/figures.ts), and their documented shapes. */

export const SessionAnalysis = SessionFigures.extend({
  /** Sessions in memory per worker name, minus one: how often each worker connected again. */
  reconnects_by_worker: z.record(z.string(), z.number().int()),
});
export type SessionAnalysis = z.infer<typeof SessionAnalysis>;

/** Reconnects per worker over the sessions in memory (a worker seen on n sessions reconnected n − 1 times). */
export function reconnectsByWorker(svc: Services, workers?: readonly string[]): Record<string, number> {
  const seen: Record<string, number> = {};
  for (const s of svc.store.listSessions("all"))
    for (const w of s.workers) if (!workers || workers.includes(w)) seen[w] = (seen[w] ?? 0) + 1;
  return Object.fromEntries(Object.entries(seen).map(([w, n]) => [w, n - 1]));
}

export function sessionAnalysis(svc: Services, session: SessionRecord): SessionAnalysis | null {
  const f = svc.capture.sessionFigures(session.id);
  return f ? { ...f, reconnects_by_worker: reconnectsByWorker(svc, session.workers) } : null;
}

export function totalAnalysis(svc: Services): SessionAnalysis {
  return { ...svc.capture.totalFigures(), reconnects_by_worker: reconnectsByWorker(svc) };
}

/** An OpenAPI response description from a zod schema (documentation only: responses are not re-validated). */
export const jsonResponse = (description: string, schema: z.ZodType): OpenAPIV3.ResponsesObject => ({
  200: {
    description,
    // zod emits JSON Schema (2020-12), which OpenAPI 3.1 takes as is; openapi-types only knows 3.0's subset.
    content: { "application/json": { schema: z.toJSONSchema(schema, { io: "output", unrepresentable: "any" }) as OpenAPIV3.SchemaObject } },
  },
});

/** With a database: which HashScope instance wrote the record (INSTANCE_ID; several may share one PostgreSQL). */
const instance = z.string().optional();

export const SessionDetail = SessionRecord.extend({
  instance,
  stats: z.object({ messages_in_memory: z.number().int(), messages_stored: z.number().int().optional() }),
  /** null when HashScope no longer holds this session's figures (e.g. after a restart). */
  analysis: SessionAnalysis.nullable(),
});
export const MessageList = z.array(MessageRecord.extend({ instance }));
