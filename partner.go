package entrypay

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"time"
)

// AgentToken is a merchant's authorization of a partner (ISV): calls signed by the
// partner's client that carry Token in the Agent-Token header act for the merchant,
// within Scopes, until it expires or is revoked.
//
// The token is stored as it is, not hashed: it is no credential by itself (only calls
// signed with the partner's own key may carry it), the partner must be able to read it
// again (inquiryRegistrationStatus), and Antom's Dashboard shows it likewise.
type AgentToken struct {
	Token      string
	PartnerID  string
	MerchantID string
	Scopes     []Scope
	Label      string
	CreatedAt  time.Time
	// ExpiresAt is zero for a token that does not expire.
	ExpiresAt time.Time
	RevokedAt time.Time
	// CreatedBy says who authorized: a user's email, or "registration" for the token a
	// partner gets when the merchant it registered is approved.
	CreatedBy string
}

// AgentTokenLength is the length of the tokens entrypay makes (Antom's Dashboard makes
// 48-character ones; the header takes at most 128).
const AgentTokenLength = 48

// MaxAgentTokenLength is the longest Agent-Token header accepted.
const MaxAgentTokenLength = 128

// NewAgentTokenValue returns a random token of AgentTokenLength URL-safe characters.
func NewAgentTokenValue() string {
	var b [AgentTokenLength * 3 / 4]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Active reports whether the token may be used at now.
func (t *AgentToken) Active(now time.Time) bool {
	return t.RevokedAt.IsZero() && (t.ExpiresAt.IsZero() || now.Before(t.ExpiresAt))
}

// Allows reports whether the token's scopes include s.
func (t *AgentToken) Allows(s Scope) bool { return slices.Contains(t.Scopes, s) }

// ParseScopes reads a comma-separated list of scopes, each known and once; "all" is
// every scope.
func ParseScopes(s string) ([]Scope, error) {
	if strings.TrimSpace(s) == "all" {
		s = FormatScopes(AllScopes)
	}
	var out []Scope
	for _, part := range strings.Split(s, ",") {
		sc := Scope(strings.TrimSpace(part))
		if sc == "" {
			continue
		}
		if !slices.Contains(AllScopes, sc) {
			return nil, Errorf(EInvalid, "scopes: %q is not one of payments, refunds, reports, codes", clip(string(sc)))
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	if len(out) == 0 {
		return nil, Errorf(EInvalid, "scopes: at least one of payments, refunds, reports, codes is required")
	}
	slices.Sort(out)
	return out, nil
}

// FormatScopes is the comma-separated form ParseScopes reads.
func FormatScopes(ss []Scope) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = string(s)
	}
	return strings.Join(parts, ",")
}

// issueAgentToken stores a new token of partner partnerID for merchantID in tx. It
// checks that the partner is a partner and the merchant a merchant.
func (g *Gateway) issueAgentToken(ctx context.Context, tx Tx, partnerID, merchantID string, scopes []Scope, label, by string, expires, now time.Time) (*AgentToken, error) {
	p, err := tx.Merchant(ctx, partnerID)
	if err != nil || !p.IsPartner() {
		return nil, notFoundOr(err, EInvalid, "partner %q does not exist", clip(partnerID))
	}
	m, err := tx.Merchant(ctx, merchantID)
	if err != nil || m.IsPartner() {
		return nil, notFoundOr(err, EInvalid, "merchant %q does not exist", clip(merchantID))
	}
	if len(scopes) == 0 {
		return nil, Errorf(EInvalid, "scopes: at least one is required")
	}
	if !expires.IsZero() && !expires.After(now) {
		return nil, Errorf(EInvalid, "expiry: %s is not in the future", expires.Format(time.RFC3339))
	}
	t := &AgentToken{Token: NewAgentTokenValue(), PartnerID: partnerID, MerchantID: merchantID, Scopes: scopes,
		Label: label, CreatedAt: now, ExpiresAt: expires, CreatedBy: by}
	if err := tx.InsertAgentToken(ctx, t); err != nil {
		return nil, err
	}
	return t, nil
}

// notFoundOr is notFound that also turns a nil err into the given error (the row exists
// but is the wrong kind).
func notFoundOr(err error, code ErrorCode, format string, args ...any) error {
	if err == nil {
		err = ErrNotFound
	}
	return notFound(err, code, format, args...)
}
