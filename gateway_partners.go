package entrypay

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// Partners (ISVs) act for the merchants that authorized them: a merchant's owner (or the
// operator, or the CLI) issues an Agent-Token to a partner with scopes; the partner's
// signed calls that carry it act for the merchant. Issuing and revoking are audited in
// their own transaction; every API call made with a token is audited as the partner's.

// Audit actions of partners.
const (
	AuditAgentTokenIssued  = "agent_token_issued"
	AuditAgentTokenRevoked = "agent_token_revoked"
	AuditPartnerCreated    = "partner_created"
	// AuditAPICall records one API call a partner made with an Agent-Token.
	AuditAPICall = "api_call"
)

// Defaults for what a partner account does not use but a merchant row requires: a
// partner never takes payments, so it has no real category or settlement currency.
const (
	PartnerMCC                = "7372" // computer programming and data processing services
	PartnerSettlementCurrency = "USD"
)

// MaxKeyLabel is the longest label of a key version.
const MaxKeyLabel = 64

// AgentTokenRef is the reference that names a token in pages, URLs and audit entries:
// the first 16 hex digits of its SHA-256. The token itself is shown once, when issued.
func AgentTokenRef(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:8])
}

// Authorization is an Agent-Token with the partner it was issued to and the merchant that
// issued it.
type Authorization struct {
	Token    *AgentToken
	Ref      string
	Partner  *Merchant
	Merchant *Merchant
}

// Status is "active", "revoked" or "expired" at now.
func (a Authorization) Status(now time.Time) string {
	switch {
	case !a.Token.RevokedAt.IsZero():
		return "revoked"
	case !a.Token.Active(now):
		return "expired"
	}
	return "active"
}

// NewAuthorization is what authorizing a partner takes.
type NewAuthorization struct {
	// PartnerClientID names the partner by its client id (what a partner tells the
	// merchant); MerchantID is the authorizing merchant.
	PartnerClientID string
	MerchantID      string
	Scopes          []Scope
	Label           string
	// Expires is zero for a token that does not expire.
	Expires time.Time
}

// PartnerCall is one API call a partner made with an Agent-Token, for the audit log.
type PartnerCall struct {
	PartnerClientID string
	MerchantID      string
	API             string
	// Subject is the payment or refund id, or the request id, the call was about.
	Subject    string
	KeyVersion int
	KeyLabel   string
	TokenLabel string
	TokenRef   string
	ResultCode string
}

// AgentAct resolves the Agent-Token a partner's signed call carries: it returns the
// merchant the call acts for and the token. Unknown tokens, another partner's, revoked
// and expired ones are ACCESS_DENIED, saying which (never echoing the token); a token of
// a disabled merchant is INVALID_MERCHANT_STATUS; a sandbox partner acts only for
// sandbox merchants and a live one only for live merchants.
func (g *Gateway) AgentAct(ctx context.Context, partner *Merchant, token string) (*Merchant, *AgentToken, error) {
	if partner == nil || !partner.IsPartner() {
		return nil, nil, Errorf(EAccessDenied, "Agent-Token is for partners")
	}
	now := g.now()
	var m *Merchant
	var t *AgentToken
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		if t, err = tx.AgentToken(ctx, token); err != nil {
			return notFound(err, EAccessDenied, "the Agent-Token is not known")
		}
		if t.PartnerID != partner.ID {
			return Errorf(EAccessDenied, "the Agent-Token was not issued to partner %s", partner.ClientID)
		}
		if m, err = tx.Merchant(ctx, t.MerchantID); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	ref := AgentTokenRef(token)
	switch {
	case !t.RevokedAt.IsZero():
		return nil, nil, Errorf(EAccessDenied, "the Agent-Token %s was revoked at %s", ref, t.RevokedAt.UTC().Format(time.RFC3339))
	case !t.Active(now):
		return nil, nil, Errorf(EAccessDenied, "the Agent-Token %s expired at %s", ref, t.ExpiresAt.UTC().Format(time.RFC3339))
	case partner.Sandbox() != m.Sandbox():
		return nil, nil, Errorf(EAccessDenied, "partner %s is %s and merchant %s is %s: a partner acts only for merchants of its own mode",
			partner.ClientID, modeName(partner), m.ID, modeName(m))
	case m.Disabled:
		return nil, nil, Errorf(EMerchantStatus, "merchant %s is disabled: its calls are refused", m.ID)
	}
	return m, t, nil
}

func modeName(m *Merchant) string {
	if m.Sandbox() {
		return "sandbox"
	}
	return "live"
}

// RecordPartnerCall writes the audit entry of a partner's API call in its own
// transaction (after the call: the call's own transactions are not widened).
func (g *Gateway) RecordPartnerCall(ctx context.Context, c PartnerCall) error {
	key := fmt.Sprintf("key version %d", c.KeyVersion)
	if c.KeyLabel != "" {
		key += fmt.Sprintf(" (%s)", c.KeyLabel)
	}
	tok := "token " + c.TokenRef
	if c.TokenLabel != "" {
		tok += fmt.Sprintf(" (%s)", c.TokenLabel)
	}
	e := &AuditEntry{At: g.now(), Email: "partner " + c.PartnerClientID, MerchantID: c.MerchantID, Action: AuditAPICall,
		Subject: c.Subject, Detail: fmt.Sprintf("%s, %s, %s, result %s", c.API, key, tok, c.ResultCode)}
	return g.cfg.DB.InTx(ctx, func(tx Tx) error { return tx.InsertAuditEntry(ctx, e) })
}

// authorize issues a token to the partner with client id in.PartnerClientID for
// in.MerchantID, and audits it as by (an email, or "cli").
func (g *Gateway) authorize(ctx context.Context, in NewAuthorization, userID, by string) (*AgentToken, error) {
	if len(in.Scopes) == 0 {
		return nil, Errorf(EInvalid, "scopes: choose at least one of payments, refunds, reports, codes")
	}
	if in.Label != "" && !validText(in.Label, MaxKeyLabel) {
		return nil, Errorf(EInvalid, "label must be at most 64 characters, no control characters")
	}
	now := g.now()
	var t *AgentToken
	err := g.cfg.DB.InTx(ctx, func(tx Tx) error {
		p, err := tx.MerchantByClientID(ctx, in.PartnerClientID)
		if err != nil || !p.IsPartner() {
			return notFoundOr(err, EInvalid, "partner client id %q is not a partner of entrypay", clip(in.PartnerClientID))
		}
		m, err := tx.Merchant(ctx, in.MerchantID)
		if err != nil || m.IsPartner() {
			return notFoundOr(err, EInvalid, "merchant %q does not exist", clip(in.MerchantID))
		}
		if p.Sandbox() != m.Sandbox() {
			return Errorf(EInvalid, "partner client id: %s is a %s partner and this merchant is %s; authorize a partner of the same mode",
				p.ClientID, modeName(p), modeName(m))
		}
		if t, err = g.issueAgentToken(ctx, tx, p.ID, m.ID, in.Scopes, in.Label, by, in.Expires, now); err != nil {
			return err
		}
		exp := "never expires"
		if !t.ExpiresAt.IsZero() {
			exp = "expires " + t.ExpiresAt.UTC().Format(time.RFC3339)
		}
		return tx.InsertAuditEntry(ctx, &AuditEntry{At: now, UserID: userID, Email: by, MerchantID: m.ID, Action: AuditAgentTokenIssued,
			Subject: AgentTokenRef(t.Token), Detail: fmt.Sprintf("partner %s (%s), scopes %s, label %q, %s", p.Name, p.ClientID, FormatScopes(t.Scopes), t.Label, exp)})
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// AuthorizePartner issues an Agent-Token of the owner's merchant to a partner; only the
// merchant's owner may (ErrForbidden otherwise). in.MerchantID is ignored: it is the
// owner's merchant.
func (g *Gateway) AuthorizePartner(ctx context.Context, u *User, in NewAuthorization) (*AgentToken, error) {
	if err := ownerOf(u); err != nil {
		return nil, err
	}
	in.MerchantID = u.MerchantID
	return g.authorize(ctx, in, u.ID, u.Email)
}

// AuthorizePartnerByCLI issues an Agent-Token from the command line (audited as "cli").
func (g *Gateway) AuthorizePartnerByCLI(ctx context.Context, in NewAuthorization) (*AgentToken, error) {
	return g.authorize(ctx, in, "", "cli")
}

// MerchantAuthorizations lists the tokens a merchant issued, newest first.
func (g *Gateway) MerchantAuthorizations(ctx context.Context, merchantID string) ([]Authorization, error) {
	return g.authorizations(ctx, merchantID, "")
}

// PartnerAuthorizations lists the tokens issued to a partner by every merchant, newest
// first.
func (g *Gateway) PartnerAuthorizations(ctx context.Context, partnerID string) ([]Authorization, error) {
	return g.authorizations(ctx, "", partnerID)
}

func (g *Gateway) authorizations(ctx context.Context, merchantID, partnerID string) ([]Authorization, error) {
	var out []Authorization
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		ts, err := tx.AgentTokens(ctx, merchantID, partnerID)
		if err != nil {
			return err
		}
		seen := map[string]*Merchant{}
		get := func(id string) (*Merchant, error) {
			if m, ok := seen[id]; ok {
				return m, nil
			}
			m, err := tx.Merchant(ctx, id)
			seen[id] = m
			return m, err
		}
		for _, t := range ts {
			p, err := get(t.PartnerID)
			if err != nil {
				return err
			}
			m, err := get(t.MerchantID)
			if err != nil {
				return err
			}
			out = append(out, Authorization{Token: t, Ref: AgentTokenRef(t.Token), Partner: p, Merchant: m})
		}
		return nil
	})
	return out, err
}

// RevokeAuthorization revokes the token named by ref (AgentTokenRef). An owner revokes
// its merchant's tokens; an operator those of the partner partnerID. Anything else is
// ErrForbidden; a ref of another merchant or partner is ENotFound, like one that does not
// exist; a token already revoked is EInvalid.
func (g *Gateway) RevokeAuthorization(ctx context.Context, by *User, partnerID, ref string) (*AgentToken, error) {
	merchantID := ""
	switch {
	case ownerOf(by) == nil:
		merchantID, partnerID = by.MerchantID, ""
	case asOperator(by) == nil:
		if partnerID == "" {
			return nil, Errorf(ENotFound, "no such authorization")
		}
	default:
		return nil, ErrForbidden
	}
	now := g.now()
	var t *AgentToken
	err := g.cfg.DB.InTx(ctx, func(tx Tx) error {
		ts, err := tx.AgentTokens(ctx, merchantID, partnerID)
		if err != nil {
			return err
		}
		for _, c := range ts {
			if AgentTokenRef(c.Token) == ref {
				t = c
			}
		}
		if t == nil {
			return Errorf(ENotFound, "no such authorization")
		}
		if !t.RevokedAt.IsZero() {
			return Errorf(EInvalid, "the authorization %s is already revoked", ref)
		}
		t.RevokedAt = now
		if err := tx.UpdateAgentToken(ctx, t); err != nil {
			return err
		}
		p, err := tx.Merchant(ctx, t.PartnerID)
		if err != nil {
			return err
		}
		return tx.InsertAuditEntry(ctx, &AuditEntry{At: now, UserID: by.ID, Email: by.Email, MerchantID: t.MerchantID, Action: AuditAgentTokenRevoked,
			Subject: ref, Detail: fmt.Sprintf("partner %s (%s), scopes %s, label %q", p.Name, p.ClientID, FormatScopes(t.Scopes), t.Label)})
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// Partners lists the partner accounts, by name.
func (g *Gateway) Partners(ctx context.Context) ([]*Merchant, error) {
	return g.accounts(ctx, KindPartner)
}

// CreatePartner creates a partner account for an operator (audited partner_created):
// a client with its first key, as OnboardMerchant does for a merchant.
func (g *Gateway) CreatePartner(ctx context.Context, by *User, in NewMerchant) (*Merchant, error) {
	if err := asOperator(by); err != nil {
		return nil, err
	}
	in.Kind = KindPartner
	return g.createMerchant(ctx, in, merchantAudit(by, AuditPartnerCreated, "", ""))
}

// checkKeyLabel refuses a key label too long or with control characters.
func checkKeyLabel(label string) error {
	if label != "" && !validText(label, MaxKeyLabel) {
		return Errorf(EInvalid, "label must be at most %d characters, no control characters", MaxKeyLabel)
	}
	return nil
}
