import path from "node:path";
import { SQL } from "bun";
import { drizzle, type BunSQLDatabase } from "drizzle-orm/bun-sql";
import { migrate } from "drizzle-orm/bun-sql/migrator";
import * as schema from "./schema";

/** PostgreSQL through drizzle on Bun's built-in SQL client (async: the relay's thread only awaits the socket). */
export type PgDb = BunSQLDatabase<typeof schema> & { $client: SQL };

export const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//.test(url);

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "postgres://…";
  }
}

/** A pool to a database already migrated (the writer thread's); connects lazily. */
export const connectPg = (url: string, maxConnections = 4): PgDb =>
  drizzle({ client: new SQL({ url, max: maxConnections, connectionTimeout: 10, idleTimeout: 60 }), schema }) as PgDb;

/** Connect, check the server answers, and apply drizzle-pg/ migrations (idempotent; drizzle keeps its journal table). */
export async function openPg(url: string, maxConnections = 4): Promise<PgDb> {
  const db = connectPg(url, maxConnections);
  const client = db.$client;
  try {
    await client`SELECT 1`;
    await migrate(db, { migrationsFolder: path.join(import.meta.dir, "../../../drizzle-pg") });
  } catch (err) {
    await client.close().catch(() => {});
    throw err;
  }
  return db;
}
