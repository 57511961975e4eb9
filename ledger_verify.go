package entrypay

import (
	"context"
	"fmt"
	"sort"
)

// LedgerReport is what VerifyLedger found.
type LedgerReport struct {
	Entries  int `json:"entries"`
	Postings int `json:"postings"`
	Accounts int `json:"accounts"`
	Payments int `json:"payments"`
	Refunds  int `json:"refunds"`
	Batches  int `json:"batches"`
	// Problems lists every broken rule; empty means the books are sound.
	Problems []string `json:"problems"`
}

// OK reports whether the books are sound.
func (r *LedgerReport) OK() bool { return len(r.Problems) == 0 }

// VerifyLedger proves the books: every entry balances in every currency; the balance
// rows equal the sums of the postings; every payment and refund has exactly the entries
// its state calls for, with the amounts it carries; every closed batch's figures follow
// from its entries and its payout is booked. It reads in one transaction.
func (g *Gateway) VerifyLedger(ctx context.Context) (*LedgerReport, error) {
	r := &LedgerReport{}
	problem := func(format string, args ...any) {
		if len(r.Problems) < 1000 {
			r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
		}
	}
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		*r = LedgerReport{}
		byPayment := map[string][]*JournalEntry{}
		err := tx.EachJournalEntry(ctx, func(e *JournalEntry) error {
			r.Entries++
			r.Postings += len(e.Postings)
			if err := e.Check(); err != nil {
				problem("%v", err)
			}
			if e.PaymentID != "" {
				byPayment[e.PaymentID] = append(byPayment[e.PaymentID], e)
			}
			return nil
		})
		if err != nil {
			return err
		}
		rows, err := tx.Balances(ctx)
		if err != nil {
			return err
		}
		sums, err := tx.PostingSums(ctx)
		if err != nil {
			return err
		}
		r.Accounts = len(sums)
		compareBalances(rows, sums, problem)

		err = tx.EachPayment(ctx, func(p *Payment) error {
			r.Payments++
			refunds, err := tx.RefundsOfPayment(ctx, p.ID)
			if err != nil {
				return err
			}
			r.Refunds += len(refunds)
			checkPaymentEntries(p, refunds, byPayment[p.ID], problem)
			return nil
		})
		if err != nil {
			return err
		}
		batches, err := tx.Batches(ctx, "", "")
		if err != nil {
			return err
		}
		r.Batches = len(batches)
		for _, b := range batches {
			if b.Status == BatchOpen {
				continue
			}
			entries, err := tx.EntriesOfBatch(ctx, b.ID)
			if err != nil {
				return err
			}
			want := *b
			batchFigures(&want, entries)
			if want.Gross != b.Gross || want.Refunds != b.Refunds || want.Cancels != b.Cancels || want.Fees != b.Fees || want.Net != b.Net || want.Count != b.Count {
				problem("batch %s: figures %+v do not follow from its entries (%d/%d/%d/%d net %d)", b.ID, b, want.Gross, want.Refunds, want.Cancels, want.Fees, want.Net)
			}
			if b.Payout+b.CarriedOut != b.Net+b.CarriedIn || b.Payout < 0 || b.CarriedOut > 0 {
				problem("batch %s: payout %d and carried %d do not add up to net %d + carried in %d", b.ID, b.Payout, b.CarriedOut, b.Net, b.CarriedIn)
			}
			var paid int64
			for _, e := range entries {
				if e.Kind == EntryPayout {
					paid += e.Postings[0].Amount.Value
				}
			}
			if paid != b.Payout {
				problem("batch %s: payout %d, booked %d", b.ID, b.Payout, paid)
			}
		}
		return nil
	})
	return r, err
}

func compareBalances(rows, sums []Balance, problem func(string, ...any)) {
	key := func(b Balance) string { return b.Account + " " + b.Currency }
	have := map[string]int64{}
	for _, b := range rows {
		have[key(b)] = b.Value
	}
	seen := map[string]bool{}
	for _, s := range sums {
		seen[key(s)] = true
		if have[key(s)] != s.Value {
			problem("balance of %s is %d, its postings sum to %d", key(s), have[key(s)], s.Value)
		}
	}
	var extra []string
	for k, v := range have {
		if !seen[k] && v != 0 {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		problem("balance row %s = %d has no postings", k, have[k])
	}
}

// checkPaymentEntries checks that a payment and its refunds have exactly the entries
// their states call for.
func checkPaymentEntries(p *Payment, refunds []*Refund, entries []*JournalEntry, problem func(string, ...any)) {
	count := map[string]int{}
	byRefund := map[string]map[string]int{}
	var paymentEntry *JournalEntry
	for _, e := range entries {
		if e.RefundID != "" {
			if byRefund[e.RefundID] == nil {
				byRefund[e.RefundID] = map[string]int{}
			}
			byRefund[e.RefundID][e.Kind]++
			continue
		}
		count[e.Kind]++
		if e.Kind == EntryPayment {
			paymentEntry = e
		}
	}
	paid := p.Status == PaymentSuccess || (p.Status == PaymentCancelled && !p.PaidAt.IsZero())
	want := map[string]int{}
	if paid {
		want[EntryPayment] = 1
		if p.SettlementAmount.Currency != "" && p.SettlementAmount.Currency != p.Amount.Currency {
			want[EntryConversion] = 1
		}
		if p.Fee.Value > 0 {
			want[EntryFee] = 1
		}
		if p.Status == PaymentCancelled {
			want[EntryCancelReversal] = 1
		}
	}
	if p.LateSuccess != "" {
		want[EntryLateSuccess] = 1
		if p.LateSuccess == LateSuccessReversed {
			want[EntryLateSuccessBack] = 1
		}
	}
	for _, kind := range []string{EntryPayment, EntryConversion, EntryFee, EntryCancelReversal, EntryLateSuccess, EntryLateSuccessBack} {
		if count[kind] != want[kind] {
			problem("payment %s (%s): %d %s entries, want %d", p.ID, p.Status, count[kind], kind, want[kind])
		}
	}
	if paymentEntry != nil && len(paymentEntry.Postings) > 0 && paymentEntry.Postings[0].Amount != p.Amount {
		problem("payment %s: booked %v, amount %v", p.ID, paymentEntry.Postings[0].Amount, p.Amount)
	}
	for _, rf := range refunds {
		got := byRefund[rf.ID]
		want := map[string]int{}
		// A refund the risk engine refused outright never reserved anything; one it held
		// and an operator then rejected did, and released it.
		refusedAtOnce := rf.ResultCode == string(ERiskReject) && rf.RiskReview == ""
		reserved := rf.SettlementAmount.Value != 0 && !refusedAtOnce
		if reserved {
			want[EntryRefundReserve] = 1
		}
		switch rf.Status {
		case RefundSuccess:
			want[EntryRefund] = 1
			if rf.FeeReturned.Value > 0 {
				want[EntryFeeReturn] = 1
			}
		case RefundFail:
			if reserved {
				want[EntryRefundRelease] = 1
			}
		}
		for _, kind := range []string{EntryRefundReserve, EntryRefund, EntryRefundRelease, EntryFeeReturn} {
			if got[kind] != want[kind] {
				problem("refund %s (%s) of %s: %d %s entries, want %d", rf.ID, rf.Status, p.ID, got[kind], kind, want[kind])
			}
		}
	}
}
