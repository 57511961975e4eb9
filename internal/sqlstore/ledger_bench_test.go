package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/testdb"
)

// paymentBooking returns the entries the gateway posts when a payment succeeds
// (bookPayment in gateway_money.go): the payment, its conversion when the merchant
// settles in another currency, and entrypay's fee, in the merchant's batch of the day.
func paymentBooking(merchantID string, amount, settled, fee entrypay.Amount, now time.Time) []*entrypay.JournalEntry {
	m := entrypay.AccountMerchantPayable(merchantID)
	neg := func(a entrypay.Amount) entrypay.Amount { a.Value = -a.Value; return a }
	postings := [][]entrypay.Posting{{
		{Account: entrypay.AccountWalletReceivable(entrypay.NetworkAlipayPlus), Amount: amount},
		{Account: m, Amount: neg(amount)},
	}}
	if settled.Currency != amount.Currency {
		postings = append(postings, []entrypay.Posting{
			{Account: m, Amount: amount}, {Account: entrypay.AccountFXPosition, Amount: neg(amount)},
			{Account: entrypay.AccountFXPosition, Amount: settled}, {Account: m, Amount: neg(settled)},
		})
	}
	postings = append(postings, []entrypay.Posting{{Account: m, Amount: fee}, {Account: entrypay.AccountFeeRevenue, Amount: neg(fee)}})
	kinds := []string{entrypay.EntryPayment, entrypay.EntryConversion, entrypay.EntryFee}
	if len(postings) == 2 {
		kinds = []string{entrypay.EntryPayment, entrypay.EntryFee}
	}
	date := now.UTC().Format(time.DateOnly)
	paymentID := entrypay.NewID("pay_", now)
	entries := make([]*entrypay.JournalEntry, len(postings))
	for i, p := range postings {
		entries[i] = &entrypay.JournalEntry{
			ID: entrypay.NewID("jnl_", now), Kind: kinds[i], PaymentID: paymentID,
			BatchID: entrypay.BatchID(merchantID, settled.Currency, date), ClearingDate: date,
			CreatedAt: now, Postings: p,
		}
	}
	return entries
}

// BenchmarkInsertJournalEntry measures booking one successful payment: its entries
// checked (JournalEntry.Check, as the gateway's post does) and inserted with
// InsertJournalEntry in one write transaction, the balance rows updated and the
// transaction committed. Every payment books to the same merchant's and network's
// balance rows, as a busy merchant's do. journal_entries.payment_id has no foreign key,
// so no payment row is needed.
func BenchmarkInsertJournalEntry(b *testing.B) {
	for _, kind := range testdb.Engines() {
		b.Run(kind, func(b *testing.B) {
			db := testdb.Open(b, kind)
			ctx := context.Background()
			merchantID := entrypay.NewID("mer_", time.Now())
			for _, tc := range []struct {
				name                 string
				amount, settled, fee entrypay.Amount
			}{
				// payment + fee: 2 entries, 4 postings.
				{"HKD", entrypay.Amount{Value: 1250, Currency: "HKD"}, entrypay.Amount{Value: 1250, Currency: "HKD"}, entrypay.Amount{Value: 31, Currency: "HKD"}},
				// payment + conversion + fee: 3 entries, 8 postings.
				{"HKD-to-USD", entrypay.Amount{Value: 1250, Currency: "HKD"}, entrypay.Amount{Value: 160, Currency: "USD"}, entrypay.Amount{Value: 4, Currency: "USD"}},
			} {
				b.Run(tc.name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						entries := paymentBooking(merchantID, tc.amount, tc.settled, tc.fee, time.Now())
						err := db.Store.InTx(ctx, func(tx entrypay.Tx) error {
							for _, e := range entries {
								if err := e.Check(); err != nil {
									return err
								}
								if err := tx.InsertJournalEntry(ctx, e); err != nil {
									return err
								}
							}
							return nil
						})
						if err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}
