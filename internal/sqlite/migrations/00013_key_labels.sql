-- +goose Up
-- A label on each of a merchant's key versions: whose key it is (the merchant's own
-- systems, or a system integrator's), named in the API's log lines and the audit of
-- partner calls.
ALTER TABLE merchant_keys ADD COLUMN label TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE merchant_keys DROP COLUMN label;
