-- The operator console's risk and operations pages: the discrepancies reconciliation
-- runs find, kept until an operator resolves them, and the audit log's indexes for the
-- console's filters. Mirrors internal/sqlite/migrations/00009_console_ops.sql column
-- for column.

-- +goose Up
-- Amounts are signed minor units (ours_currency/theirs_currency '' when that side has
-- none). resolved_at is 0 while open; resolved_by is the operator's email.
CREATE TABLE reconciliation_discrepancies (
    seq             BIGINT  NOT NULL GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id              TEXT    NOT NULL UNIQUE,
    network         TEXT    NOT NULL,
    clearing_date   TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    type            TEXT    NOT NULL,
    request_id      TEXT    NOT NULL,
    ours_value      BIGINT  NOT NULL,
    ours_currency   TEXT    NOT NULL,
    theirs_value    BIGINT  NOT NULL,
    theirs_currency TEXT    NOT NULL,
    detail          TEXT    NOT NULL,
    found_at        BIGINT  NOT NULL,
    resolved_at     BIGINT  NOT NULL,
    resolved_by     TEXT    NOT NULL,
    resolution      TEXT    NOT NULL
);
CREATE INDEX reconciliation_discrepancies_open ON reconciliation_discrepancies (resolved_at, seq);

CREATE INDEX audit_log_action ON audit_log (action, seq);
CREATE INDEX audit_log_email ON audit_log (email, seq);
CREATE INDEX audit_log_at ON audit_log (at);

-- +goose Down
DROP INDEX audit_log_at;
DROP INDEX audit_log_email;
DROP INDEX audit_log_action;
DROP TABLE reconciliation_discrepancies;
