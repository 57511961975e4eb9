package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/entrypay/entrypay"
)

func testBalances(t *testing.T, e Engine) {
	h := e.setup(t)
	p := h.addPayment(h.addMerchant())
	post := func(accounts [2]string, v int64) *entrypay.JournalEntry {
		return newEntry(p.ID, func(je *entrypay.JournalEntry) {
			je.Postings = []entrypay.Posting{
				{Account: accounts[0], Amount: entrypay.Amount{Value: v, Currency: "HKD"}},
				{Account: accounts[1], Amount: entrypay.Amount{Value: -v, Currency: "HKD"}},
				{Account: accounts[0], Amount: entrypay.Amount{Value: 3, Currency: "USD"}},
				{Account: accounts[1], Amount: entrypay.Amount{Value: -3, Currency: "USD"}},
			}
		})
	}
	h.write(func(tx entrypay.Tx) error {
		for i, je := range []*entrypay.JournalEntry{post([2]string{"a", "b"}, 100), post([2]string{"b", "c"}, 40), post([2]string{"c", "a"}, 15)} {
			if err := tx.InsertJournalEntry(h.ctx, je); err != nil {
				return err
			}
			// The transaction reads its own postings in the balances (the store may
			// write balance rows late, but never after a read of them).
			if i == 1 {
				if got, err := tx.Balance(h.ctx, "b", "HKD"); err != nil || got != -60 {
					t.Errorf("Balance(b, HKD) inside the transaction = %d, %v; want -60", got, err)
				}
			}
		}
		return nil
	})
	h.read(func(tx entrypay.Tx) error {
		rows, err := tx.Balances(h.ctx)
		if err != nil {
			return err
		}
		sums, err := tx.PostingSums(h.ctx)
		if err != nil {
			return err
		}
		same(t, sums, rows)
		for _, c := range []struct {
			account, currency string
			want              int64
		}{{"a", "HKD", 85}, {"b", "HKD", -60}, {"c", "HKD", -25}, {"a", "USD", 0}, {"b", "USD", 0}, {"nobody", "HKD", 0}} {
			got, err := tx.Balance(h.ctx, c.account, c.currency)
			if err != nil || got != c.want {
				t.Errorf("Balance(%s, %s) = %d, %v; want %d", c.account, c.currency, got, err, c.want)
			}
		}
		return nil
	})
}

// testBalancesConcurrent posts to the same two accounts from two goroutines, in opposite
// orders: the fixed lock order means no deadlock, and no update is lost.
func testBalancesConcurrent(t *testing.T, e Engine) {
	h := e.setup(t)
	p := h.addPayment(h.addMerchant())
	const n = 20
	var wg sync.WaitGroup
	for g, accounts := range [][2]string{{"x", "y"}, {"y", "x"}} {
		wg.Go(func() {
			for i := range n {
				je := newEntry(p.ID, func(je *entrypay.JournalEntry) {
					je.ID = fmt.Sprintf("jnl_%d_%d_%s", g, i, p.ID)
					je.Postings = []entrypay.Posting{
						{Account: accounts[0], Amount: entrypay.Amount{Value: 1, Currency: "HKD"}},
						{Account: accounts[1], Amount: entrypay.Amount{Value: -1, Currency: "HKD"}},
					}
				})
				if err := h.store.InTx(h.ctx, func(tx entrypay.Tx) error { return tx.InsertJournalEntry(h.ctx, je) }); err != nil {
					t.Errorf("insert: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	h.read(func(tx entrypay.Tx) error {
		x, err := tx.Balance(h.ctx, "x", "HKD")
		if err != nil || x != 0 {
			t.Errorf("balance of x = %d, %v; want 0 (+20 −20)", x, err)
		}
		rows, _ := tx.Balances(h.ctx)
		sums, _ := tx.PostingSums(h.ctx)
		same(t, sums, rows)
		return nil
	})
}

func testRates(t *testing.T, e Engine) {
	h := e.setup(t)
	rate := func(base, quote, price string, asOf int) entrypay.Rate {
		return entrypay.Rate{Base: base, Quote: quote, Price: price, Source: "file", AsOf: at(asOf), CreatedAt: at(asOf + 1)}
	}
	h.write(func(tx entrypay.Tx) error {
		return tx.InsertRates(h.ctx, []entrypay.Rate{
			rate("USD", "HKD", "7.80", 1), rate("USD", "HKD", "7.81", 5), rate("USD", "HKD", "7.79", 3),
			rate("EUR", "USD", "1.05", 2),
		})
	})
	h.write(func(tx entrypay.Tx) error {
		return tx.InsertRates(h.ctx, []entrypay.Rate{rate("EUR", "USD", "1.06", 2)})
	})
	h.read(func(tx entrypay.Tx) error {
		got, err := tx.LatestRates(h.ctx)
		// Same as_of: the later insert wins.
		same(t, []entrypay.Rate{rate("EUR", "USD", "1.06", 2), rate("USD", "HKD", "7.81", 5)}, got)
		return err
	})
}

func testPricing(t *testing.T, e Engine) {
	h := e.setup(t)
	m := h.addMerchant()
	p := &entrypay.Pricing{MerchantID: m.ID, DiscountRateBps: 250, FixedFee: entrypay.Amount{Value: 30, Currency: "USD"}, RefundFeeReturned: true, FXSpreadBps: 80, UpdatedAt: at(1)}
	allSet(t, p)
	h.read(func(tx entrypay.Tx) error {
		_, err := tx.Pricing(h.ctx, m.ID)
		isNotFound(t, "Pricing", err)
		return nil
	})
	h.write(func(tx entrypay.Tx) error { return tx.PutPricing(h.ctx, p) })
	p2 := &entrypay.Pricing{MerchantID: m.ID, DiscountRateBps: 180, UpdatedAt: at(2)}
	h.write(func(tx entrypay.Tx) error { return tx.PutPricing(h.ctx, p2) })
	h.read(func(tx entrypay.Tx) error {
		got, err := tx.Pricing(h.ctx, m.ID)
		same(t, p2, got)
		return err
	})
}

func testReportDelivery(t *testing.T, e Engine) {
	h := e.setup(t)
	m, other := h.addMerchant(), h.addMerchant()
	d := &entrypay.ReportDelivery{MerchantID: m.ID, Address: "sftp.example:22", User: "noodles", Dir: "/in/reports", HostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA", UpdatedAt: at(1)}
	allSet(t, d)
	h.read(func(tx entrypay.Tx) error {
		_, err := tx.ReportDelivery(h.ctx, m.ID)
		isNotFound(t, "ReportDelivery", err)
		_, err = tx.ReportUpload(h.ctx, m.ID, "2026-11-26")
		isNotFound(t, "ReportUpload", err)
		return nil
	})
	h.write(func(tx entrypay.Tx) error { return tx.PutReportDelivery(h.ctx, d) })
	d2 := *d
	d2.Address, d2.UpdatedAt = "sftp2.example:2222", at(2)
	h.write(func(tx entrypay.Tx) error { return tx.PutReportDelivery(h.ctx, &d2) })
	u := &entrypay.ReportUpload{MerchantID: m.ID, ClearingDate: "2026-11-26", Files: 3, UploadedAt: at(3)}
	allSet(t, u)
	h.write(func(tx entrypay.Tx) error { return tx.PutReportUpload(h.ctx, u) })
	u2 := *u
	u2.Files, u2.UploadedAt = 5, at(4)
	h.write(func(tx entrypay.Tx) error { return tx.PutReportUpload(h.ctx, &u2) })
	h.read(func(tx entrypay.Tx) error {
		got, err := tx.ReportDelivery(h.ctx, m.ID)
		same(t, &d2, got)
		if err != nil {
			return err
		}
		gotU, err := tx.ReportUpload(h.ctx, m.ID, "2026-11-26")
		same(t, &u2, gotU)
		if err != nil {
			return err
		}
		_, err = tx.ReportDelivery(h.ctx, other.ID)
		isNotFound(t, "ReportDelivery of another merchant", err)
		_, err = tx.ReportUpload(h.ctx, m.ID, "2026-11-27")
		isNotFound(t, "ReportUpload of another day", err)
		return nil
	})
	h.write(func(tx entrypay.Tx) error { return tx.DeleteReportDelivery(h.ctx, m.ID) })
	h.write(func(tx entrypay.Tx) error { return tx.DeleteReportDelivery(h.ctx, m.ID) }) // deleting nothing is no error
	h.read(func(tx entrypay.Tx) error {
		_, err := tx.ReportDelivery(h.ctx, m.ID)
		isNotFound(t, "ReportDelivery after delete", err)
		return nil
	})
}

func testBatches(t *testing.T, e Engine) {
	h := e.setup(t)
	m, other := h.addMerchant(), h.addMerchant()
	b := &entrypay.SettlementBatch{
		ID: entrypay.BatchID(m.ID, "USD", "2026-11-26"), MerchantID: m.ID, Currency: "USD", ClearingDate: "2026-11-26", ValueDate: "2026-11-27",
		Status: entrypay.BatchOpen, CreatedAt: at(1),
	}
	h.write(func(tx entrypay.Tx) error {
		if err := tx.EnsureBatch(h.ctx, b); err != nil {
			return err
		}
		again := *b
		again.Status, again.Count = entrypay.BatchClosed, 99 // a second ensure keeps the first
		if err := tx.EnsureBatch(h.ctx, &again); err != nil {
			return err
		}
		return tx.EnsureBatch(h.ctx, &entrypay.SettlementBatch{ID: entrypay.BatchID(other.ID, "HKD", "2026-11-27"), MerchantID: other.ID, Currency: "HKD", ClearingDate: "2026-11-27", Status: entrypay.BatchOpen, CreatedAt: at(2)})
	})
	b.Status, b.Count, b.Gross, b.Refunds, b.Cancels, b.Fees, b.Net = entrypay.BatchClosed, 3, 1000, -100, -50, -25, 825
	b.CarriedIn, b.Payout, b.CarriedOut, b.ClosedAt, b.SettledAt = -25, 800, -1, at(3), at(4)
	allSet(t, b)
	h.write(func(tx entrypay.Tx) error {
		if _, err := tx.Batch(h.ctx, b.ID, true); err != nil {
			return err
		}
		return tx.UpdateBatch(h.ctx, b)
	})
	h.read(func(tx entrypay.Tx) error {
		got, err := tx.Batch(h.ctx, b.ID, false)
		same(t, b, got)
		_, err2 := tx.Batch(h.ctx, "stl_none", false)
		isNotFound(t, "Batch", err2)
		list, _ := tx.Batches(h.ctx, m.ID, "")
		if len(list) != 1 || list[0].ID != b.ID {
			t.Errorf("Batches(merchant) = %d", len(list))
		}
		list, _ = tx.Batches(h.ctx, "", "2026-11-27")
		if len(list) != 1 || list[0].MerchantID != other.ID {
			t.Errorf("Batches(date) = %d", len(list))
		}
		list, _ = tx.Batches(h.ctx, "", "")
		if len(list) != 2 {
			t.Errorf("Batches() = %d", len(list))
		}
		return err
	})
}

func testWalletFiles(t *testing.T, e Engine) {
	h := e.setup(t)
	h.write(func(tx entrypay.Tx) error {
		ok, err := tx.RecordWalletFile(h.ctx, "transactionItems_A_HKD_CB1_PA_000.csv", "abc", time.Unix(1, 0))
		if err != nil || !ok {
			t.Errorf("first record: %v %v", ok, err)
		}
		ok, err = tx.RecordWalletFile(h.ctx, "transactionItems_A_HKD_CB1_PA_000.csv", "other", time.Unix(2, 0))
		if err != nil || ok {
			t.Errorf("second record: %v %v", ok, err)
		}
		return nil
	})
}

// testEntryQueries lists entries by batch and by clearing day, and walks all of them
// across more than one page.
func testEntryQueries(t *testing.T, e Engine) {
	h := e.setup(t)
	p := h.addPayment(h.addMerchant())
	const n = 1205
	h.write(func(tx entrypay.Tx) error {
		for i := range n {
			je := newEntry(p.ID, func(je *entrypay.JournalEntry) {
				je.ID = fmt.Sprintf("jnl_%05d_%s", i, p.ID)
				je.BatchID = fmt.Sprintf("b%d", i%3)
				je.ClearingDate = fmt.Sprintf("2026-11-%02d", 20+i%2)
			})
			if err := tx.InsertJournalEntry(h.ctx, je); err != nil {
				return err
			}
		}
		return nil
	})
	h.read(func(tx entrypay.Tx) error {
		b1, err := tx.EntriesOfBatch(h.ctx, "b1")
		if err != nil || len(b1) != 402 || len(b1[0].Postings) != 2 || b1[0].ID != fmt.Sprintf("jnl_%05d_%s", 1, p.ID) {
			t.Errorf("EntriesOfBatch = %d entries, %v", len(b1), err)
		}
		d21, err := tx.EntriesOfClearingDate(h.ctx, "2026-11-21")
		if err != nil || len(d21) != 602 {
			t.Errorf("EntriesOfClearingDate = %d entries, %v", len(d21), err)
		}
		i := 0
		err = tx.EachJournalEntry(h.ctx, func(je *entrypay.JournalEntry) error {
			if je.ID != fmt.Sprintf("jnl_%05d_%s", i, p.ID) || len(je.Postings) != 2 || je.Postings[0].Amount.Value != 1299 {
				t.Errorf("entry %d: %s with %d postings", i, je.ID, len(je.Postings))
			}
			i++
			return nil
		})
		if err != nil || i != n {
			t.Errorf("EachJournalEntry visited %d of %d: %v", i, n, err)
		}
		return nil
	})
}
