import type { MessageRecord } from "./records";

/**
 * An own reply (replay) the relay took out of the pool→miner stream: whoever waits for it is handed the record
 * capture makes of that line (null when none is made: the chunk was dropped, the line was cut or unreadable).
 */
export type OwnReplyWait = { rpcId: string; deliver: (captured: MessageRecord | null) => void };

/** Hand `w` its record once (a waiter is settled exactly once: by its line, or with null). */
export function settle(w: OwnReplyWait, captured: MessageRecord | null): void {
  const deliver = w.deliver;
  w.deliver = () => {};
  try {
    deliver(captured);
  } catch (err) {
    console.error("own reply waiter failed:", err);
  }
}

/** `m` is the record of the first own reply in `waits` with its id (the relay took them in stream order). */
export function takeOwn(waits: OwnReplyWait[], m: MessageRecord): void {
  const i = waits.findIndex((w) => w.rpcId === m.rpc_id);
  if (i < 0) return;
  const [w] = waits.splice(i, 1);
  settle(w!, m);
}
