import { Elysia } from "elysia";
import { z } from "zod";
import type { Services } from "../services";

/** Block propagation across HashScope's miners and the agents (src/mitm/blocks.ts). Empty when Nostr is disabled. */

const BlocksQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) });

export const fleetRoutes = (svc: Services) =>
  new Elysia({ prefix: "/api/fleet" }).get(
    "/blocks",
    ({ query }) => ({
      blocks: svc.nostr?.blocks.list(query.limit) ?? [],
      clocks: svc.nostr?.blocks.clocks() ?? [],
      pools: svc.nostr?.blocks.pools() ?? [],
      counters: svc.nostr ? { ...svc.nostr.blocks.counters } : { jobs: 0, blocks: 0, evicted: 0, sources_refused: 0 },
    }),
    {
      query: BlocksQuery,
      detail: {
        summary:
          "Per block (prevhash), newest first (and `pools`: the same per pool, side by side): which source (HashScope's miners per pool, each agent) got a job on it first and how many ms later each other did, with what the job was; `limit` 1..200 (50)",
        tags: ["agents"],
      },
    },
  );
