import type { MessageRecord } from "./records";

/**
 * Records whose `json` is JSON.parse(raw), `rpc_id` is json.id and `decoded` is what the decoders make of them
 * (stratum/methods.ts decodeRequest / decodeResponse with the record's method), because the capture pipeline made them
 * so (ingest.ts). Storage then keeps the line only and derives the rest on read, without checking each record by
 * decoding it again and comparing (src/db/rows.ts; that check is ~10 µs a message, most of a batch's cost). Records
 * from anywhere else (an import, a test) are checked. test/capture/derived.test.ts holds the pipeline to this.
 */
const derived = new WeakSet<MessageRecord>();

export const markDerived = (m: MessageRecord): void => void derived.add(m);
export const isDerived = (m: MessageRecord): boolean => derived.has(m);
