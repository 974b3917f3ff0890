-- SPDX-License-Identifier: GPL-3.0-or-later
-- SPDX-FileCopyrightText: Tidings developers
-- Schema version 2: facts about the profile itself.
-- 'id' is a random identifier made when the profile is created. Keychain entries are keyed by
-- it (CredentialStore::keyFor), so two profiles on one machine never share a password entry
-- even though both number their accounts from 1. Not a secret.
CREATE TABLE profile (
    key   TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

INSERT INTO profile (key, value) VALUES ('id', lower(hex(randomblob(16))));
