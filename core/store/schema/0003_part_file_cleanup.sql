-- SPDX-License-Identifier: GPL-3.0-or-later
-- SPDX-FileCopyrightText: Tidings developers
-- Schema version 3: files of large body sections go when their rows go.
-- A row of message_parts with a file_name can disappear in many ways (an expunge, a UIDVALIDITY
-- change, a removed folder or account, all by ON DELETE CASCADE). The trigger notes the file;
-- after each outermost commit Database removes noted files that no row refers to any more and
-- clears the notes. A crash in between leaves the notes for the next commit, never a live file
-- deleted (a note is a file name, and the file is kept while any row names it).
CREATE TABLE deleted_part_files (
    file_name TEXT NOT NULL PRIMARY KEY
) WITHOUT ROWID;

CREATE INDEX message_parts_file_name ON message_parts(file_name) WHERE file_name IS NOT NULL;

CREATE TRIGGER message_parts_file_deleted AFTER DELETE ON message_parts
WHEN OLD.file_name IS NOT NULL
BEGIN
    INSERT OR IGNORE INTO deleted_part_files (file_name) VALUES (OLD.file_name);
END;

CREATE TRIGGER message_parts_file_replaced AFTER UPDATE OF file_name ON message_parts
WHEN OLD.file_name IS NOT NULL AND (NEW.file_name IS NULL OR NEW.file_name <> OLD.file_name)
BEGIN
    INSERT OR IGNORE INTO deleted_part_files (file_name) VALUES (OLD.file_name);
END;
