/**
 * `bun run import FILE`: load a JSON Lines export into the database named by DATABASE_URL
 * (default sqlite:data/hashscope.db). Exit 0 on success, 1 on invalid input, 2 on usage/config errors.
 */
import { fileLines, importJsonLines } from "./import";
import { describeOpenError, openDatabase, parseDatabaseUrl } from "./open";
import { lockDatabaseFile } from "./run-lock";
import { isPostgresUrl, openPg, redactUrl } from "./pg/open";
import { importJsonLinesPg } from "./pg/import";

/** PostgreSQL: no file lock (instances share the database); pg/import.ts refuses seqs a running instance may use. */
async function importIntoPostgres(url: string): Promise<never> {
  const db = await openPg(url, 2).catch((err: unknown) => fail(2, `DATABASE_URL: ${redactUrl(url)}: ${message(err)}`));
  let code = 0;
  try {
    const r = await importJsonLinesPg(db, process.env.INSTANCE_ID || "import", fileLines(input));
    console.log(
      `imported ${input}: sessions ${r.sessions.inserted} new, ${r.sessions.present} already present; ` +
        `messages ${r.messages.inserted} new, ${r.messages.present} already present`,
    );
  } catch (err) {
    code = 1;
    console.error(`import failed: ${message(err)}`);
  } finally {
    await db.$client.close();
  }
  process.exit(code);
}

const fail = (code: number, text: string): never => {
  console.error(text);
  process.exit(code);
};
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

const input = process.argv[2] ?? fail(2, "usage: bun run import FILE.jsonl   (DATABASE_URL selects the database)");
if (!(await Bun.file(input).exists())) fail(2, `import: no such file: ${input}`);
const url = process.env.DATABASE_URL || "sqlite:data/hashscope.db";
if (isPostgresUrl(url)) await importIntoPostgres(url);
const dbFile = (() => {
  try {
    return parseDatabaseUrl(url);
  } catch (err) {
    return fail(2, `DATABASE_URL: ${message(err)}`);
  }
})();
// A running HashScope hands out seqs from where it started: imported ones could take them first.
const locked = dbFile === ":memory:" ? null : lockDatabaseFile(dbFile);
if (locked === "held") fail(2, `import: ${dbFile} is in use by a running HashScope (or another import); stop it first`);
if (locked instanceof Error) fail(2, `DATABASE_URL: ${dbFile}: ${describeOpenError(locked)}`);
const lock = locked instanceof Error || locked === "held" ? null : locked;
const db = (() => {
  try {
    return openDatabase(url);
  } catch (err) {
    return fail(2, `DATABASE_URL: ${message(err)}`);
  }
})();
try {
  const r = await importJsonLines(db, fileLines(input));
  console.log(
    `imported ${input}: sessions ${r.sessions.inserted} new, ${r.sessions.present} already present; ` +
      `messages ${r.messages.inserted} new, ${r.messages.present} already present`,
  );
} catch (err) {
  process.exitCode = 1;
  console.error(`import failed: ${message(err)}`);
} finally {
  db.$client.close();
  lock?.release();
}
