-- The developers pages: key versions can be revoked, a merchant's client id can change
-- (switching between sandbox and live adds or drops the SANDBOX_ prefix, and its key
-- versions follow it: ON UPDATE CASCADE), notification attempts asked for by hand are
-- marked, and test notifications are kept. Mirrors
-- internal/sqlite/migrations/00007_developers.sql column for column.

-- +goose Up
-- revoked_at is 0 while the version is active.
ALTER TABLE merchant_keys ADD COLUMN revoked_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE merchant_keys DROP CONSTRAINT merchant_keys_client_id_fkey;
ALTER TABLE merchant_keys ADD CONSTRAINT merchant_keys_client_id_fkey
    FOREIGN KEY (client_id) REFERENCES merchants (client_id) ON UPDATE CASCADE;

ALTER TABLE notification_attempts ADD COLUMN manual BOOLEAN NOT NULL DEFAULT false;

-- The delivery log lists a merchant's notifications newest first.
CREATE INDEX notifications_merchant_created ON notifications (merchant_id, created_at);

-- A test notification belongs to no payment and has exactly one attempt, kept in its row.
CREATE TABLE test_notifications (
    id           TEXT    NOT NULL PRIMARY KEY,
    merchant_id  TEXT    NOT NULL REFERENCES merchants (id),
    url          TEXT    NOT NULL,
    body         BYTEA   NOT NULL,
    at           BIGINT  NOT NULL,
    duration_ns  BIGINT  NOT NULL,
    http_status  INTEGER NOT NULL,
    response     TEXT    NOT NULL,
    error        TEXT    NOT NULL,
    acknowledged BOOLEAN NOT NULL
);
CREATE INDEX test_notifications_merchant_at ON test_notifications (merchant_id, at);

-- +goose Down
DROP TABLE test_notifications;
DROP INDEX notifications_merchant_created;
ALTER TABLE notification_attempts DROP COLUMN manual;
ALTER TABLE merchant_keys DROP CONSTRAINT merchant_keys_client_id_fkey;
ALTER TABLE merchant_keys ADD CONSTRAINT merchant_keys_client_id_fkey
    FOREIGN KEY (client_id) REFERENCES merchants (client_id);
ALTER TABLE merchant_keys DROP COLUMN revoked_at;
