package storetest

import (
	"errors"
	"testing"

	"github.com/entrypay/entrypay"
)

func newCode(s *entrypay.Store, value string, opts ...func(*entrypay.EntryCode)) *entrypay.EntryCode {
	c := &entrypay.EntryCode{Value: value, MerchantID: s.MerchantID, StoreID: s.ID, Status: entrypay.CodeActive, CreatedAt: at(1), UpdatedAt: at(1)}
	for _, o := range opts {
		o(c)
	}
	return c
}

func fullCode(c *entrypay.EntryCode) {
	c.Label = "Table 4 · 四號枱"
	c.FixedAmount = entrypay.Amount{Value: 4500, Currency: "HKD"}
	c.ReplacedBy = "ZZZZZZZZZZZZ"
	c.Status = entrypay.CodeDisabled
	c.UpdatedAt = at(9)
}

func testEntryCodes(t *testing.T, e Engine) {
	h := e.setup(t)
	m := h.addMerchant()
	other := h.addMerchant()
	s1, s2, s3 := newStore(m.ID), newStore(m.ID), newStore(other.ID)
	h.write(func(tx entrypay.Tx) error {
		for _, s := range []*entrypay.Store{s1, s2, s3} {
			if err := tx.InsertStore(h.ctx, s); err != nil {
				return err
			}
		}
		return nil
	})
	full := newCode(s1, "7QK2M9XRT4BD", fullCode)
	allSet(t, full)
	minimal := newCode(s1, "8AAAAAAAAAAA", func(c *entrypay.EntryCode) { c.CreatedAt = at(2) })
	onS2 := newCode(s2, "9BBBBBBBBBBB", func(c *entrypay.EntryCode) { c.CreatedAt = at(3) })
	theirs := newCode(s3, "0CCCCCCCCCCC")
	h.write(func(tx entrypay.Tx) error {
		for _, c := range []*entrypay.EntryCode{full, minimal, onS2, theirs} {
			if err := mustInsert(tx.InsertEntryCode(h.ctx, c)); err != nil {
				return err
			}
		}
		// A taken value is reported, and the transaction goes on.
		ok, err := tx.InsertEntryCode(h.ctx, newCode(s2, full.Value))
		if err != nil || ok {
			t.Errorf("duplicate value: inserted=%v err=%v", ok, err)
		}
		return nil
	})
	h.read(func(tx entrypay.Tx) error {
		for _, want := range []*entrypay.EntryCode{full, minimal} {
			got, err := tx.EntryCode(h.ctx, want.Value, true)
			if err != nil {
				return err
			}
			same(t, want, got)
		}
		_, err := tx.EntryCode(h.ctx, "NOSUCHCODE00", false)
		isNotFound(t, "EntryCode", err)
		list, err := tx.EntryCodes(h.ctx, entrypay.EntryCodeQuery{MerchantID: m.ID})
		if err != nil {
			return err
		}
		same(t, []*entrypay.EntryCode{full, minimal, onS2}, list)
		list, err = tx.EntryCodes(h.ctx, entrypay.EntryCodeQuery{MerchantID: m.ID, StoreID: s2.ID})
		if err != nil {
			return err
		}
		same(t, []*entrypay.EntryCode{onS2}, list)
		stores, err := tx.StoresOfMerchant(h.ctx, m.ID)
		if err != nil || len(stores) != 2 {
			t.Errorf("StoresOfMerchant = %d stores, %v", len(stores), err)
		}
		return nil
	})
	minimal.Status, minimal.ReplacedBy, minimal.UpdatedAt = entrypay.CodeDisabled, onS2.Value, at(5)
	h.write(func(tx entrypay.Tx) error { return tx.UpdateEntryCode(h.ctx, minimal) })
	h.read(func(tx entrypay.Tx) error {
		got, err := tx.EntryCode(h.ctx, minimal.Value, false)
		same(t, minimal, got)
		if err := tx.UpdateEntryCode(h.ctx, newCode(s1, "NOSUCHCODE00")); !errors.Is(err, entrypay.ErrNotFound) {
			t.Errorf("update of a missing code: %v", err)
		}
		return err
	})
}

func testBranding(t *testing.T, e Engine) {
	h := e.setup(t)
	m := h.addMerchant()
	h.read(func(tx entrypay.Tx) error {
		_, err := tx.Branding(h.ctx, m.ID)
		isNotFound(t, "Branding", err)
		return nil
	})
	full := &entrypay.Branding{
		MerchantID: m.ID, DisplayName: "Noodle Bar", Color: "#0A7CFF",
		Greetings:     map[string]string{"en": "Welcome!", "zh-Hant": "歡迎光臨"},
		PresetAmounts: []int64{2000, 5000}, MaxAmount: 1000000,
		Logo: allBytes(), LogoType: "image/png", UpdatedAt: at(3),
	}
	allSet(t, full)
	h.write(func(tx entrypay.Tx) error { return tx.PutBranding(h.ctx, full) })
	h.read(func(tx entrypay.Tx) error {
		got, err := tx.Branding(h.ctx, m.ID)
		same(t, full, got)
		return err
	})
	// Replacing it with an empty branding clears every field.
	empty := &entrypay.Branding{MerchantID: m.ID, UpdatedAt: at(4)}
	h.write(func(tx entrypay.Tx) error { return tx.PutBranding(h.ctx, empty) })
	h.read(func(tx entrypay.Tx) error {
		got, err := tx.Branding(h.ctx, m.ID)
		same(t, empty, got)
		return err
	})
}
