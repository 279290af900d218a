import type { RelayCoreOptions } from "../relay-core";

/**
 * What the main thread and the relay thread tell each other. Per chunk only the ring (ring.ts) is used; these
 * messages are for rare things: start, control from the API and replay, stop. Own replies go through the ring, just
 * before the chunk that carried them, so capture hands the replay the record of exactly that line.
 */

/** Ring record types (relay thread → main, in socket order). */
export const REC = { open: 1, live: 2, data: 3, gap: 4, close: 5, gone: 6, own: 7 } as const;

/** The payload of a REC.own record (JSON): a replay's answer the relay thread's filter took out of the stream. */
export type OwnReplyRecord = { id: string; line: string; json: Record<string, unknown>; monoMs: number };
/** Ring record `direction` byte. */
export const DIR = { miner_to_pool: 0, pool_to_miner: 1 } as const;

/** Shared Int32 counters (a second SharedArrayBuffer): refusals, then one slot per session index (largest send queue). */
export const SLOT = { refused: 0, firstSession: 1 } as const;

export type InitMessage = {
  type: "init";
  ring: SharedArrayBuffer;
  slots: SharedArrayBuffer;
  options: Omit<RelayCoreOptions, "log">;
};

export type ToRelay =
  | InitMessage
  | { type: "disconnect"; session: string }
  | { type: "send"; session: string; bytes: Uint8Array }
  | { type: "expect"; session: string; id: string }
  | { type: "cancel"; session: string; id: string }
  | { type: "stop" }
  /** Tests only (crashRelayThreadForTest): throw an uncaught error on the relay thread. */
  | { type: "crash" };

export type FromRelay =
  | { type: "listening"; port: number; timeOrigin: number }
  | { type: "listen-error"; code: string | null; message: string }
  | { type: "own-refused"; session: string; id: string }
  | { type: "log"; line: string }
  | { type: "stopped" };
