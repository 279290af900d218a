import { generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { hexToBytes } from "nostr-tools/utils";
import { npubEncode } from "nostr-tools/nip19";
import { ConfigError, hex64 } from "../env.ts";

export type NostrKeys = {
  /** Secret key bytes. Never log or serialise this. */
  readonly sk: Uint8Array;
  /** Public key, 64 lowercase hex characters (x-only, as in events). */
  readonly pk: string;
  /** True when no NOSTR_SK was given and a fresh key was made for this run. */
  readonly generated: boolean;
};

/**
 * Key from NOSTR_SK (64 hex) or a new one when unset/empty.
 * A bad value throws ConfigError("NOSTR_SK", ...) without echoing the value.
 */
export function loadKeys(skHex: string | undefined, variable = "NOSTR_SK"): NostrKeys {
  if (skHex === undefined || skHex.trim() === "") {
    const sk = generateSecretKey();
    return { sk, pk: getPublicKey(sk), generated: true };
  }
  if (!hex64.safeParse(skHex.trim()).success) throw new ConfigError(variable, "must be 64 hex characters");
  const sk = hexToBytes(skHex.trim().toLowerCase());
  try {
    return { sk, pk: getPublicKey(sk), generated: false };
  } catch {
    // zero or >= curve order
    throw new ConfigError(variable, "is not a valid secp256k1 secret key");
  }
}

/** The one line to log about a key: the public key only (hex and npub). */
export function publicKeyLine(keys: NostrKeys, who = "nostr"): string {
  const origin = keys.generated ? "generated for this run" : "from NOSTR_SK";
  return `${who} public key ${keys.pk} (${npubEncode(keys.pk)}, ${origin})`;
}

export function logPublicKey(keys: NostrKeys, who = "nostr", log: (line: string) => void = console.log): void {
  log(publicKeyLine(keys, who));
}
