import { statSync } from "node:fs";
import { z } from "zod";

/**
 * Shared helpers for reading configuration from the environment with zod.
 * A bad value stops the program with one line naming the variable (exit code 2).
 */

export type Env = Record<string, string | undefined>;

/** Empty strings count as unset (an `RUN_ID=` line in .env must not yield ""). */
export const unsetIfEmpty = (env: Env): Env =>
  Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ""));

export const port = z.coerce.number().int().min(0).max(65535);
export const positiveInt = z.coerce.number().int().positive();

export const bool = z
  .string()
  .transform((v) => v.trim().toLowerCase())
  .pipe(z.enum(["1", "0", "true", "false", "yes", "no", "on", "off"]))
  .transform((v) => v === "1" || v === "true" || v === "yes" || v === "on");

export const hex64 = z.string().regex(/^[0-9a-fA-F]{64}$/, "must be 64 hex characters");

/** NOSTR_RELAY_URL: one or more ws:// or wss:// URLs, comma-separated. */
export const wsUrlList = z
  .string()
  .transform((s) => s.split(",").map((p) => p.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^wss?:\/\/\S+$/, "must be ws:// or wss:// URLs, comma-separated")).min(1));

/** NOSTR_KIND_*: an addressable kind, so every event can carry its own `d` (docs/nostr.md#kinds). */
export const addressableKind = z.coerce.number().int().min(30000).max(39999);

/** RUN_ID: shared by HashScope and its agents, and used in tags. */
export const runId = z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, "must be 1-64 characters of A-Z a-z 0-9 . _ : -");

/** Variables whose values must never appear in an error line. */
const SECRET = /(TOKEN|SECRET|PASSWORD|_SK)$/;

export class ConfigError extends Error {
  constructor(readonly variable: string, readonly problem: string) {
    super(`config error: ${variable}: ${problem}`);
  }
}

/** Parse `env` with `schema`; on failure throw a ConfigError naming the first bad variable. */
export function parseEnv<S extends z.ZodType>(schema: S, env: Env): z.infer<S> {
  const given = unsetIfEmpty(env);
  const result = schema.safeParse(given);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const variable = issue?.path.length ? String(issue.path[0]) : "environment";
  const value = given[variable];
  const message = issue?.message ?? "invalid";
  const problem =
    value === undefined
      ? "is required"
      : SECRET.test(variable)
        ? message // never echo a secret into logs
        : `${message} (got ${JSON.stringify(value.slice(0, 40))})`;
  throw new ConfigError(variable, problem);
}

/** For entry points: print the one-line error and exit 2. */
/** A ConfigError ends the program with its one line and exit code 2; anything else is rethrown. */
export function exitOnConfigError(err: unknown): never {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  throw err;
}

export function loadOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    return exitOnConfigError(err);
  }
}

/** A warning when `path` (e.g. .env, which may hold API_TOKEN or NOSTR_SK) can be read by other users; else null. */
export function readableByOthers(path: string): string | null {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    return null; // no such file
  }
  if ((mode & 0o077) === 0) return null;
  return `WARNING: ${path} can be read by other users (mode ${(mode & 0o777).toString(8)}) and may hold secrets: chmod 600 ${path}`;
}
