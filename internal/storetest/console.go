package storetest

import (
	"testing"

	"github.com/entrypay/entrypay"
)

// testConsoleMerchants: every merchant is listed by name, and MerchantForUpdate reads
// what Merchant does, the console's columns included.
func testConsoleMerchants(t *testing.T, e Engine) {
	h := e.setup(t)
	h.read(func(tx entrypay.Tx) error {
		ms, err := tx.Merchants(h.ctx)
		if len(ms) != 0 {
			t.Errorf("Merchants of an empty database = %d merchants", len(ms))
		}
		_, ferr := tx.MerchantForUpdate(h.ctx, "mer_missing")
		isNotFound(t, "MerchantForUpdate", ferr)
		return err
	})
	zed := h.addMerchant(func(m *entrypay.Merchant) { m.Name = "Zed Tea" })
	full := h.addMerchant(fullMerchant)
	allSet(t, full)
	apple := h.addMerchant(func(m *entrypay.Merchant) {
		m.Name, m.KYBStatus, m.TimeZone = "Apple Café", entrypay.KYBApproved, "UTC"
	})
	h.read(func(tx entrypay.Tx) error {
		ms, err := tx.Merchants(h.ctx)
		same(t, []*entrypay.Merchant{apple, full, zed}, ms)
		if err != nil {
			return err
		}
		got, err := tx.MerchantForUpdate(h.ctx, full.ID)
		same(t, full, got)
		return err
	})
	full.Disabled, full.MaxPayment, full.KYBStatus, full.KYBNote = false, 0, entrypay.KYBApproved, ""
	h.write(func(tx entrypay.Tx) error { return tx.UpdateMerchant(h.ctx, full) })
	h.read(func(tx entrypay.Tx) error {
		got, err := tx.Merchant(h.ctx, full.ID)
		same(t, full, got)
		return err
	})
}

// testSettlementVolume sums the settlement amounts of a merchant's live payments of a
// period in one currency, and nothing else.
func testSettlementVolume(t *testing.T, e Engine) {
	h := e.setup(t)
	m, other := h.addMerchant(), h.addMerchant()
	pay := func(m *entrypay.Merchant, minute int, status entrypay.PaymentStatus, value int64, currency string) {
		h.addPayment(m, func(p *entrypay.Payment) {
			p.CreatedAt, p.Status, p.SettlementAmount = at(minute), status, entrypay.Amount{Value: value, Currency: currency}
		})
	}
	pay(m, 10, entrypay.PaymentSuccess, 100, "HKD")
	pay(m, 11, entrypay.PaymentProcessing, 20, "HKD")
	pay(m, 12, entrypay.PaymentFail, 4000, "HKD")      // failed: not counted
	pay(m, 13, entrypay.PaymentCancelled, 4000, "HKD") // cancelled: not counted
	pay(m, 14, entrypay.PaymentSuccess, 3, "USD")      // another currency
	pay(m, 30, entrypay.PaymentSuccess, 4000, "HKD")   // after the period
	pay(m, 9, entrypay.PaymentSuccess, 4000, "HKD")    // before it
	pay(other, 15, entrypay.PaymentSuccess, 4000, "HKD")
	h.read(func(tx entrypay.Tx) error {
		got, err := tx.SettlementVolume(h.ctx, m.ID, "HKD", at(10), at(30))
		if got != 120 {
			t.Errorf("SettlementVolume = %d, want 120", got)
		}
		if err != nil {
			return err
		}
		got, err = tx.SettlementVolume(h.ctx, m.ID, "HKD", at(100), at(200))
		if got != 0 {
			t.Errorf("SettlementVolume of an empty period = %d, want 0", got)
		}
		return err
	})
}

// testWalletStats counts payments by network, wallet and status, and unknown-outcome
// events, in the period only.
func testWalletStats(t *testing.T, e Engine) {
	h := e.setup(t)
	m := h.addMerchant()
	pay := func(minute int, network, wallet string, status entrypay.PaymentStatus) *entrypay.Payment {
		return h.addPayment(m, func(p *entrypay.Payment) {
			p.CreatedAt, p.Network, p.Wallet, p.Status = at(minute), network, wallet, status
		})
	}
	hk := pay(10, entrypay.NetworkAlipayPlus, "ALIPAY_HK", entrypay.PaymentSuccess)
	pay(11, entrypay.NetworkAlipayPlus, "ALIPAY_HK", entrypay.PaymentSuccess)
	pay(12, entrypay.NetworkAlipayPlus, "ALIPAY_HK", entrypay.PaymentFail)
	gc := pay(13, entrypay.NetworkAlipayPlus, "GCASH", entrypay.PaymentProcessing)
	sb := pay(14, entrypay.NetworkSandbox, "ALIPAY_HK", entrypay.PaymentCancelled)
	old := pay(1, entrypay.NetworkAlipayPlus, "GCASH", entrypay.PaymentFail) // before the period
	h.write(func(tx entrypay.Tx) error {
		for _, ev := range []*entrypay.PaymentEvent{
			{PaymentID: gc.ID, At: at(13), Kind: entrypay.EventWalletNoAnswer, Detail: "pay: timeout"},
			{PaymentID: gc.ID, At: at(14), Kind: entrypay.EventWalletNoAnswer, Detail: "pay: timeout"},
			{PaymentID: hk.ID, At: at(15), Kind: entrypay.EventWalletResult, Detail: "SUCCESS"},
			{PaymentID: old.ID, At: at(1), Kind: entrypay.EventWalletNoAnswer, Detail: "before"},
			// An unknown outcome in the period of a payment made before it counts.
			{PaymentID: old.ID, At: at(16), Kind: entrypay.EventWalletNoAnswer, Detail: "refund: timeout"},
			{PaymentID: sb.ID, At: at(40), Kind: entrypay.EventWalletNoAnswer, Detail: "after"},
		} {
			if err := tx.InsertPaymentEvent(h.ctx, ev); err != nil {
				return err
			}
		}
		return nil
	})
	h.read(func(tx entrypay.Tx) error {
		got, err := tx.WalletStats(h.ctx, at(10), at(30))
		same(t, []entrypay.WalletStats{
			{Network: entrypay.NetworkAlipayPlus, Wallet: "ALIPAY_HK", Success: 2, Fail: 1},
			{Network: entrypay.NetworkAlipayPlus, Wallet: "GCASH", Processing: 1, NoAnswer: 3},
			{Network: entrypay.NetworkSandbox, Wallet: "ALIPAY_HK", Cancelled: 1},
		}, got)
		return err
	})
}

// testRateSets: rates stored together form a set; sets come newest first, each in the
// order stored, and none is overwritten by a later one.
func testRateSets(t *testing.T, e Engine) {
	h := e.setup(t)
	h.read(func(tx entrypay.Tx) error {
		sets, err := tx.RateSets(h.ctx, 5)
		if len(sets) != 0 {
			t.Errorf("RateSets of an empty database = %v", sets)
		}
		return err
	})
	set := func(created int, pairs ...string) entrypay.RateSet {
		s := entrypay.RateSet{CreatedAt: at(created)}
		for i := 0; i < len(pairs); i += 3 {
			s.Rates = append(s.Rates, entrypay.Rate{Base: pairs[i], Quote: pairs[i+1], Price: pairs[i+2], Source: "console", AsOf: at(created - 1), CreatedAt: at(created)})
		}
		return s
	}
	first := set(1, "USD", "HKD", "7.80", "EUR", "USD", "1.05")
	second := set(2, "USD", "HKD", "7.81")
	third := set(3, "USD", "HKD", "7.82", "AUD", "USD", "0.65", "EUR", "USD", "1.04")
	for _, s := range []entrypay.RateSet{first, second, third} {
		h.write(func(tx entrypay.Tx) error { return tx.InsertRates(h.ctx, s.Rates) })
	}
	h.read(func(tx entrypay.Tx) error {
		got, err := tx.RateSets(h.ctx, 2)
		same(t, []entrypay.RateSet{third, second}, got)
		if err != nil {
			return err
		}
		got, err = tx.RateSets(h.ctx, 10)
		same(t, []entrypay.RateSet{third, second, first}, got)
		return err
	})
}
