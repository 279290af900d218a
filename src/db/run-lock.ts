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

/** The lock, or null when another process (or another open in this one) holds it. */
export function lockDatabaseFile(file: string): RunLock | null {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const lock = new Database(`${file}.lock`, { create: true });
  try {
    lock.run("PRAGMA locking_mode = EXCLUSIVE");
    lock.run("BEGIN EXCLUSIVE"); // busy_timeout is 0: fails at once when held elsewhere
  } catch {
    lock.close();
    return null;
  }
  return {
    release() {
      lock.close();
    },
  };
}
