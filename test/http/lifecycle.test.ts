import { expect, test } from "bun:test";
import { startSimPool } from "../../src/sim/pool";
import { startTestHashScope } from "../helpers/hashscope";
import { tempDir } from "../db/fixtures";

test("stop is safe to call twice at once and again after (Ctrl-C reaches a process twice); the database is closed cleanly once", async () => {
  const tmp = tempDir();
  const pool = await startSimPool();
  try {
    const env = { DATABASE_URL: tmp.url("lifecycle.db") };
    const hs = await startTestHashScope(pool.port, env);
    // Whatever a second stop would complain about (a server already stopped, a database already closed) is logged.
    const logged: string[] = [];
    const saved = { error: console.error, warn: console.warn, log: console.log };
    console.error = console.warn = console.log = (...args: unknown[]) => void logged.push(args.map(String).join(" "));
    try {
      await Promise.all([hs.stop(), hs.stop()]);
      await hs.stop();
    } finally {
      Object.assign(console, saved);
    }
    expect(logged).toEqual([]);
    // The clean close was recorded: the next start does not think it follows a crash, and can take the database.
    const again = await startTestHashScope(pool.port, env);
    expect(again.db!.stats().recovered_from_crash).toBe(false);
    await again.stop();
  } finally {
    await pool.stop();
    tmp.cleanup();
  }
});
