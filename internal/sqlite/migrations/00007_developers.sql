-- The developers pages: key versions can be revoked, a merchant's client id can change
-- (switching between sandbox and live adds or drops the SANDBOX_ prefix, and its key
-- versions follow it: ON UPDATE CASCADE), notification attempts asked for by hand are
-- marked, and test notifications are kept. Mirrors
-- internal/postgres/migrations/00007_developers.sql column for column.

-- +goose Up
-- SQLite cannot change a foreign key in place: merchant_keys is rebuilt (nothing
-- references it).
CREATE TABLE merchant_keys_new (
    client_id   TEXT    NOT NULL REFERENCES merchants (client_id) ON UPDATE CASCADE,
    key_version INTEGER NOT NULL,
    public_key  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    -- revoked_at is 0 while the version is active.
    revoked_at  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (client_id, key_version)
) STRICT;
INSERT INTO merchant_keys_new (client_id, key_version, public_key, created_at, revoked_at)
    SELECT client_id, key_version, public_key, created_at, 0 FROM merchant_keys;
DROP TABLE merchant_keys;
ALTER TABLE merchant_keys_new RENAME TO merchant_keys;

ALTER TABLE notification_attempts ADD COLUMN manual INTEGER NOT NULL DEFAULT 0;

-- The delivery log lists a merchant's notifications newest first.
CREATE INDEX notifications_merchant_created ON notifications (merchant_id, created_at);

-- A test notification belongs to no payment and has exactly one attempt, kept in its row.
CREATE TABLE test_notifications (
    id           TEXT    NOT NULL PRIMARY KEY,
    merchant_id  TEXT    NOT NULL REFERENCES merchants (id),
    url          TEXT    NOT NULL,
    body         BLOB    NOT NULL,
    at           INTEGER NOT NULL,
    duration_ns  INTEGER NOT NULL,
    http_status  INTEGER NOT NULL,
    response     TEXT    NOT NULL,
    error        TEXT    NOT NULL,
    acknowledged INTEGER NOT NULL
) STRICT;
CREATE INDEX test_notifications_merchant_at ON test_notifications (merchant_id, at);

-- +goose Down
DROP TABLE test_notifications;
DROP INDEX notifications_merchant_created;
ALTER TABLE notification_attempts DROP COLUMN manual;
CREATE TABLE merchant_keys_old (
    client_id   TEXT    NOT NULL REFERENCES merchants (client_id),
    key_version INTEGER NOT NULL,
    public_key  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (client_id, key_version)
) STRICT;
INSERT INTO merchant_keys_old (client_id, key_version, public_key, created_at)
    SELECT client_id, key_version, public_key, created_at FROM merchant_keys;
DROP TABLE merchant_keys;
ALTER TABLE merchant_keys_old RENAME TO merchant_keys;
