import { hostname } from "node:os";
import { z } from "zod";

/** INSTANCE_ID, and the `instance` filter of the API: a HashScope's name on the rows it stores (PostgreSQL). */
export const InstanceId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, "must be 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit");

/** INSTANCE_ID's default: this machine's host name, cut to what InstanceId allows. */
export function defaultInstanceId(): string {
  const h = hostname().replace(/[^A-Za-z0-9._-]/g, "-").replace(/^[^A-Za-z0-9]+/, "").slice(0, 63);
  return h === "" ? "hashscope" : h;
}

/**
 * Which instance wrote a record read back from a shared PostgreSQL database (pg/reads.ts notes it here, beside the
 * record rather than in it: records are the same whatever stores them, and an export carries none). Records this
 * process captured, or read from its own SQLite file, are its own: see `instanceOf`.
 */
const writers = new WeakMap<object, string>();

export const noteWriter = <T extends object>(record: T, instance: string): T => {
  writers.set(record, instance);
  return record;
};

/** The instance that wrote `record`: as noted when it was read, else `own` (this process). */
export const instanceOf = (record: object, own: string): string => writers.get(record) ?? own;
