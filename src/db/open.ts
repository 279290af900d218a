import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { drizzle, type BunSQLiteDatabase } from "drizzle-orm/bun-sqlite";
import { migrate } from "drizzle-orm/bun-sqlite/migrator";
import * as schema from "./schema";

export type Db = BunSQLiteDatabase<typeof schema> & { $client: Database };

/** Where the migrations live; next to the sources so it works from any cwd (and with `--asset ./drizzle`). */
export const MIGRATIONS_FOLDER = path.join(import.meta.dir, "..", "..", "drizzle");

/** `sqlite:path/to/file.db` or `sqlite::memory:` → the bun:sqlite filename. */
export function parseDatabaseUrl(url: string): string {
  if (!url.startsWith("sqlite:")) throw new Error(`DATABASE_URL must start with sqlite: (got ${JSON.stringify(url)})`);
  const file = url.slice("sqlite:".length);
  if (file === "") throw new Error("DATABASE_URL sqlite: needs a path or :memory:");
  return file;
}

/** Open (creating folders and the file as needed), set pragmas, apply migrations. Synchronous. */
export function openDatabase(url: string): Db {
  const file = parseDatabaseUrl(url);
  const memory = file === ":memory:";
  if (!memory) mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new Database(file, { create: true, strict: true });
  try {
    // WAL: readers (the API) never wait for the writer; NORMAL: a committed transaction survives a process crash.
    if (!memory) sqlite.run("PRAGMA journal_mode = WAL");
    sqlite.run("PRAGMA synchronous = NORMAL");
    sqlite.run("PRAGMA busy_timeout = 5000");
    sqlite.run("PRAGMA temp_store = MEMORY");
    const db = drizzle({ client: sqlite, schema });
    migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
    return db;
  } catch (err) {
    sqlite.close();
    throw err;
  }
}

/** One line for an error opening the database; a full disk is said as such (SQLite says "database or disk is full"). */
export function describeOpenError(err: unknown): string {
  const code = typeof err === "object" && err !== null && "code" in err ? String(err.code) : "";
  const text = (err instanceof Error ? err.message : String(err)).split("\n")[0]!;
  if (code === "ENOSPC" || code === "SQLITE_FULL" || /disk is full|no space left/i.test(text))
    return `the disk is full (${text})`;
  return text;
}
