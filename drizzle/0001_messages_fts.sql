-- Full-text index over raw lines for `q` (substring, case-insensitive): FTS5 with the trigram tokenizer.
-- Contentless (the text already lives in messages) with contentless_delete so retention can delete rows.
CREATE VIRTUAL TABLE `messages_fts` USING fts5(`text`, tokenize = 'trigram', content = '', contentless_delete = 1);
--> statement-breakpoint
CREATE TRIGGER `messages_fts_insert` AFTER INSERT ON `messages` BEGIN
  INSERT INTO `messages_fts` (`rowid`, `text`) VALUES (new.`seq`, coalesce(new.`raw`, new.`raw_hex`, ''));
END;
--> statement-breakpoint
CREATE TRIGGER `messages_fts_delete` AFTER DELETE ON `messages` BEGIN
  DELETE FROM `messages_fts` WHERE `rowid` = old.`seq`;
END;
