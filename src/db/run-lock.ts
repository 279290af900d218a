import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import path from "node:path";

/**
 * One process at a time per database file: two HashScopes (or a HashScope and an import) writing the same file would
 * hand out the same seqs, and the later rows would be dropped as "already present". The lock is an exclusive SQLite
 * transaction held on a small side file (`<db>.lock`) for as long as the process uses the database; the operating system
 * lets go of it when the process ends, even on kill -9, so a crash never leaves it stuck.
 */
export type RunLock = { release(): void };

/**
 * The lock; "held" when another process (or another open in this one) holds it; the error when the lock file cannot
 * be made at all (a bad or unwritable folder, a full disk), which is not the same as "in use".
 */
export function lockDatabaseFile(file: string): RunLock | "held" | Error {
  let lock: Database;
  try {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    lock = new Database(`${file}.lock`, { create: true });
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
  try {
    lock.run("PRAGMA locking_mode = EXCLUSIVE");
    lock.run("BEGIN EXCLUSIVE"); // busy_timeout is 0: fails at once when held elsewhere
  } catch (err) {
    lock.close();
    const code = typeof err === "object" && err !== null && "code" in err ? String(err.code) : "";
    if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) return "held";
    return err instanceof Error ? err : new Error(String(err));
  }
  return {
    release() {
      lock.close();
    },
  };
}
