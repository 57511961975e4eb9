-- entrypay's schema on PostgreSQL. It mirrors internal/sqlite/migrations/00001_init.sql
-- column for column, because package sqlstore runs the same SQL on both.
-- Times are BIGINT Unix microseconds in UTC (0 = no time), amounts a BIGINT of minor
-- units beside a TEXT currency, booleans BOOLEAN, bodies BYTEA.
-- Tables that are listed in creation order have seq, an identity column, with the
-- entity's id as a UNIQUE column.

-- +goose Up
CREATE TABLE merchants (
    id                  TEXT    NOT NULL PRIMARY KEY,
    client_id           TEXT    NOT NULL UNIQUE,
    name                TEXT    NOT NULL,
    mcc                 TEXT    NOT NULL,
    region              TEXT    NOT NULL,
    settlement_currency TEXT    NOT NULL,
    notify_url          TEXT    NOT NULL,
    created_at          BIGINT  NOT NULL
);

CREATE TABLE merchant_keys (
    client_id   TEXT    NOT NULL REFERENCES merchants (client_id),
    key_version INTEGER NOT NULL,
    public_key  TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    PRIMARY KEY (client_id, key_version)
);

CREATE TABLE stores (
    id                  TEXT    NOT NULL PRIMARY KEY,
    merchant_id         TEXT    NOT NULL REFERENCES merchants (id),
    name                TEXT    NOT NULL,
    display_name        TEXT    NOT NULL,
    mcc                 TEXT    NOT NULL,
    region              TEXT    NOT NULL,
    settlement_currency TEXT    NOT NULL,
    created_at          BIGINT  NOT NULL
);
CREATE INDEX stores_merchant_id ON stores (merchant_id);

CREATE TABLE gateway_keys (
    key_version INTEGER NOT NULL PRIMARY KEY,
    private_key TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL
);

CREATE TABLE payments (
    id                       TEXT    NOT NULL PRIMARY KEY,
    merchant_id              TEXT    NOT NULL REFERENCES merchants (id),
    request_id               TEXT    NOT NULL,
    amount_value             BIGINT  NOT NULL,
    amount_currency          TEXT    NOT NULL,
    status                   TEXT    NOT NULL,
    result_code              TEXT    NOT NULL,
    result_message           TEXT    NOT NULL,
    reference_order_id       TEXT    NOT NULL,
    order_description        TEXT    NOT NULL,
    order_amount_value       BIGINT  NOT NULL,
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
    customer_amount_value    BIGINT  NOT NULL,
    customer_amount_currency TEXT    NOT NULL,
    -- quote_id is NULL exactly when the payment has no quote.
    quote_id                 TEXT,
    quote_pair               TEXT    NOT NULL,
    quote_price              TEXT    NOT NULL,
    quote_start              BIGINT  NOT NULL,
    quote_expiry             BIGINT  NOT NULL,
    quote_guaranteed         BOOLEAN NOT NULL,
    late_success             TEXT    NOT NULL,
    created_at               BIGINT  NOT NULL,
    updated_at               BIGINT  NOT NULL,
    expires_at               BIGINT  NOT NULL,
    paid_at                  BIGINT  NOT NULL,
    cancelled_at             BIGINT  NOT NULL,
    closed_at                BIGINT  NOT NULL,
    UNIQUE (merchant_id, request_id)
);
-- For the sweep that finds PROCESSING payments past their expiry.
CREATE INDEX payments_status_expires_at ON payments (status, expires_at);

CREATE TABLE payment_events (
    seq        BIGINT  NOT NULL GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payment_id TEXT    NOT NULL REFERENCES payments (id),
    at         BIGINT  NOT NULL,
    kind       TEXT    NOT NULL,
    detail     TEXT    NOT NULL
);
CREATE INDEX payment_events_payment_id ON payment_events (payment_id, seq);

CREATE TABLE refunds (
    seq                 BIGINT  NOT NULL GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                  TEXT    NOT NULL UNIQUE,
    payment_id          TEXT    NOT NULL REFERENCES payments (id),
    merchant_id         TEXT    NOT NULL REFERENCES merchants (id),
    request_id          TEXT    NOT NULL,
    reference_refund_id TEXT    NOT NULL,
    amount_value        BIGINT  NOT NULL,
    amount_currency     TEXT    NOT NULL,
    reason              TEXT    NOT NULL,
    status              TEXT    NOT NULL,
    result_code         TEXT    NOT NULL,
    result_message      TEXT    NOT NULL,
    wallet_refund_id    TEXT    NOT NULL,
    created_at          BIGINT  NOT NULL,
    updated_at          BIGINT  NOT NULL,
    refunded_at         BIGINT  NOT NULL,
    UNIQUE (merchant_id, request_id)
);
CREATE INDEX refunds_payment_id ON refunds (payment_id, seq);

-- journal_entries.payment_id and refund_id have no foreign key: an entry may concern
-- neither (an empty id).
CREATE TABLE journal_entries (
    seq        BIGINT  NOT NULL GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         TEXT    NOT NULL UNIQUE,
    kind       TEXT    NOT NULL,
    payment_id TEXT    NOT NULL,
    refund_id  TEXT    NOT NULL,
    created_at BIGINT  NOT NULL
);
CREATE INDEX journal_entries_payment_id ON journal_entries (payment_id, seq);

CREATE TABLE journal_postings (
    entry_id        TEXT    NOT NULL REFERENCES journal_entries (id),
    position        INTEGER NOT NULL,
    account         TEXT    NOT NULL,
    amount_value    BIGINT  NOT NULL,
    amount_currency TEXT    NOT NULL,
    PRIMARY KEY (entry_id, position)
);
CREATE INDEX journal_postings_account ON journal_postings (account);

CREATE TABLE notifications (
    seq          BIGINT  NOT NULL GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id           TEXT    NOT NULL UNIQUE,
    payment_id   TEXT    NOT NULL REFERENCES payments (id),
    merchant_id  TEXT    NOT NULL REFERENCES merchants (id),
    url          TEXT    NOT NULL,
    body         BYTEA   NOT NULL,
    status       TEXT    NOT NULL,
    attempts     INTEGER NOT NULL,
    created_at   BIGINT  NOT NULL,
    delivered_at BIGINT  NOT NULL
);
CREATE INDEX notifications_payment_id ON notifications (payment_id, seq);

CREATE TABLE notification_attempts (
    notification_id TEXT    NOT NULL REFERENCES notifications (id),
    attempt         INTEGER NOT NULL,
    at              BIGINT  NOT NULL,
    duration_ns     BIGINT  NOT NULL,
    http_status     INTEGER NOT NULL,
    response        TEXT    NOT NULL,
    error           TEXT    NOT NULL,
    acknowledged    BOOLEAN NOT NULL,
    PRIMARY KEY (notification_id, attempt)
);

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
