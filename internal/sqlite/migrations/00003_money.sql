-- Settlement amounts and fees on payments and refunds, balance rows, exchange rates,
-- merchant pricing, settlement batches and imported wallet-side files. Mirrors the
-- other engine's 00003_money.sql column for column.

-- +goose Up
ALTER TABLE payments ADD COLUMN settlement_amount_value INTEGER NOT NULL DEFAULT 0;
ALTER TABLE payments ADD COLUMN settlement_amount_currency TEXT NOT NULL DEFAULT '';
-- squote_id is NULL exactly when the payment has no settlement quote.
ALTER TABLE payments ADD COLUMN squote_id TEXT;
ALTER TABLE payments ADD COLUMN squote_pair TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN squote_price TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN squote_start INTEGER NOT NULL DEFAULT 0;
ALTER TABLE payments ADD COLUMN squote_expiry INTEGER NOT NULL DEFAULT 0;
ALTER TABLE payments ADD COLUMN squote_guaranteed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE payments ADD COLUMN fee_value INTEGER NOT NULL DEFAULT 0;
ALTER TABLE payments ADD COLUMN fee_currency TEXT NOT NULL DEFAULT '';
ALTER TABLE refunds ADD COLUMN settlement_amount_value INTEGER NOT NULL DEFAULT 0;
ALTER TABLE refunds ADD COLUMN settlement_amount_currency TEXT NOT NULL DEFAULT '';
ALTER TABLE refunds ADD COLUMN fee_returned_value INTEGER NOT NULL DEFAULT 0;
ALTER TABLE refunds ADD COLUMN fee_returned_currency TEXT NOT NULL DEFAULT '';

ALTER TABLE journal_entries ADD COLUMN batch_id TEXT NOT NULL DEFAULT '';
ALTER TABLE journal_entries ADD COLUMN clearing_date TEXT NOT NULL DEFAULT '';
CREATE INDEX journal_entries_batch_id ON journal_entries (batch_id, seq);
CREATE INDEX journal_entries_clearing_date ON journal_entries (clearing_date, seq);

-- account_balances keeps every account's balance per currency, updated in the
-- transaction that writes the postings; the postings stay the record.
CREATE TABLE account_balances (
    account  TEXT    NOT NULL,
    currency TEXT    NOT NULL,
    balance  INTEGER  NOT NULL,
    PRIMARY KEY (account, currency)
) STRICT;
INSERT INTO account_balances (account, currency, balance)
    SELECT account, amount_currency, SUM(amount_value) FROM journal_postings GROUP BY account, amount_currency;

CREATE TABLE fx_rates (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    base       TEXT    NOT NULL,
    quote      TEXT    NOT NULL,
    price      TEXT    NOT NULL,
    source     TEXT    NOT NULL,
    as_of      INTEGER  NOT NULL,
    created_at INTEGER  NOT NULL
) STRICT;
CREATE INDEX fx_rates_pair ON fx_rates (base, quote, as_of);

CREATE TABLE merchant_pricing (
    merchant_id         TEXT    NOT NULL PRIMARY KEY REFERENCES merchants (id),
    discount_rate_bps   INTEGER  NOT NULL,
    fixed_fee_value     INTEGER  NOT NULL,
    fixed_fee_currency  TEXT    NOT NULL,
    refund_fee_returned INTEGER NOT NULL,
    fx_spread_bps       INTEGER  NOT NULL,
    updated_at          INTEGER  NOT NULL
) STRICT;

CREATE TABLE settlement_batches (
    id            TEXT    NOT NULL PRIMARY KEY,
    merchant_id   TEXT    NOT NULL REFERENCES merchants (id),
    currency      TEXT    NOT NULL,
    clearing_date TEXT    NOT NULL,
    value_date    TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    count         INTEGER  NOT NULL,
    gross         INTEGER  NOT NULL,
    refunds       INTEGER  NOT NULL,
    cancels       INTEGER  NOT NULL,
    fees          INTEGER  NOT NULL,
    net           INTEGER  NOT NULL,
    carried_in    INTEGER  NOT NULL,
    payout        INTEGER  NOT NULL,
    carried_out   INTEGER  NOT NULL,
    created_at    INTEGER  NOT NULL,
    closed_at     INTEGER  NOT NULL,
    settled_at    INTEGER  NOT NULL
) STRICT;
CREATE INDEX settlement_batches_day ON settlement_batches (clearing_date, merchant_id);
CREATE INDEX settlement_batches_merchant ON settlement_batches (merchant_id, currency, clearing_date);

CREATE TABLE wallet_files (
    name        TEXT    NOT NULL PRIMARY KEY,
    hash        TEXT    NOT NULL,
    imported_at INTEGER  NOT NULL
) STRICT;

-- +goose Down
DROP TABLE wallet_files;
DROP TABLE settlement_batches;
DROP TABLE merchant_pricing;
DROP TABLE fx_rates;
DROP TABLE account_balances;
DROP INDEX journal_entries_clearing_date;
DROP INDEX journal_entries_batch_id;
ALTER TABLE journal_entries DROP COLUMN clearing_date;
ALTER TABLE journal_entries DROP COLUMN batch_id;
ALTER TABLE refunds DROP COLUMN fee_returned_currency;
ALTER TABLE refunds DROP COLUMN fee_returned_value;
ALTER TABLE refunds DROP COLUMN settlement_amount_currency;
ALTER TABLE refunds DROP COLUMN settlement_amount_value;
ALTER TABLE payments DROP COLUMN fee_currency;
ALTER TABLE payments DROP COLUMN fee_value;
ALTER TABLE payments DROP COLUMN squote_guaranteed;
ALTER TABLE payments DROP COLUMN squote_expiry;
ALTER TABLE payments DROP COLUMN squote_start;
ALTER TABLE payments DROP COLUMN squote_price;
ALTER TABLE payments DROP COLUMN squote_pair;
ALTER TABLE payments DROP COLUMN squote_id;
ALTER TABLE payments DROP COLUMN settlement_amount_currency;
ALTER TABLE payments DROP COLUMN settlement_amount_value;
