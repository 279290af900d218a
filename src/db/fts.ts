/** `q` as one FTS5 phrase (trigram tokenizer: substring semantics), so no query syntax leaks through. */
export const ftsPhrase = (q: string): string => `"${q.replaceAll('"', '""')}"`;
