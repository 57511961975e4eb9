-- entrypay's schema on SQLite. It mirrors internal/postgres/migrations/00001_init.sql
-- column for column, because package sqlstore runs the same SQL on both.
-- Times are INTEGER Unix microseconds in UTC (0 = no time), amounts an INTEGER of minor
-- units beside a TEXT currency, booleans INTEGER 0/1. STRICT makes SQLite refuse a
-- value of the wrong type instead of storing it anyway.
-- Tables that are listed in creation order have seq, an INTEGER PRIMARY KEY
-- AUTOINCREMENT (never reused), with the entity's id as a UNIQUE column.

-- +goose Up
CREATE TABLE merchants (
    id                  TEXT    NOT NULL PRIMARY KEY,
    client_id           TEXT    NOT NULL UNIQUE,
    name                TEXT    NOT NULL,
    mcc                 TEXT    NOT NULL,
    region              TEXT    NOT NULL,
    settlement_currency TEXT    NOT NULL,
    notify_url          TEXT    NOT NULL,
    created_at          INTEGER NOT NULL
) STRICT;

CREATE TABLE merchant_keys (
    client_id   TEXT    NOT NULL REFERENCES merchants (client_id),
    key_version INTEGER NOT NULL,
    public_key  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (client_id, key_version)
) STRICT;

CREATE TABLE stores (
    id                  TEXT    NOT NULL PRIMARY KEY,
    merchant_id         TEXT    NOT NULL REFERENCES merchants (id),
    name                TEXT    NOT NULL,
    display_name        TEXT    NOT NULL,
    mcc                 TEXT    NOT NULL,
    region              TEXT    NOT NULL,
    settlement_currency TEXT    NOT NULL,
    created_at          INTEGER NOT NULL
) STRICT;
CREATE INDEX stores_merchant_id ON stores (merchant_id);

CREATE TABLE gateway_keys (
    key_version INTEGER NOT NULL PRIMARY KEY,
    private_key TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE payments (
    id                       TEXT    NOT NULL PRIMARY KEY,
    merchant_id              TEXT    NOT NULL REFERENCES merchants (id),
    request_id               TEXT    NOT NULL,
    amount_value             INTEGER NOT NULL,
    amount_currency          TEXT    NOT NULL,
    status                   TEXT    NOT NULL,
    result_code              TEXT    NOT NULL,
    result_message           TEXT    NOT NULL,
    reference_order_id       TEXT    NOT NULL,
    order_description        TEXT    NOT NULL,
    order_amount_value       INTEGER NOT NULL,
    order_amount_currency    TEXT    NOT NULL,
    store_reference_id       TEXT    NOT NULL,
    store_name               TEXT    NOT NULL,
    store_mcc                TEXT    NOT NULL,
    store_id                 TEXT    NOT NULL,
    wallet                   TEXT    NOT NULL,
    user_agent               TEXT    NOT NULL,
    client_ip                TEXT    NOT NULL,
    notify_url               TEXT    NOT NULL,
    redirect_url             TEXT    NOT NULL,
    settlement_currency      TEXT    NOT NULL,
    network                  TEXT    NOT NULL,
    entry_code               TEXT    NOT NULL,
    wallet_payment_id        TEXT    NOT NULL,
    cashier_url              TEXT    NOT NULL,
    psp_id                   TEXT    NOT NULL,
    wallet_brand             TEXT    NOT NULL,
    wallet_type              TEXT    NOT NULL,
    wallet_customer_id       TEXT    NOT NULL,
    customer_amount_value    INTEGER NOT NULL,
    customer_amount_currency TEXT    NOT NULL,
    -- quote_id is NULL exactly when the payment has no quote.
    quote_id                 TEXT,
    quote_pair               TEXT    NOT NULL,
    quote_price              TEXT    NOT NULL,
    quote_start              INTEGER NOT NULL,
    quote_expiry             INTEGER NOT NULL,
    quote_guaranteed         INTEGER NOT NULL,
    late_success             TEXT    NOT NULL,
    created_at               INTEGER NOT NULL,
    updated_at               INTEGER NOT NULL,
    expires_at               INTEGER NOT NULL,
    paid_at                  INTEGER NOT NULL,
    cancelled_at             INTEGER NOT NULL,
    closed_at                INTEGER NOT NULL,
    UNIQUE (merchant_id, request_id)
) STRICT;
-- For the sweep that finds PROCESSING payments past their expiry.
CREATE INDEX payments_status_expires_at ON payments (status, expires_at);

CREATE TABLE payment_events (
    seq        INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    payment_id TEXT    NOT NULL REFERENCES payments (id),
    at         INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    detail     TEXT    NOT NULL
) STRICT;
CREATE INDEX payment_events_payment_id ON payment_events (payment_id, seq);

CREATE TABLE refunds (
    seq                 INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    id                  TEXT    NOT NULL UNIQUE,
    payment_id          TEXT    NOT NULL REFERENCES payments (id),
    merchant_id         TEXT    NOT NULL REFERENCES merchants (id),
    request_id          TEXT    NOT NULL,
    reference_refund_id TEXT    NOT NULL,
    amount_value        INTEGER NOT NULL,
    amount_currency     TEXT    NOT NULL,
    reason              TEXT    NOT NULL,
    status              TEXT    NOT NULL,
    result_code         TEXT    NOT NULL,
    result_message      TEXT    NOT NULL,
    wallet_refund_id    TEXT    NOT NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    refunded_at         INTEGER NOT NULL,
    UNIQUE (merchant_id, request_id)
) STRICT;
CREATE INDEX refunds_payment_id ON refunds (payment_id, seq);

-- journal_entries.payment_id and refund_id have no foreign key: an entry may concern
-- neither (an empty id).
CREATE TABLE journal_entries (
    seq        INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    id         TEXT    NOT NULL UNIQUE,
    kind       TEXT    NOT NULL,
    payment_id TEXT    NOT NULL,
    refund_id  TEXT    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX journal_entries_payment_id ON journal_entries (payment_id, seq);

CREATE TABLE journal_postings (
    entry_id        TEXT    NOT NULL REFERENCES journal_entries (id),
    position        INTEGER NOT NULL,
    account         TEXT    NOT NULL,
    amount_value    INTEGER NOT NULL,
    amount_currency TEXT    NOT NULL,
    PRIMARY KEY (entry_id, position)
) STRICT;
CREATE INDEX journal_postings_account ON journal_postings (account);

CREATE TABLE notifications (
    seq          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    id           TEXT    NOT NULL UNIQUE,
    payment_id   TEXT    NOT NULL REFERENCES payments (id),
    merchant_id  TEXT    NOT NULL REFERENCES merchants (id),
    url          TEXT    NOT NULL,
    body         BLOB    NOT NULL,
    status       TEXT    NOT NULL,
    attempts     INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    delivered_at INTEGER NOT NULL
) STRICT;
CREATE INDEX notifications_payment_id ON notifications (payment_id, seq);

CREATE TABLE notification_attempts (
    notification_id TEXT    NOT NULL REFERENCES notifications (id),
    attempt         INTEGER NOT NULL,
    at              INTEGER NOT NULL,
    duration_ns     INTEGER NOT NULL,
    http_status     INTEGER NOT NULL,
    response        TEXT    NOT NULL,
    error           TEXT    NOT NULL,
    acknowledged    INTEGER NOT NULL,
    PRIMARY KEY (notification_id, attempt)
) STRICT;

-- +goose Down
DROP TABLE notification_attempts;
DROP TABLE notifications;
DROP TABLE journal_postings;
DROP TABLE journal_entries;
DROP TABLE refunds;
DROP TABLE payment_events;
DROP TABLE payments;
DROP TABLE gateway_keys;
DROP TABLE stores;
DROP TABLE merchant_keys;
DROP TABLE merchants;
