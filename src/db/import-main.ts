/**
 * `bun run import FILE`: load a JSON Lines export into the database named by DATABASE_URL
 * (default sqlite:data/hashscope.db). Exit 0 on success, 1 on invalid input, 2 on usage/config errors.
 */
import { ImportError, importJsonLines } from "./import";
import { openDatabase } from "./open";

const file = process.argv[2];
if (!file) {
  console.error("usage: bun run import FILE.jsonl   (DATABASE_URL selects the database)");
  process.exit(2);
}
const url = process.env.DATABASE_URL || "sqlite:data/hashscope.db";
let db;
try {
  db = openDatabase(url);
} catch (err) {
  console.error(`DATABASE_URL: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(2);
}
const input = Bun.file(file);
if (!(await input.exists())) {
  console.error(`import: no such file: ${file}`);
  process.exit(2);
}
try {
  const r = importJsonLines(db, await input.text());
  console.log(
    `imported ${file}: sessions ${r.sessions.inserted} new, ${r.sessions.present} already present; ` +
      `messages ${r.messages.inserted} new, ${r.messages.present} already present`,
  );
  db.$client.close();
} catch (err) {
  console.error(`import failed: ${err instanceof Error ? err.message : String(err)}`);
  db.$client.close();
  process.exit(1);
}
