package storetest

import (
	"testing"

	"github.com/entrypay/entrypay"
)

// testAgentTokens checks that tokens round-trip, are found by value, listed per merchant
// and per partner newest first, and that revocation is written.
func testAgentTokens(t *testing.T, e Engine) {
	h := e.setup(t)
	partner := newMerchant(func(m *entrypay.Merchant) { m.Kind = entrypay.KindPartner })
	a, b := newMerchant(), newMerchant()
	t1 := &entrypay.AgentToken{Token: entrypay.NewAgentTokenValue(), PartnerID: partner.ID, MerchantID: a.ID,
		Scopes: []entrypay.Scope{entrypay.ScopeCodes, entrypay.ScopePayments}, Label: "POS app", CreatedAt: at(1), ExpiresAt: at(60), CreatedBy: "owner@a.example"}
	t2 := &entrypay.AgentToken{Token: entrypay.NewAgentTokenValue(), PartnerID: partner.ID, MerchantID: b.ID,
		Scopes: entrypay.AllScopes, CreatedAt: at(2), CreatedBy: "registration"}
	h.write(func(tx entrypay.Tx) error {
		for _, m := range []*entrypay.Merchant{partner, a, b} {
			if err := tx.InsertMerchant(h.ctx, m); err != nil {
				return err
			}
		}
		for _, tok := range []*entrypay.AgentToken{t1, t2} {
			if err := tx.InsertAgentToken(h.ctx, tok); err != nil {
				return err
			}
		}
		return nil
	})
	if len(t1.Token) != entrypay.AgentTokenLength {
		t.Errorf("token length %d", len(t1.Token))
	}
	h.read(func(tx entrypay.Tx) error {
		got, err := tx.Merchant(h.ctx, partner.ID)
		if err != nil || !got.IsPartner() || a.IsPartner() {
			t.Errorf("partner kind: %+v %v", got, err)
		}
		got1, err := tx.AgentToken(h.ctx, t1.Token)
		same(t, t1, got1)
		if err != nil {
			return err
		}
		_, err = tx.AgentToken(h.ctx, "nope")
		isNotFound(t, "AgentToken of an unknown value", err)
		ofA, err := tx.AgentTokens(h.ctx, a.ID, "")
		same(t, []*entrypay.AgentToken{t1}, ofA)
		ofPartner, err := tx.AgentTokens(h.ctx, "", partner.ID)
		same(t, []*entrypay.AgentToken{t2, t1}, ofPartner)
		if _, err := tx.AgentTokens(h.ctx, "", ""); err == nil {
			t.Error("AgentTokens without a merchant or partner succeeded")
		}
		return err
	})
	t1.RevokedAt = at(5)
	h.write(func(tx entrypay.Tx) error { return tx.UpdateAgentToken(h.ctx, t1) })
	h.read(func(tx entrypay.Tx) error {
		got, err := tx.AgentToken(h.ctx, t1.Token)
		same(t, t1, got)
		return err
	})
}
