-- +goose Up
-- Partner (ISV) accounts: a client with keys that acts for the merchants that authorized
-- it (Agent-Token). They live beside merchants, told apart by kind.
ALTER TABLE merchants ADD COLUMN kind TEXT NOT NULL DEFAULT 'merchant';

-- +goose Down
ALTER TABLE merchants DROP COLUMN kind;
