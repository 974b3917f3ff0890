-- SPDX-License-Identifier: GPL-3.0-or-later
-- SPDX-FileCopyrightText: Tidings developers
-- Schema version 6: the Message-ID index of a folder's first large sync is built together with
-- its search index, after the list rows.
-- Message-IDs are random keys: while a first sync wrote its chunks, nearly every row dirtied a
-- different page of messages_message_id, so each commit rewrote most of that index into the
-- WAL (a third of the store's work in the initial sync of 100,000 headers; docs/sync.md). The
-- lookup moves to a table of its own that leaves out the messages still in search_pending
-- (schema 5), and MessageStore::indexPendingSearch adds them in its batches, sorted by key.
-- Invariant: message_ids holds (message_id, id) for every message with a Message-ID that is
-- not pending; MessageStore::findByMessageId also looks among the pending ones, so a lookup
-- never misses a message, before or after its batch.
CREATE TABLE message_ids (
    message_id TEXT    NOT NULL,
    id         INTEGER NOT NULL,  -- messages.id (no foreign key: the triggers below keep it)
    PRIMARY KEY (message_id, id)
) WITHOUT ROWID;

INSERT INTO message_ids (message_id, id)
    SELECT message_id, id FROM messages m
    WHERE message_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM search_pending p WHERE p.message_id = m.id)
    ORDER BY message_id, id;

DROP INDEX messages_message_id;

-- The same test as the one that notes a new message in search_pending (schema 5), made on the
-- folder row, so the order in which SQLite runs the AFTER INSERT triggers does not matter.
CREATE TRIGGER messages_after_insert_message_id AFTER INSERT ON messages
WHEN new.message_id IS NOT NULL
 AND NOT EXISTS (SELECT 1 FROM folders WHERE id = new.folder_id AND search_deferred = 1)
BEGIN
    INSERT OR IGNORE INTO message_ids (message_id, id) VALUES (new.message_id, new.id);
END;

CREATE TRIGGER messages_after_update_message_id AFTER UPDATE OF message_id ON messages
WHEN old.message_id IS NOT new.message_id
BEGIN
    DELETE FROM message_ids WHERE message_id = old.message_id AND id = old.id;
    INSERT OR IGNORE INTO message_ids (message_id, id)
        SELECT new.message_id, new.id
        WHERE new.message_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM search_pending WHERE message_id = new.id);
END;

CREATE TRIGGER messages_after_delete_message_id AFTER DELETE ON messages
WHEN old.message_id IS NOT NULL
BEGIN
    DELETE FROM message_ids WHERE message_id = old.message_id AND id = old.id;
END;
