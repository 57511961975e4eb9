-- Entry codes, page branding and the store's pricing currency. Mirrors
-- internal/postgres/migrations/00002_entry_codes.sql column for column.

-- +goose Up
ALTER TABLE stores ADD COLUMN currency TEXT NOT NULL DEFAULT '';
UPDATE stores SET currency = settlement_currency WHERE currency = '';

CREATE TABLE entry_codes (
    value                 TEXT    NOT NULL PRIMARY KEY,
    merchant_id           TEXT    NOT NULL REFERENCES merchants (id),
    store_id              TEXT    NOT NULL REFERENCES stores (id),
    label                 TEXT    NOT NULL,
    fixed_amount_value    INTEGER NOT NULL,
    fixed_amount_currency TEXT    NOT NULL,
    status                TEXT    NOT NULL,
    replaced_by           TEXT    NOT NULL,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL
) STRICT;
CREATE INDEX entry_codes_merchant_id ON entry_codes (merchant_id, created_at);
CREATE INDEX entry_codes_store_id ON entry_codes (store_id, created_at);

CREATE TABLE merchant_branding (
    merchant_id    TEXT    NOT NULL PRIMARY KEY REFERENCES merchants (id),
    display_name   TEXT    NOT NULL,
    color          TEXT    NOT NULL,
    -- greetings and preset_amounts are JSON: a {language: text} object and an array of
    -- minor-unit integers.
    greetings      TEXT    NOT NULL,
    preset_amounts TEXT    NOT NULL,
    max_amount     INTEGER NOT NULL,
    logo           BLOB,
    logo_type      TEXT    NOT NULL,
    updated_at     INTEGER NOT NULL
) STRICT;

-- +goose Down
DROP TABLE merchant_branding;
DROP TABLE entry_codes;
ALTER TABLE stores DROP COLUMN currency;
