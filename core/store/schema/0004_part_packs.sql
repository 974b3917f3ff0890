-- SPDX-License-Identifier: GPL-3.0-or-later
-- SPDX-FileCopyrightText: Tidings developers
-- Schema version 4: body sections packed into one file per write group.
-- A POP3 download commits its messages in groups; PartStore::storePacked writes a group's raw
-- messages one after another into a new file parts/<random>.pack (fsync'ed, with its directory,
-- before the transaction that adds the rows commits), and each row names the pack in file_name
-- and where its bytes start in file_offset (its length is received_size). Rows of a section
-- kept in a file of its own leave file_offset NULL. A pack file goes, through migration 3's
-- notes, when the last row naming it goes; a crash before the commit leaves a pack no row names,
-- which PartStore::removeOrphanFiles() deletes.
ALTER TABLE message_parts ADD COLUMN file_offset INTEGER
    CHECK (file_offset IS NULL OR (file_offset >= 0 AND file_name IS NOT NULL));
