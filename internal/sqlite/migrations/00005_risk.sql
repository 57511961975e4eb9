-- The risk engine: rule sets, decisions, velocity counters, and the review state of held
-- payments and refunds. Mirrors internal/postgres/migrations/00005_risk.sql column for column.

-- +goose Up
ALTER TABLE payments ADD COLUMN risk_review TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN device_id TEXT NOT NULL DEFAULT '';
ALTER TABLE refunds ADD COLUMN risk_review TEXT NOT NULL DEFAULT '';

CREATE TABLE risk_rule_sets (
    version    INTEGER  NOT NULL PRIMARY KEY,
    status     TEXT    NOT NULL,
    source     TEXT    NOT NULL,
    comment    TEXT    NOT NULL,
    created_at INTEGER  NOT NULL,
    updated_at INTEGER  NOT NULL
) STRICT;

-- verdict, shadow and signals are JSON (shadow '' when no shadow set was evaluated).
CREATE TABLE risk_decisions (
    id          TEXT    NOT NULL PRIMARY KEY,
    kind        TEXT    NOT NULL,
    merchant_id TEXT    NOT NULL REFERENCES merchants (id),
    payment_id  TEXT    NOT NULL,
    refund_id   TEXT    NOT NULL,
    outcome     TEXT    NOT NULL,
    verdict     TEXT    NOT NULL,
    shadow      TEXT    NOT NULL,
    signals     TEXT    NOT NULL,
    review      TEXT    NOT NULL,
    reviewed_by TEXT    NOT NULL,
    reviewed_at INTEGER  NOT NULL,
    created_at  INTEGER  NOT NULL
) STRICT;
CREATE INDEX risk_decisions_created_at ON risk_decisions (created_at);
CREATE INDEX risk_decisions_merchant_id ON risk_decisions (merchant_id, created_at);
CREATE INDEX risk_decisions_payment_id ON risk_decisions (payment_id);
CREATE INDEX risk_decisions_review ON risk_decisions (review, created_at);

-- One bucket of a velocity counter: span 'm', 'h', 'd' (start = Unix seconds of the
-- bucket) or 'all' (start 0), the lock every payment of the key takes first.
CREATE TABLE risk_counters (
    key             TEXT    NOT NULL,
    span            TEXT    NOT NULL,
    start           INTEGER  NOT NULL,
    count           INTEGER  NOT NULL,
    amount          INTEGER  NOT NULL,
    declined_count  INTEGER  NOT NULL,
    declined_amount INTEGER  NOT NULL,
    PRIMARY KEY (key, span, start)
) STRICT;

-- +goose Down
DROP TABLE risk_counters;
DROP TABLE risk_decisions;
DROP TABLE risk_rule_sets;
ALTER TABLE refunds DROP COLUMN risk_review;
ALTER TABLE payments DROP COLUMN device_id;
ALTER TABLE payments DROP COLUMN risk_review;
