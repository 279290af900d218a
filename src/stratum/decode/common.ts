import { z } from "zod";
import { isHex } from "../prevhash";

/** Shared zod pieces for Stratum params and results. */

/** Hex string; `bytes` fixes the length where the protocol does (4-byte header fields, 32-byte hashes). */
export const hex = (bytes?: number) =>
  z.string().refine((s) => isHex(s, bytes), {
    message: bytes === undefined ? "expected hex (even length)" : `expected ${bytes * 2} hex characters (${bytes} bytes)`,
  });

export const hex4 = hex(4);
export const hex32 = hex(32);

export const positiveNumber = z.number().finite().positive();
export const sizeInt = z.number().int().nonnegative();

/** A port sent as a number or a numeric string (both occur in client.reconnect). */
export const portLike = z.union([
  z.number().int().min(0).max(65535),
  z
    .string()
    .regex(/^\d{1,5}$/)
    .transform(Number)
    .pipe(z.number().int().max(65535)),
]);

/** Stratum params are positional; extra trailing ones from real pools are tolerated. */
export const positional = <T extends readonly [z.ZodType, ...z.ZodType[]]>(items: T) => z.tuple(items, z.unknown());

/** Methods without params: anything positional (usually `[]`) is accepted. */
export const noParams = z.array(z.unknown());

/** Readable text for the first few zod issues, naming the positional field where known. */
export function describeIssues(error: z.ZodError, where: string, names: readonly string[] = []): string {
  const parts = error.issues.slice(0, 3).map((issue) => {
    const [head, ...rest] = issue.path;
    let path = where;
    if (typeof head === "number") path += `[${head}]${names[head] ? ` (${names[head]})` : ""}`;
    else if (head !== undefined) path += `.${String(head)}`;
    for (const p of rest) path += typeof p === "number" ? `[${p}]` : `.${String(p)}`;
    return `${path}: ${issue.message}`;
  });
  const more = error.issues.length > 3 ? `; and ${error.issues.length - 3} more` : "";
  return parts.join("; ") + more;
}
