import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The FTS5 table from the custom migration, declared for the query builder only. It is NOT in schema.ts on purpose:
 * drizzle-kit must not try to create it as an ordinary table.
 */
export const messagesFts = sqliteTable("messages_fts", { rowid: integer().notNull(), text: text() });

/** Trigram FTS needs at least 3 characters; shorter needles fall back to a scan. */
export const FTS_MIN_CHARS = 3;

/** `q` as one FTS5 phrase: substring semantics with the trigram tokenizer, no query syntax leaks through. */
export const ftsPhrase = (q: string): string => `"${q.replaceAll('"', '""')}"`;
