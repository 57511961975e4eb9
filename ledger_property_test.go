package entrypay_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/testdb"
)

// TestLedgerProperties runs random sequences of payments (in several currencies, for
// merchants settled in USD and HKD, with fees), wallet results, refunds, cancels and
// clearing days, and after each day checks the invariants: the books verify, no
// payment is refunded beyond what was paid, and every closed batch pays out its net plus
// what was carried in, carrying forward anything negative.
func TestLedgerProperties(t *testing.T) {
	for _, kind := range testdb.Engines() {
		for seed := range uint64(4) {
			t.Run(fmt.Sprintf("%s/seed%d", kind, seed), func(t *testing.T) {
				t.Parallel()
				runLedgerProperty(t, setup(t, kind), seed)
			})
		}
	}
}

func runLedgerProperty(t *testing.T, e *env, seed uint64) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 42))
	if err := e.gw.AddRates(ctx, []entrypay.Rate{
		{Base: "USD", Quote: "HKD", Price: "7.8"}, {Base: "USD", Quote: "JPY", Price: "150.25"},
		{Base: "USD", Quote: "KRW", Price: "1352.5"}, {Base: "USD", Quote: "IDR", Price: "15710"},
	}); err != nil {
		t.Fatal(err)
	}
	settled := map[string]string{e.merchant.ID: "USD", e.other.ID: "HKD"}
	var merchants []*entrypay.Merchant
	for _, m := range []*entrypay.Merchant{e.merchant, e.other} {
		m.SettlementCurrency = settled[m.ID] // the merchants were created settled in HKD
		if _, err := e.gw.SetPricing(ctx, entrypay.Pricing{MerchantID: m.ID, DiscountRateBps: int64(100 + rng.IntN(300)), RefundFeeReturned: rng.IntN(2) == 0, FXSpreadBps: int64(rng.IntN(100))}); err != nil {
			t.Fatal(err)
		}
		merchants = append(merchants, m)
	}
	currencies := []string{"HKD", "JPY", "KRW", "IDR", "USD"}
	amount := func(c string) int64 {
		switch c {
		case "JPY":
			return int64(100 + rng.IntN(20000))
		case "KRW":
			return int64(1000 + rng.IntN(200000))
		case "IDR":
			return int64(1000+rng.IntN(500000)) * 100
		}
		return int64(1 + rng.IntN(50000))
	}
	var paid []*entrypay.Payment
	n := 0
	for day := range 3 {
		for range 25 {
			n++
			m := merchants[rng.IntN(len(merchants))]
			switch op := rng.IntN(10); {
			case op < 5 || len(paid) == 0: // a payment, usually paid
				c := currencies[rng.IntN(len(currencies))]
				in := e.payInput(fmt.Sprintf("p%d", n), amount(c))
				in.Amount.Currency, in.SettlementCurrency = c, settled[m.ID]
				p, err := e.gw.Pay(ctx, m, in)
				if err != nil {
					t.Fatalf("pay %v: %v", in.Amount, err)
				}
				status := entrypay.PaymentSuccess
				if rng.IntN(5) == 0 {
					status = entrypay.PaymentFail
				}
				if err := e.gw.ApplyWalletResult(ctx, entrypay.WalletResult{PaymentID: p.ID, Status: status, Amount: p.Amount, ResultCode: "USER_BALANCE_NOT_ENOUGH"}); err != nil {
					t.Fatal(err)
				}
				if status == entrypay.PaymentSuccess {
					paid = append(paid, e.get(t, p.ID))
				}
			case op < 8: // a refund of part or all of what is left, sometimes refused
				p := paid[rng.IntN(len(paid))]
				owner := e.merchant
				if p.MerchantID == e.other.ID {
					owner = e.other
				}
				step := int64(1)
				if p.Amount.Currency == "IDR" {
					step = 100
				}
				v := (1 + rng.Int64N(p.Amount.Value/step)) * step
				if rng.IntN(4) == 0 {
					e.wallet.set(func(w *fakeWallet) { w.refundErr = entrypay.Errorf("MERCHANT_BALANCE_NOT_ENOUGH", "no") })
				}
				_, err := e.gw.Refund(ctx, owner, entrypay.RefundInput{RequestID: fmt.Sprintf("r%d", n), PaymentID: p.ID, Amount: entrypay.Amount{Value: v, Currency: p.Amount.Currency}})
				e.wallet.set(func(w *fakeWallet) { w.refundErr = nil })
				if code := entrypay.ErrorCodeOf(err); err != nil && code != entrypay.ERefundAmountExceed && code != "MERCHANT_BALANCE_NOT_ENOUGH" && code != entrypay.EOrderCanceled && code != entrypay.EStatusInvalid {
					t.Fatalf("refund: %v", err)
				}
			default: // a cancel, refused when the payment has refunds
				p := paid[rng.IntN(len(paid))]
				owner := e.merchant
				if p.MerchantID == e.other.ID {
					owner = e.other
				}
				_, err := e.gw.Cancel(ctx, owner, entrypay.PaymentRef{ID: p.ID})
				if code := entrypay.ErrorCodeOf(err); err != nil && code != entrypay.EStatusInvalid && code != entrypay.ECancelWindowExceed {
					t.Fatalf("cancel: %v", err)
				}
			}
		}
		// The day ends; its batches close.
		date := e.gw.ClearingOf().Date(e.clock.Now())
		e.clock.Advance(24 * time.Hour)
		batches, err := e.gw.CloseDay(ctx, date)
		if err != nil {
			t.Fatalf("day %d: %v", day, err)
		}
		for _, b := range batches {
			if b.Status != entrypay.BatchClosed || b.Payout+b.CarriedOut != b.Net+b.CarriedIn || b.Payout < 0 || b.CarriedOut > 0 {
				t.Fatalf("batch %+v", b)
			}
		}
		r, err := e.gw.VerifyLedger(ctx)
		if err != nil || !r.OK() {
			t.Fatalf("day %d: %v %v", day, err, r.Problems)
		}
		// With every day closed, what a merchant is owed is exactly what was carried:
		// nothing paid twice, nothing forgotten.
		for _, m := range merchants {
			list, err := e.gw.Batches(ctx, m.ID, "")
			if err != nil {
				t.Fatal(err)
			}
			var carried int64
			if len(list) > 0 {
				carried = list[len(list)-1].CarriedOut
			}
			var owed int64
			_ = e.db.Store.InTx(ctx, func(tx entrypay.Tx) error {
				owed, err = tx.Balance(ctx, entrypay.AccountMerchantPayable(m.ID), settled[m.ID])
				return err
			})
			if owed != -carried {
				t.Fatalf("day %d: merchant %s payable %d, carried %d", day, m.ID, owed, carried)
			}
		}
	}
	// No payment was refunded beyond what was paid, in its currency and in settlement.
	for _, p := range paid {
		_, refunds, err := e.gw.Payment(ctx, map[bool]*entrypay.Merchant{true: e.merchant, false: e.other}[p.MerchantID == e.merchant.ID], entrypay.PaymentRef{ID: p.ID})
		if err != nil {
			t.Fatal(err)
		}
		var total, settledTotal int64
		for _, r := range refunds {
			if r.Status == entrypay.RefundSuccess {
				total += r.Amount.Value
				settledTotal += r.SettlementAmount.Value
			}
		}
		if total > p.Amount.Value || settledTotal > p.SettlementAmount.Value {
			t.Fatalf("payment %s of %v refunded %d (settlement %d of %v)", p.ID, p.Amount, total, settledTotal, p.SettlementAmount)
		}
	}
}
