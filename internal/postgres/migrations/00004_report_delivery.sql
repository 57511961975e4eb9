-- Where merchants want their reports uploaded over SFTP, and which days have been.
-- Mirrors internal/sqlite/migrations/00004_report_delivery.sql column for column.

-- +goose Up
CREATE TABLE report_deliveries (
    merchant_id TEXT    NOT NULL PRIMARY KEY REFERENCES merchants (id),
    address     TEXT    NOT NULL,
    username    TEXT    NOT NULL,
    dir         TEXT    NOT NULL,
    host_key    TEXT    NOT NULL,
    updated_at  BIGINT  NOT NULL
);

CREATE TABLE report_uploads (
    merchant_id   TEXT    NOT NULL REFERENCES merchants (id),
    clearing_date TEXT    NOT NULL,
    files         BIGINT  NOT NULL,
    uploaded_at   BIGINT  NOT NULL,
    PRIMARY KEY (merchant_id, clearing_date)
);

-- +goose Down
DROP TABLE report_uploads;
DROP TABLE report_deliveries;
