package entrypay

import (
	"context"
	"slices"
	"time"
)

// APICaller is who makes a merchant API call that changes stores, entry codes or
// branding: the merchant's own client, or a partner acting for it with an Agent-Token.
// Its changes are audited like a dashboard user's, under the name "client <clientId>"
// or "partner <clientId>".
type APICaller struct {
	// MerchantID is the merchant the call acts for.
	MerchantID string
	// ClientID is the client that signed the call: the merchant's own, or the partner's.
	ClientID string
	// Partner says the call is a partner's.
	Partner bool
}

// Name is how the audit log names the caller.
func (a APICaller) Name() string {
	if a.Partner {
		return "partner " + a.ClientID
	}
	return "client " + a.ClientID
}

// auditor is the caller as the audit log's actor: an owner-like user of the merchant with
// no user id, so the *AsUser paths and their merchant-scoped lookups serve the API too.
func (a APICaller) auditor() (*User, error) {
	if a.MerchantID == "" || a.ClientID == "" {
		return nil, Errorf(EInvalid, "an API caller needs a merchant and a client id")
	}
	return &User{MerchantID: a.MerchantID, Email: a.Name(), Role: RoleOwner}, nil
}

// CreateStoreAsClient creates a store of a's merchant, audited. A reference id already
// used by one of its stores answers that store when the name and display name are the
// same, and is ERepeatInconsistent when they are not.
func (g *Gateway) CreateStoreAsClient(ctx context.Context, a APICaller, in NewStore) (*Store, error) {
	u, err := a.auditor()
	if err != nil {
		return nil, err
	}
	in.MerchantID = a.MerchantID
	return g.createStore(ctx, in, u)
}

// CreateEntryCodeAsClient issues a code for one of a's merchant's stores, audited;
// another merchant's store is ENotFound, like one that does not exist.
func (g *Gateway) CreateEntryCodeAsClient(ctx context.Context, a APICaller, in NewEntryCode) (*EntryCode, error) {
	u, err := a.auditor()
	if err != nil {
		return nil, err
	}
	return g.createEntryCode(ctx, in, u)
}

// SetEntryCodeStatusAsClient disables or re-enables one of a's merchant's codes, audited.
func (g *Gateway) SetEntryCodeStatusAsClient(ctx context.Context, a APICaller, value string, status CodeStatus) (*EntryCode, error) {
	u, err := a.auditor()
	if err != nil {
		return nil, err
	}
	return g.setEntryCodeStatus(ctx, value, status, u)
}

// ReplaceEntryCodeAsClient replaces one of a's merchant's codes, audited, and returns
// the new one.
func (g *Gateway) ReplaceEntryCodeAsClient(ctx context.Context, a APICaller, value string) (*EntryCode, error) {
	u, err := a.auditor()
	if err != nil {
		return nil, err
	}
	return g.replaceEntryCode(ctx, value, u)
}

// SetBrandingAsClient sets a's merchant's branding (b.MerchantID is ignored) with the
// same checks as SetBranding; what changed is audited.
func (g *Gateway) SetBrandingAsClient(ctx context.Context, a APICaller, b Branding, keepLogo bool) (*Branding, error) {
	u, err := a.auditor()
	if err != nil {
		return nil, err
	}
	b.MerchantID = a.MerchantID
	return g.setBranding(ctx, b, keepLogo, u)
}

// PartnerMerchant is a merchant that authorized a partner, with what the partner's
// tokens for it allow.
type PartnerMerchant struct {
	Merchant *Merchant
	// Scopes is the union of the scopes of the partner's active tokens for the merchant.
	Scopes []Scope
	// AuthorizedAt is when the oldest active token was made; ExpiresAt is the latest
	// expiry among them (zero when one never expires).
	AuthorizedAt time.Time
	ExpiresAt    time.Time
}

// PartnerMerchants lists the merchants whose active Agent-Tokens partnerID holds, in the
// order they first authorized it. Revoked and expired tokens do not count.
func (g *Gateway) PartnerMerchants(ctx context.Context, partnerID string) ([]PartnerMerchant, error) {
	if partnerID == "" {
		return nil, Errorf(EInvalid, "a partner is required")
	}
	now := g.now()
	var out []PartnerMerchant
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		tokens, err := tx.AgentTokens(ctx, "", partnerID)
		if err != nil {
			return err
		}
		index := map[string]int{}
		// Newest first from the store: walk them oldest first.
		for i := len(tokens) - 1; i >= 0; i-- {
			t := tokens[i]
			if !t.Active(now) {
				continue
			}
			j, seen := index[t.MerchantID]
			if !seen {
				m, err := tx.Merchant(ctx, t.MerchantID)
				if err != nil {
					return err
				}
				j = len(out)
				index[t.MerchantID] = j
				out = append(out, PartnerMerchant{Merchant: m, AuthorizedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt})
			} else if pm := &out[j]; !pm.ExpiresAt.IsZero() && (t.ExpiresAt.IsZero() || t.ExpiresAt.After(pm.ExpiresAt)) {
				pm.ExpiresAt = t.ExpiresAt
			}
			for _, s := range t.Scopes {
				if !slices.Contains(out[j].Scopes, s) {
					out[j].Scopes = append(out[j].Scopes, s)
				}
			}
		}
		for i := range out {
			slices.Sort(out[i].Scopes)
		}
		return nil
	})
	return out, err
}
