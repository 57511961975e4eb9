-- +goose Up
-- A store's reference id: the merchant's (or its partner's) own id for the store, given
-- to the codes/createStore API. Unique per merchant where given, so that a createStore
-- sent again finds the store it made instead of making a second one.
ALTER TABLE stores ADD COLUMN reference_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX stores_merchant_reference ON stores (merchant_id, reference_id) WHERE reference_id <> '';

-- +goose Down
DROP INDEX stores_merchant_reference;
ALTER TABLE stores DROP COLUMN reference_id;
