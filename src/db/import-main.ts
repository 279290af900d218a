/**
 * `bun run import FILE`: load a JSON Lines export into the database named by DATABASE_URL
 * (default sqlite:data/hashscope.db). Exit 0 on success, 1 on invalid input, 2 on usage/config errors.
 */
import { fileLines, importJsonLines } from "./import";
import { openDatabase } from "./open";
import { openByPid, processAlive } from "./run-mark";

const fail = (code: number, text: string): never => {
  console.error(text);
  process.exit(code);
};

const file = process.argv[2] ?? fail(2, "usage: bun run import FILE.jsonl   (DATABASE_URL selects the database)");
if (!(await Bun.file(file).exists())) fail(2, `import: no such file: ${file}`);
const url = process.env.DATABASE_URL || "sqlite:data/hashscope.db";
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
const db = (() => {
  try {
    return openDatabase(url);
  } catch (err) {
    return fail(2, `DATABASE_URL: ${message(err)}`);
  }
})();
const runner = openByPid(db);
// A running HashScope hands out seqs from where it started: imported ones could take them first.
if (runner !== null && runner !== process.pid && processAlive(runner))
  fail(2, `import: HashScope (pid ${runner}) has ${url} open; stop it first, then import`);
try {
  const r = await importJsonLines(db, fileLines(file));
  console.log(
    `imported ${file}: sessions ${r.sessions.inserted} new, ${r.sessions.present} already present; ` +
      `messages ${r.messages.inserted} new, ${r.messages.present} already present`,
  );
  db.$client.close();
} catch (err) {
  db.$client.close();
  fail(1, `import failed: ${message(err)}`);
}
