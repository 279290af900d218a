/**
 * What a relay sends a client (NIP-01), read into one typed union so the pool routes frames without casts. Pure.
 * Anything else (not an array, an unknown verb, a missing id) is `null`: ignored, as NIP-01 asks of clients.
 */

export type RelayFrame =
  | { verb: "EVENT"; subId: string; event: unknown }
  | { verb: "OK"; eventId: string; accepted: boolean; message: unknown }
  | { verb: "EOSE"; subId: string }
  | { verb: "CLOSED"; subId: string; message: unknown }
  | { verb: "NOTICE"; message: unknown };

/** One frame's text; `"not-json"` when it does not parse (the pool logs that), null when it is nothing to act on. */
export function parseRelayFrame(text: string): RelayFrame | "not-json" | null {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return "not-json";
  }
  if (!Array.isArray(msg)) return null;
  const [verb, a, b, c]: unknown[] = msg;
  if (verb === "NOTICE") return { verb, message: a };
  if (typeof a !== "string") return null;
  switch (verb) {
    case "EVENT":
      return { verb, subId: a, event: b };
    case "OK":
      return { verb, eventId: a, accepted: b === true, message: c };
    case "EOSE":
      return { verb, subId: a };
    case "CLOSED":
      return { verb, subId: a, message: b };
    default:
      return null;
  }
}
