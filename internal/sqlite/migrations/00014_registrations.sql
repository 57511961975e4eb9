-- +goose Up
-- Partners' registrations of merchants (KYB), reviewed by an operator. The details are
-- one JSON document; what is searched is in columns. A partner's request id is unique,
-- and so is a referenceMerchantId among its registrations that are not rejected.
CREATE TABLE registrations (
    id                    TEXT    NOT NULL PRIMARY KEY,
    partner_id            TEXT    NOT NULL REFERENCES merchants (id),
    request_id            TEXT    NOT NULL,
    reference_merchant_id TEXT    NOT NULL,
    details               TEXT    NOT NULL,
    hash                  TEXT    NOT NULL,
    status                TEXT    NOT NULL,
    reason                TEXT    NOT NULL,
    merchant_id           TEXT    NOT NULL,
    store_id              TEXT    NOT NULL,
    reviewed_by           TEXT    NOT NULL,
    reviewed_at           INTEGER NOT NULL,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    wallet                TEXT    NOT NULL,
    wallet_error          TEXT    NOT NULL,
    wallet_at             INTEGER NOT NULL,
    notify_url            TEXT    NOT NULL,
    notify_body           BLOB    NOT NULL,
    notify_status         TEXT    NOT NULL,
    notify_attempts       INTEGER NOT NULL,
    notified_at           INTEGER NOT NULL,
    UNIQUE (partner_id, request_id)
) STRICT;
CREATE UNIQUE INDEX registrations_live_reference ON registrations (partner_id, reference_merchant_id) WHERE status <> 'REJECTED';
CREATE INDEX registrations_status ON registrations (status, created_at);
CREATE INDEX registrations_partner ON registrations (partner_id, created_at);

-- The delivery attempts of each registration's notifyRegistrationStatus.
CREATE TABLE registration_attempts (
    registration_id TEXT    NOT NULL REFERENCES registrations (id),
    attempt         INTEGER NOT NULL,
    at              INTEGER NOT NULL,
    duration_ns     INTEGER NOT NULL,
    http_status     INTEGER NOT NULL,
    response        TEXT    NOT NULL,
    error           TEXT    NOT NULL,
    acknowledged    INTEGER NOT NULL,
    manual          INTEGER NOT NULL,
    PRIMARY KEY (registration_id, attempt)
) STRICT;

-- +goose Down
DROP TABLE registration_attempts;
DROP TABLE registrations;
