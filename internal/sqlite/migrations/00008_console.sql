-- The operator console: a merchant's KYB review, status, time zone and limits; and the
-- indexes behind the console's counts across merchants (payments and unknown-outcome
-- wallet calls of a period). Mirrors internal/postgres/migrations/00008_console.sql
-- column for column.

-- +goose Up
-- kyb_status is pending, approved or rejected; merchants from before the review existed
-- are pending. disabled is 0/1. max_payment and max_daily are minor units of the
-- settlement currency, 0 for no limit.
ALTER TABLE merchants ADD COLUMN kyb_status TEXT NOT NULL DEFAULT 'pending';
ALTER TABLE merchants ADD COLUMN kyb_note TEXT NOT NULL DEFAULT '';
ALTER TABLE merchants ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE merchants ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
ALTER TABLE merchants ADD COLUMN max_payment INTEGER NOT NULL DEFAULT 0;
ALTER TABLE merchants ADD COLUMN max_daily INTEGER NOT NULL DEFAULT 0;

CREATE INDEX payments_created_at ON payments (created_at);
CREATE INDEX payment_events_kind_at ON payment_events (kind, at);
CREATE INDEX fx_rates_created_at ON fx_rates (created_at);

-- +goose Down
DROP INDEX fx_rates_created_at;
DROP INDEX payment_events_kind_at;
DROP INDEX payments_created_at;
ALTER TABLE merchants DROP COLUMN max_daily;
ALTER TABLE merchants DROP COLUMN max_payment;
ALTER TABLE merchants DROP COLUMN time_zone;
ALTER TABLE merchants DROP COLUMN disabled;
ALTER TABLE merchants DROP COLUMN kyb_note;
ALTER TABLE merchants DROP COLUMN kyb_status;
