-- +goose Up
-- Partner (ISV) accounts: a client with keys that acts for the merchants that authorized
-- it (Agent-Token). They live beside merchants, told apart by kind.
ALTER TABLE merchants ADD COLUMN kind TEXT NOT NULL DEFAULT 'merchant';

-- A merchant's authorizations of partners: the Agent-Tokens.
CREATE TABLE agent_tokens (
    token       TEXT    NOT NULL PRIMARY KEY,
    partner_id  TEXT    NOT NULL REFERENCES merchants (id),
    merchant_id TEXT    NOT NULL REFERENCES merchants (id),
    scopes      TEXT    NOT NULL,
    label       TEXT    NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    revoked_at  BIGINT NOT NULL,
    created_by  TEXT    NOT NULL
);
CREATE INDEX agent_tokens_merchant ON agent_tokens (merchant_id, created_at);
CREATE INDEX agent_tokens_partner ON agent_tokens (partner_id, created_at);

-- +goose Down
DROP TABLE agent_tokens;
ALTER TABLE merchants DROP COLUMN kind;
