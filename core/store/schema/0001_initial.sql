-- SPDX-License-Identifier: GPL-3.0-or-later
-- SPDX-FileCopyrightText: Tidings developers
-- Schema version 1 of tidings.db (docs/store.md explains every table).
-- Conventions: times are INTEGER seconds since the Unix epoch, UTC; every row that belongs to an
-- account carries account_id; a server message is named by (folder_id, uidvalidity, uid).

-- Account settings only: hosts, ports, user names, security. Never a password or token
-- (AccountStore refuses such keys); secrets live in the OS keychain.
CREATE TABLE accounts (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    email       TEXT    NOT NULL DEFAULT '',
    protocol    TEXT    NOT NULL CHECK (protocol IN ('imap', 'pop3')),
    settings    TEXT    NOT NULL DEFAULT '{}',   -- JSON object owned by core/account
    sort_order  INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);

CREATE TABLE folders (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name          BLOB    NOT NULL,              -- the mailbox name bytes exactly as the server sent them
    display_name  TEXT    NOT NULL,
    delimiter     TEXT,                          -- NULL: the server said NIL (flat namespace)
    special_use   TEXT    NOT NULL DEFAULT '',   -- RFC 6154 attribute: '\Sent', '\Trash', ... or ''
    is_inbox      INTEGER NOT NULL DEFAULT 0,
    subscribed    INTEGER NOT NULL DEFAULT 1,
    selectable    INTEGER NOT NULL DEFAULT 1,
    uidvalidity   INTEGER NOT NULL DEFAULT 0,    -- 0: never selected
    uidnext       INTEGER NOT NULL DEFAULT 0,
    highestmodseq INTEGER NOT NULL DEFAULT 0,
    unread_count  INTEGER NOT NULL DEFAULT 0,    -- kept by the triggers below: cached messages
    total_count   INTEGER NOT NULL DEFAULT 0,    -- without \Seen, and all cached messages
    UNIQUE (account_id, name)
);

CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    folder_id       INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
    in_inbox        INTEGER NOT NULL DEFAULT 0,  -- copy of folders.is_inbox for the unified index
    uidvalidity     INTEGER NOT NULL,
    uid             INTEGER,                     -- NULL: no server UID (POP3, or not yet appended)
    modseq          INTEGER NOT NULL DEFAULT 0,
    flags           INTEGER NOT NULL DEFAULT 0,  -- bit set, see MessageFlag in messagestore.h
    keywords        TEXT    NOT NULL DEFAULT '', -- other IMAP keywords, space-separated
    internal_date   INTEGER,
    date            INTEGER,                     -- the Date: header; NULL when absent or unreadable
    sort_date       INTEGER NOT NULL,            -- date, else internal_date, else 0
    size            INTEGER NOT NULL DEFAULT 0,  -- RFC822.SIZE
    subject         TEXT    NOT NULL DEFAULT '',
    from_addr       TEXT    NOT NULL DEFAULT '',
    to_addr         TEXT    NOT NULL DEFAULT '',
    cc_addr         TEXT    NOT NULL DEFAULT '',
    message_id      TEXT,
    in_reply_to     TEXT,
    refs            TEXT,
    has_attachments INTEGER NOT NULL DEFAULT 0,
    preview         TEXT    NOT NULL DEFAULT '',
    bodystructure   BLOB,
    UNIQUE (folder_id, uidvalidity, uid)
);
-- One folder's messages by date (the message list), newest first, keyset-friendly.
CREATE INDEX messages_folder_date ON messages(folder_id, sort_date DESC, id DESC);
-- Every account's INBOX by date (the unified view): a partial index over INBOX rows only.
CREATE INDEX messages_unified_date ON messages(sort_date DESC, id DESC) WHERE in_inbox = 1;
-- Threading and duplicate detection.
CREATE INDEX messages_message_id ON messages(message_id) WHERE message_id IS NOT NULL;

-- Fetched body sections. A row is complete only when received_size = announced_size (CHECK).
-- Large sections live in a file beside the database (file_name, relative to the profile).
CREATE TABLE message_parts (
    message_id     INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    account_id     INTEGER NOT NULL,
    section        TEXT    NOT NULL,             -- IMAP section: '' (whole message), '1.2', 'TEXT', ...
    announced_size INTEGER NOT NULL CHECK (announced_size >= 0),
    received_size  INTEGER NOT NULL DEFAULT 0 CHECK (received_size >= 0 AND received_size <= announced_size),
    complete       INTEGER NOT NULL DEFAULT 0 CHECK (complete = 0 OR received_size = announced_size),
    content        BLOB,
    file_name      TEXT,
    PRIMARY KEY (message_id, section)
) WITHOUT ROWID;

-- Decoded text of a message for full-text search (written by whoever decoded the MIME parts).
CREATE TABLE message_text (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL,
    body       TEXT    NOT NULL
);

-- Full-text search over subject, addresses and fetched text. External content: the index
-- stores no text of its own; message_search is the content it is checked against
-- ('integrity-check') and rebuilt from ('rebuild'). The triggers below keep it in step.
CREATE VIEW message_search AS
    SELECT m.id AS id, m.subject AS subject, m.from_addr AS from_addr, m.to_addr AS to_addr,
           m.cc_addr AS cc_addr, t.body AS body
    FROM messages m LEFT JOIN message_text t ON t.message_id = m.id;

CREATE VIRTUAL TABLE messages_fts USING fts5(
    subject, from_addr, to_addr, cc_addr, body,
    content = 'message_search', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2');

CREATE TRIGGER messages_after_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts(rowid, subject, from_addr, to_addr, cc_addr, body)
        VALUES (new.id, new.subject, new.from_addr, new.to_addr, new.cc_addr, NULL);
    UPDATE folders SET total_count = total_count + 1,
                       unread_count = unread_count + ((new.flags & 1) = 0)
        WHERE id = new.folder_id;
END;

-- The text row goes first (its own trigger re-indexes the message without a body), so the
-- 'delete' below always names exactly what the index holds.
CREATE TRIGGER messages_before_delete BEFORE DELETE ON messages BEGIN
    DELETE FROM message_text WHERE message_id = old.id;
    INSERT INTO messages_fts(messages_fts, rowid, subject, from_addr, to_addr, cc_addr, body)
        VALUES ('delete', old.id, old.subject, old.from_addr, old.to_addr, old.cc_addr, NULL);
END;

CREATE TRIGGER messages_after_delete AFTER DELETE ON messages BEGIN
    UPDATE folders SET total_count = total_count - 1,
                       unread_count = unread_count - ((old.flags & 1) = 0)
        WHERE id = old.folder_id;
END;

CREATE TRIGGER messages_after_update_search AFTER UPDATE OF subject, from_addr, to_addr, cc_addr ON messages
WHEN old.subject IS NOT new.subject OR old.from_addr IS NOT new.from_addr
  OR old.to_addr IS NOT new.to_addr OR old.cc_addr IS NOT new.cc_addr
BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, subject, from_addr, to_addr, cc_addr, body)
        VALUES ('delete', old.id, old.subject, old.from_addr, old.to_addr, old.cc_addr,
                (SELECT body FROM message_text WHERE message_id = old.id));
    INSERT INTO messages_fts(rowid, subject, from_addr, to_addr, cc_addr, body)
        VALUES (new.id, new.subject, new.from_addr, new.to_addr, new.cc_addr,
                (SELECT body FROM message_text WHERE message_id = new.id));
END;

CREATE TRIGGER messages_after_update_counts AFTER UPDATE OF flags, folder_id ON messages
WHEN (old.flags & 1) IS NOT (new.flags & 1) OR old.folder_id IS NOT new.folder_id
BEGIN
    UPDATE folders SET total_count = total_count - 1,
                       unread_count = unread_count - ((old.flags & 1) = 0)
        WHERE id = old.folder_id;
    UPDATE folders SET total_count = total_count + 1,
                       unread_count = unread_count + ((new.flags & 1) = 0)
        WHERE id = new.folder_id;
END;

CREATE TRIGGER message_text_after_insert AFTER INSERT ON message_text BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, subject, from_addr, to_addr, cc_addr, body)
        SELECT 'delete', id, subject, from_addr, to_addr, cc_addr, NULL FROM messages WHERE id = new.message_id;
    INSERT INTO messages_fts(rowid, subject, from_addr, to_addr, cc_addr, body)
        SELECT id, subject, from_addr, to_addr, cc_addr, new.body FROM messages WHERE id = new.message_id;
END;

CREATE TRIGGER message_text_after_update AFTER UPDATE OF body ON message_text BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, subject, from_addr, to_addr, cc_addr, body)
        SELECT 'delete', id, subject, from_addr, to_addr, cc_addr, old.body FROM messages WHERE id = old.message_id;
    INSERT INTO messages_fts(rowid, subject, from_addr, to_addr, cc_addr, body)
        SELECT id, subject, from_addr, to_addr, cc_addr, new.body FROM messages WHERE id = new.message_id;
END;

CREATE TRIGGER message_text_after_delete AFTER DELETE ON message_text BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, subject, from_addr, to_addr, cc_addr, body)
        SELECT 'delete', id, subject, from_addr, to_addr, cc_addr, old.body FROM messages WHERE id = old.message_id;
    INSERT INTO messages_fts(rowid, subject, from_addr, to_addr, cc_addr, body)
        SELECT id, subject, from_addr, to_addr, cc_addr, NULL FROM messages WHERE id = old.message_id;
END;

-- "Local first, server after": a change made in the store at once and replayed to the server
-- in id order, exactly once. Written only in Durability::Full transactions.
CREATE TABLE pending_operations (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,   -- never reused: the replay order
    account_id         INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    kind               TEXT    NOT NULL,
    folder_id          INTEGER REFERENCES folders(id) ON DELETE SET NULL,
    folder_name        BLOB,                                -- server name bytes at queue time
    uidvalidity        INTEGER,                             -- of folder_name when uids were taken
    uids               TEXT    NOT NULL DEFAULT '',         -- an IMAP UID set, e.g. '4,7:9'
    target_folder_name BLOB,                                -- move / copy destination
    payload            BLOB,                                -- kind-specific (flags, raw message, ...)
    state              TEXT    NOT NULL DEFAULT 'queued'
                       CHECK (state IN ('queued', 'in_flight', 'done', 'failed', 'cancelled')),
    attempts           INTEGER NOT NULL DEFAULT 0,
    last_error         TEXT,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);
CREATE INDEX pending_operations_queue ON pending_operations(account_id, id)
    WHERE state IN ('queued', 'in_flight');
CREATE INDEX pending_operations_folder ON pending_operations(folder_id);

-- POP3: every UIDL seen, committed in the same durable transaction as the message it names.
-- message_id is SET NULL when the user deletes the local copy: the UIDL stays known, so the
-- message is never downloaded twice.
CREATE TABLE pop3_uidls (
    account_id        INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    uidl              TEXT    NOT NULL,
    message_id        INTEGER REFERENCES messages(id) ON DELETE SET NULL,
    first_seen        INTEGER NOT NULL,
    deleted_on_server INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, uidl)
) WITHOUT ROWID;
CREATE INDEX pop3_uidls_message ON pop3_uidls(message_id);

-- Messages waiting to be sent. 'uncertain': the connection ended after the message data was
-- sent and before the server's answer; never re-sent without the user's word.
CREATE TABLE outbox (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id         INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    raw_message        BLOB    NOT NULL,
    envelope_from      TEXT    NOT NULL,
    recipients         TEXT    NOT NULL,                    -- newline-separated addresses
    state              TEXT    NOT NULL DEFAULT 'queued'
                       CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'uncertain')),
    last_error         TEXT,
    attempts           INTEGER NOT NULL DEFAULT 0,
    next_attempt_at    INTEGER,
    sent_copy_appended INTEGER NOT NULL DEFAULT 0,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);
CREATE INDEX outbox_account ON outbox(account_id, id);

-- Addresses the user wrote to or read from, for completion in the composer. Shared by all
-- accounts (one address book), so no account_id.
CREATE TABLE contacts_seen (
    address   TEXT    NOT NULL PRIMARY KEY,                 -- lower-cased
    name      TEXT    NOT NULL DEFAULT '',
    last_used INTEGER NOT NULL,
    use_count INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- Certificates the user chose to trust for one host and port (SHA-256 of the DER). Settings,
-- not secrets.
CREATE TABLE certificate_pins (
    host      TEXT    NOT NULL,
    port      INTEGER NOT NULL,
    sha256    BLOB    NOT NULL,
    added_at  INTEGER NOT NULL,
    PRIMARY KEY (host, port, sha256)
) WITHOUT ROWID;
