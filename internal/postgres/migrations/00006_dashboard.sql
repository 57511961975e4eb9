-- The dashboard: its users, their one-time links and sessions, and the audit log; and
-- the index behind a merchant's payment list. Mirrors
-- internal/sqlite/migrations/00006_dashboard.sql column for column.

-- +goose Up
-- merchant_id is '' for operators. password_hash is '' until an invitation is used.
CREATE TABLE users (
    id            TEXT    NOT NULL PRIMARY KEY,
    merchant_id   TEXT    NOT NULL,
    email         TEXT    NOT NULL UNIQUE,
    role          TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    failed_logins BIGINT NOT NULL,
    locked_until  BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX users_merchant_id ON users (merchant_id);

-- Tokens are stored only as their SHA-256 (hex).
CREATE TABLE user_links (
    token_hash TEXT    NOT NULL PRIMARY KEY,
    user_id    TEXT    NOT NULL REFERENCES users (id),
    purpose    TEXT    NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT NOT NULL
);
CREATE INDEX user_links_user_id ON user_links (user_id);

CREATE TABLE sessions (
    token_hash   TEXT    NOT NULL PRIMARY KEY,
    user_id      TEXT    NOT NULL REFERENCES users (id),
    csrf_token   TEXT    NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE audit_log (
    seq         BIGINT  NOT NULL GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          BIGINT NOT NULL,
    user_id     TEXT    NOT NULL,
    email       TEXT    NOT NULL,
    merchant_id TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    detail      TEXT    NOT NULL
);
CREATE INDEX audit_log_subject ON audit_log (subject, seq);
CREATE INDEX audit_log_user_id ON audit_log (user_id, seq);
CREATE INDEX audit_log_merchant_id ON audit_log (merchant_id, seq);

CREATE INDEX payments_merchant_created ON payments (merchant_id, created_at);

-- +goose Down
DROP INDEX payments_merchant_created;
DROP TABLE audit_log;
DROP TABLE sessions;
DROP TABLE user_links;
DROP TABLE users;
