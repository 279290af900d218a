/**
 * Stratum sends prevhash with the bytes of each 4-byte word swapped relative to the header's
 * little-endian bytes. Display order (block explorers) is the full reverse of the header bytes.
 */

const words = (hex: string): string[] => hex.match(/.{8}/g) ?? [];
const reverseBytes = (hex: string): string => (hex.match(/../g) ?? []).reverse().join("");

/** Stratum notify prevhash → header byte order (hex). */
export const stratumPrevhashToHeader = (hex: string): string => words(hex).map(reverseBytes).join("");

/** Stratum notify prevhash → block hash as explorers show it. */
export const stratumPrevhashToDisplay = (hex: string): string => words(hex).reverse().join("");

/** Block hash as explorers show it → Stratum notify prevhash. */
export const displayToStratumPrevhash = (hex: string): string => words(hex).reverse().join("");

export const isHex = (s: string, bytes?: number): boolean =>
  /^[0-9a-fA-F]*$/.test(s) && s.length % 2 === 0 && (bytes === undefined || s.length === bytes * 2);
