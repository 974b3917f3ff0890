-- SPDX-License-Identifier: GPL-3.0-or-later
-- SPDX-FileCopyrightText: Tidings developers
-- Schema version 5: the search index of a folder's first sync is built in the background.
-- While folders.search_deferred is 1 (FolderSync sets it for the first sync of a large folder,
-- and clears it when that sync completes), a new message is noted in search_pending instead
-- of being tokenised row by row; the list shows it at once. MessageStore::indexPendingSearch
-- moves pending messages into messages_fts in batches (one INSERT ... SELECT each, newest
-- first); a crash leaves the notes, and the next pass carries on.
-- Invariant: messages_fts holds exactly the messages that are not pending. message_search, the
-- index's external content, leaves pending messages out, so the FTS5 'integrity-check' and
-- 'rebuild' agree with that at every moment, and every trigger that updates the index skips a
-- pending message (the background pass reads its current subject, addresses and text).
ALTER TABLE folders ADD COLUMN search_deferred INTEGER NOT NULL DEFAULT 0;

-- A rowid table of message ids; kept by the triggers below (no foreign key: the delete trigger
-- removes the note, and an insert never pays a parent lookup).
CREATE TABLE search_pending (
    message_id INTEGER PRIMARY KEY
);

DROP VIEW message_search;
CREATE VIEW message_search AS
    SELECT m.id AS id, m.subject AS subject, m.from_addr AS from_addr, m.to_addr AS to_addr,
           m.cc_addr AS cc_addr, t.body AS body
    FROM messages m LEFT JOIN message_text t ON t.message_id = m.id
    WHERE NOT EXISTS (SELECT 1 FROM search_pending p WHERE p.message_id = m.id);

DROP TRIGGER messages_after_insert;
CREATE TRIGGER messages_after_insert AFTER INSERT ON messages BEGIN
    INSERT OR IGNORE INTO search_pending (message_id)
        SELECT new.id FROM folders WHERE id = new.folder_id AND search_deferred = 1;
    INSERT INTO messages_fts(rowid, subject, from_addr, to_addr, cc_addr, body)
        SELECT new.id, new.subject, new.from_addr, new.to_addr, new.cc_addr, NULL
        WHERE NOT EXISTS (SELECT 1 FROM search_pending WHERE message_id = new.id);
    UPDATE folders SET total_count = total_count + 1,
                       unread_count = unread_count + ((new.flags & 1) = 0)
        WHERE id = new.folder_id;
END;

DROP TRIGGER messages_before_delete;
CREATE TRIGGER messages_before_delete BEFORE DELETE ON messages BEGIN
    DELETE FROM message_text WHERE message_id = old.id;
    INSERT INTO messages_fts(messages_fts, rowid, subject, from_addr, to_addr, cc_addr, body)
        SELECT 'delete', old.id, old.subject, old.from_addr, old.to_addr, old.cc_addr, NULL
        WHERE NOT EXISTS (SELECT 1 FROM search_pending WHERE message_id = old.id);
END;

DROP TRIGGER messages_after_delete;
CREATE TRIGGER messages_after_delete AFTER DELETE ON messages BEGIN
    DELETE FROM search_pending WHERE message_id = old.id;
    UPDATE folders SET total_count = total_count - 1,
                       unread_count = unread_count - ((old.flags & 1) = 0)
        WHERE id = old.folder_id;
END;

DROP TRIGGER messages_after_update_search;
CREATE TRIGGER messages_after_update_search AFTER UPDATE OF subject, from_addr, to_addr, cc_addr ON messages
WHEN (old.subject IS NOT new.subject OR old.from_addr IS NOT new.from_addr
      OR old.to_addr IS NOT new.to_addr OR old.cc_addr IS NOT new.cc_addr)
  AND NOT EXISTS (SELECT 1 FROM search_pending WHERE message_id = new.id)
BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, subject, from_addr, to_addr, cc_addr, body)
        VALUES ('delete', old.id, old.subject, old.from_addr, old.to_addr, old.cc_addr,
                (SELECT body FROM message_text WHERE message_id = old.id));
    INSERT INTO messages_fts(rowid, subject, from_addr, to_addr, cc_addr, body)
        VALUES (new.id, new.subject, new.from_addr, new.to_addr, new.cc_addr,
                (SELECT body FROM message_text WHERE message_id = new.id));
END;

DROP TRIGGER message_text_after_insert;
CREATE TRIGGER message_text_after_insert AFTER INSERT ON message_text
WHEN NOT EXISTS (SELECT 1 FROM search_pending WHERE message_id = new.message_id)
BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, subject, from_addr, to_addr, cc_addr, body)
        SELECT 'delete', id, subject, from_addr, to_addr, cc_addr, NULL FROM messages WHERE id = new.message_id;
    INSERT INTO messages_fts(rowid, subject, from_addr, to_addr, cc_addr, body)
        SELECT id, subject, from_addr, to_addr, cc_addr, new.body FROM messages WHERE id = new.message_id;
END;

DROP TRIGGER message_text_after_update;
CREATE TRIGGER message_text_after_update AFTER UPDATE OF body ON message_text
WHEN NOT EXISTS (SELECT 1 FROM search_pending WHERE message_id = old.message_id)
BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, subject, from_addr, to_addr, cc_addr, body)
        SELECT 'delete', id, subject, from_addr, to_addr, cc_addr, old.body FROM messages WHERE id = old.message_id;
    INSERT INTO messages_fts(rowid, subject, from_addr, to_addr, cc_addr, body)
        SELECT id, subject, from_addr, to_addr, cc_addr, new.body FROM messages WHERE id = new.message_id;
END;

DROP TRIGGER message_text_after_delete;
CREATE TRIGGER message_text_after_delete AFTER DELETE ON message_text
WHEN NOT EXISTS (SELECT 1 FROM search_pending WHERE message_id = old.message_id)
BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, subject, from_addr, to_addr, cc_addr, body)
        SELECT 'delete', id, subject, from_addr, to_addr, cc_addr, old.body FROM messages WHERE id = old.message_id;
    INSERT INTO messages_fts(rowid, subject, from_addr, to_addr, cc_addr, body)
        SELECT id, subject, from_addr, to_addr, cc_addr, NULL FROM messages WHERE id = old.message_id;
END;
