package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/entrypay/entrypay"
)

var agentTokenCols = []string{"token", "partner_id", "merchant_id", "scopes", "label", "created_at", "expires_at", "revoked_at", "created_by"}

var (
	selectAgentTokenSQL = selectSQL("agent_tokens", agentTokenCols)
	insertAgentTokenSQL = insertSQL("agent_tokens", agentTokenCols, "")
	updateAgentTokenSQL = updateSQL("agent_tokens", agentTokenCols)
)

func agentTokenArgs(a *entrypay.AgentToken) []any {
	return []any{a.Token, a.PartnerID, a.MerchantID, entrypay.FormatScopes(a.Scopes), a.Label, micros(a.CreatedAt), micros(a.ExpiresAt), micros(a.RevokedAt), a.CreatedBy}
}

func scanAgentToken(r scanner) (*entrypay.AgentToken, error) {
	var a entrypay.AgentToken
	var scopes string
	if err := r.Scan(&a.Token, &a.PartnerID, &a.MerchantID, &scopes, &a.Label, timeCol{&a.CreatedAt}, timeCol{&a.ExpiresAt}, timeCol{&a.RevokedAt}, &a.CreatedBy); err != nil {
		return nil, err
	}
	for _, s := range strings.Split(scopes, ",") {
		if s != "" {
			a.Scopes = append(a.Scopes, entrypay.Scope(s))
		}
	}
	return &a, nil
}

// InsertAgentToken stores a new token.
func (t *tx) InsertAgentToken(ctx context.Context, a *entrypay.AgentToken) error {
	if _, err := t.exec(ctx, insertAgentTokenSQL, agentTokenArgs(a)...); err != nil {
		return fmt.Errorf("sqlstore: insert agent token of partner %s for merchant %s: %w", a.PartnerID, a.MerchantID, err)
	}
	return nil
}

// AgentToken returns the token with this value.
func (t *tx) AgentToken(ctx context.Context, token string) (*entrypay.AgentToken, error) {
	a, err := scanAgentToken(t.queryRow(ctx, selectAgentTokenSQL+" WHERE token = $1", token))
	if err != nil {
		// The token is never put in an error: it would reach the logs.
		return nil, fmt.Errorf("sqlstore: agent token: %w", notFound(err))
	}
	return a, nil
}

// UpdateAgentToken writes every field of a over the token with its value.
func (t *tx) UpdateAgentToken(ctx context.Context, a *entrypay.AgentToken) error {
	if err := t.update(ctx, updateAgentTokenSQL, agentTokenArgs(a)...); err != nil {
		return fmt.Errorf("sqlstore: update agent token of partner %s for merchant %s: %w", a.PartnerID, a.MerchantID, err)
	}
	return nil
}

// AgentTokens lists the tokens given by a merchant or to a partner, newest first.
func (t *tx) AgentTokens(ctx context.Context, merchantID, partnerID string) ([]*entrypay.AgentToken, error) {
	var c conds
	if merchantID != "" {
		c.add("merchant_id = ?", merchantID)
	}
	if partnerID != "" {
		c.add("partner_id = ?", partnerID)
	}
	if len(c.where) == 0 {
		return nil, errors.New("sqlstore: agent tokens: a merchant or a partner is required")
	}
	ts, err := queryAll(ctx, t, scanAgentToken, selectAgentTokenSQL+c.sql()+" ORDER BY created_at DESC, token", c.args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: agent tokens of merchant %q partner %q: %w", merchantID, partnerID, err)
	}
	return ts, nil
}
