import { eq } from "drizzle-orm";
import type { Db } from "./open";
import { meta, SEQ_HIGH_WATER } from "./schema";
import { prepareWrites } from "./statements";

/**
 * Which run has the database open: its process id while it does, "0" once it closed the database cleanly. A start
 * that finds a pid there follows a crash (a run still alive would hold the lock, see run-lock.ts).
 */
const OPEN_KEY = "open_by_a_run";

/** Record this run as the one with the database open; true when the previous run never closed it (a crash). */
export function markOpen(db: Db): boolean {
  const previous = db.select().from(meta).where(eq(meta.key, OPEN_KEY)).get()?.value;
  prepareWrites(db).setMeta(OPEN_KEY, String(process.pid)); // the pid is for people reading the file; any value but "0" means open
  return previous !== undefined && previous !== "0";
}

/**
 * A clean close: every seq handed out is recorded (the high-water mark is written here too, in case the writer's last
 * batch failed), so the next start needs no gap. If this fails (e.g. a stuck writer still holds the lock), the mark
 * stays and the next start plays safe.
 */
export function markClosed(db: Db, lastSeq: number | null): void {
  try {
    const w = prepareWrites(db);
    // Immediate: a deferred transaction that reads first can fail at once instead of waiting for the lock.
    db.$client
      .transaction(() => {
        // This run's store started past every earlier seq, so its last one is the highest.
        if (lastSeq !== null) w.setMeta(SEQ_HIGH_WATER, String(lastSeq));
        w.setMeta(OPEN_KEY, "0");
      })
      .immediate();
  } catch (err) {
    console.error("storage: could not record a clean close:", err instanceof Error ? err.message : String(err));
  }
}
