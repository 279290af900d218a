-- Search over what users look for (src/db/search.ts) replaces the trigram index over every raw line.
-- The FTS5 table stays for the rows it already covers (form IS NULL: written before 0003); new rows do not go into it.
DROP TRIGGER `messages_fts_insert`;
--> statement-breakpoint
DROP TRIGGER `messages_fts_delete`;
--> statement-breakpoint
CREATE TRIGGER `messages_fts_delete` AFTER DELETE ON `messages` WHEN old.`form` IS NULL BEGIN
  DELETE FROM `messages_fts` WHERE `rowid` = old.`seq`;
END;
--> statement-breakpoint
-- Rows up to this seq may be in messages_fts; searches read it for them.
INSERT INTO `meta` (`key`, `value`) SELECT 'legacy_fts_max_seq', CAST(coalesce(max(`seq`), 0) AS TEXT) FROM `messages` WHERE true
  ON CONFLICT (`key`) DO NOTHING;
--> statement-breakpoint
-- Substring search over the vocabulary (small: one row per distinct text), external content = terms.
CREATE VIRTUAL TABLE `terms_fts` USING fts5(`text`, tokenize = 'trigram', content = 'terms', content_rowid = 'id');
