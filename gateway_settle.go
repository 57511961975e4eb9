package entrypay

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// closeGrace is how long after a clearing day ends its batches are closed, so that
// transactions that began before the end have committed.
const closeGrace = time.Minute

// CloseDay closes every open settlement batch of the clearing days up to and including
// date, oldest first: it fixes each batch's figures, carries a negative remainder to the
// merchant's next batch, and books the payout. Each batch closes in one transaction, so a
// crash leaves it either open or closed with its payout, never half-done. Running it again
// changes nothing.
func (g *Gateway) CloseDay(ctx context.Context, date string) ([]*SettlementBatch, error) {
	end, err := g.cfg.Clearing.End(date)
	if err != nil {
		return nil, err
	}
	if now := g.now(); now.Before(end.Add(closeGrace)) {
		return nil, Errorf(EInvalid, "clearing day %s ends at %s; it can be closed from %s", date, end.Format(time.RFC3339), end.Add(closeGrace).Format(time.RFC3339))
	}
	var open []*SettlementBatch
	err = g.cfg.DB.InTx(ctx, func(tx Tx) error {
		all, err := tx.Batches(ctx, "", "")
		if err != nil {
			return err
		}
		open = open[:0]
		for _, b := range all {
			if b.Status == BatchOpen && b.ClearingDate <= date {
				open = append(open, b)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(open, func(i, j int) bool { return open[i].ClearingDate < open[j].ClearingDate })
	for _, b := range open {
		if err := g.closeBatch(ctx, b.ID); err != nil {
			return nil, fmt.Errorf("close batch %s: %w", b.ID, err)
		}
	}
	var closed []*SettlementBatch
	err = g.cfg.DB.InTx(ctx, func(tx Tx) error {
		var err error
		closed, err = tx.Batches(ctx, "", date)
		return err
	})
	return closed, err
}

// CloseDue closes the batches of every clearing day that has ended: the scheduled job.
func (g *Gateway) CloseDue(ctx context.Context) error {
	yesterday := g.cfg.Clearing.Date(g.now().Add(-closeGrace - 24*time.Hour))
	_, err := g.CloseDay(ctx, yesterday)
	if ErrorCodeOf(err) == EInvalid {
		return nil // the day is not over yet
	}
	return err
}

// batchFigures sums a batch's movements of what its merchant is owed in its currency.
func batchFigures(b *SettlementBatch, entries []*JournalEntry) {
	account := merchantPayable(b.MerchantID)
	b.Count, b.Gross, b.Refunds, b.Cancels, b.Fees = 0, 0, 0, 0, 0
	for _, e := range entries {
		var owed int64 // what this entry adds to the merchant's due, in the batch currency
		for _, p := range e.Postings {
			if p.Account == account && p.Amount.Currency == b.Currency {
				owed -= p.Amount.Value
			}
		}
		switch e.Kind {
		case EntryPayment:
			b.Count++
			b.Gross += owed
		case EntryConversion:
			b.Gross += owed
		case EntryFee, EntryFeeReturn:
			b.Fees += owed
		case EntryRefundReserve:
			b.Count++
			b.Refunds += owed
		case EntryRefundRelease:
			b.Refunds += owed
		case EntryCancelReversal:
			// The reversal gives the fee back too: count that part as a fee, as the
			// reports do.
			var feeBack int64
			for _, p := range e.Postings {
				if p.Account == AccountFeeRevenue && p.Amount.Currency == b.Currency {
					feeBack += p.Amount.Value
				}
			}
			b.Count++
			b.Fees += feeBack
			b.Cancels += owed - feeBack
		}
	}
	b.Net = b.Gross + b.Refunds + b.Cancels + b.Fees
}

func (g *Gateway) closeBatch(ctx context.Context, id string) error {
	now := g.now()
	return g.cfg.DB.InTx(ctx, func(tx Tx) error {
		b, err := tx.Batch(ctx, id, true)
		if err != nil || b.Status != BatchOpen {
			return err
		}
		entries, err := tx.EntriesOfBatch(ctx, b.ID)
		if err != nil {
			return err
		}
		batchFigures(b, entries)
		earlier, err := tx.Batches(ctx, b.MerchantID, "")
		if err != nil {
			return err
		}
		b.CarriedIn = 0
		for _, e := range earlier {
			if e.Currency == b.Currency && e.ClearingDate < b.ClearingDate && e.Status != BatchOpen {
				b.CarriedIn = e.CarriedOut // the latest earlier batch, since the list is by date
			}
		}
		if due := b.Net + b.CarriedIn; due > 0 {
			b.Payout, b.CarriedOut = due, 0
			payout := Amount{Value: due, Currency: b.Currency}
			e := entry(EntryPayout, debit(merchantPayable(b.MerchantID), payout), credit(AccountMerchantPayout(b.MerchantID), payout))
			e.BatchID, e.ClearingDate = b.ID, b.ClearingDate
			if err := g.post(ctx, tx, e, "", "", now); err != nil {
				return err
			}
		} else {
			b.Payout, b.CarriedOut = 0, due
		}
		b.Status, b.ClosedAt = BatchClosed, now
		return tx.UpdateBatch(ctx, b)
	})
}

// SettleBatch records that a closed batch's payout reached the merchant's bank.
func (g *Gateway) SettleBatch(ctx context.Context, id string) (*SettlementBatch, error) {
	var b *SettlementBatch
	now := g.now()
	err := g.cfg.DB.InTx(ctx, func(tx Tx) error {
		var err error
		if b, err = tx.Batch(ctx, id, true); err != nil {
			return notFound(err, ENotFound, "no settlement batch %q", clip(id))
		}
		switch b.Status {
		case BatchSettled:
			return nil
		case BatchOpen:
			return Errorf(EStatusInvalid, "batch %s is still open: close its day first", b.ID)
		}
		if b.Payout > 0 {
			payout := Amount{Value: b.Payout, Currency: b.Currency}
			e := entry(EntryPayoutSettled, debit(AccountMerchantPayout(b.MerchantID), payout), credit(AccountBank, payout))
			e.BatchID, e.ClearingDate = b.ID, b.ClearingDate
			if err := g.post(ctx, tx, e, "", "", now); err != nil {
				return err
			}
		}
		b.Status, b.SettledAt = BatchSettled, now
		return tx.UpdateBatch(ctx, b)
	})
	return b, err
}

// Batches lists settlement batches, of a merchant and of a clearing day when given.
func (g *Gateway) Batches(ctx context.Context, merchantID, clearingDate string) ([]*SettlementBatch, error) {
	var out []*SettlementBatch
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		out, err = tx.Batches(ctx, merchantID, clearingDate)
		return err
	})
	return out, err
}

// Item is one transaction in a report: a payment, a refund or a cancel, with what it moved
// in the transaction currency and in the settlement currency. Amounts are signed from the
// merchant's side: refunds, cancels and charged fees negative.
type Item struct {
	Type              string
	Payment           *Payment
	Refund            *Refund
	Time              time.Time
	TransactionAmount Amount
	SettlementAmount  Amount
	Fee               Amount
}

// BatchItems returns a settlement batch and its transactions.
func (g *Gateway) BatchItems(ctx context.Context, batchID string) (*SettlementBatch, []Item, error) {
	var b *SettlementBatch
	var items []Item
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		if b, err = tx.Batch(ctx, batchID, false); err != nil {
			return notFound(err, ENotFound, "no settlement batch %q", clip(batchID))
		}
		entries, err := tx.EntriesOfBatch(ctx, batchID)
		if err != nil {
			return err
		}
		items, err = itemsOf(ctx, tx, entries, "")
		return err
	})
	return b, items, err
}

// DayItems returns a merchant's transactions of one clearing day.
func (g *Gateway) DayItems(ctx context.Context, merchantID, date string) ([]Item, error) {
	var items []Item
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		entries, err := tx.EntriesOfClearingDate(ctx, date)
		if err != nil {
			return err
		}
		items, err = itemsOf(ctx, tx, entries, merchantID)
		return err
	})
	return items, err
}

// itemsOf turns entries into report items: one per payment, refund and cancel, with the
// fee movements folded into the transaction they belong to.
func itemsOf(ctx context.Context, tx Tx, entries []*JournalEntry, merchantID string) ([]Item, error) {
	payments := map[string]*Payment{}
	refunds := map[string]*Refund{}
	var items []Item
	index := map[string]int{} // payment or refund id + type → item
	for _, e := range entries {
		if e.PaymentID == "" {
			continue
		}
		p, ok := payments[e.PaymentID]
		if !ok {
			var err error
			if p, err = tx.Payment(ctx, PaymentQuery{ID: e.PaymentID}); err != nil {
				return nil, err
			}
			payments[e.PaymentID] = p
		}
		if merchantID != "" && p.MerchantID != merchantID {
			continue
		}
		settleCur := p.SettlementAmount.Currency
		if settleCur == "" {
			settleCur = p.Amount.Currency
		}
		owed := func() int64 { // what the entry adds to the merchant's due in the settlement currency
			var v int64
			for _, pt := range e.Postings {
				if pt.Account == merchantPayable(p.MerchantID) && pt.Amount.Currency == settleCur {
					v -= pt.Amount.Value
				}
			}
			return v
		}
		add := func(key, typ string, r *Refund, when time.Time, txAmount Amount) *Item {
			if i, ok := index[key]; ok {
				return &items[i]
			}
			items = append(items, Item{Type: typ, Payment: p, Refund: r, Time: when, TransactionAmount: txAmount,
				SettlementAmount: Amount{Currency: settleCur}, Fee: Amount{Currency: settleCur}})
			index[key] = len(items) - 1
			return &items[len(items)-1]
		}
		refund := func() (*Refund, error) {
			if r, ok := refunds[e.RefundID]; ok {
				return r, nil
			}
			r, err := tx.Refund(ctx, RefundQuery{ID: e.RefundID})
			refunds[e.RefundID] = r
			return r, err
		}
		switch e.Kind {
		case EntryPayment, EntryConversion:
			it := add(p.ID+"/P", TxPayment, nil, p.PaidAt, p.Amount)
			it.SettlementAmount.Value += owed()
		case EntryFee:
			it := add(p.ID+"/P", TxPayment, nil, p.PaidAt, p.Amount)
			it.Fee.Value += owed()
		case EntryCancelReversal:
			neg := p.Amount
			neg.Value = -neg.Value
			it := add(p.ID+"/C", TxCancel, nil, p.CancelledAt, neg)
			// The reversal gives back the fee: split the merchant's movement.
			it.Fee.Value += p.Fee.Value
			it.SettlementAmount.Value += owed() - p.Fee.Value
		case EntryRefundReserve, EntryRefundRelease, EntryRefund, EntryFeeReturn:
			r, err := refund()
			if err != nil {
				return nil, err
			}
			neg := r.Amount
			neg.Value = -neg.Value
			it := add(r.ID+"/R", TxRefund, r, r.RefundedAt, neg)
			if e.Kind == EntryFeeReturn {
				it.Fee.Value += owed()
			} else {
				it.SettlementAmount.Value += owed()
			}
		}
	}
	// A refund that failed inside the same set moved nothing: leave it out.
	kept := items[:0]
	for _, it := range items {
		if it.Type == TxRefund && it.Refund.Status == RefundFail && it.SettlementAmount.Value == 0 && it.Fee.Value == 0 {
			continue
		}
		kept = append(kept, it)
	}
	return kept, nil
}

// DayOver reports an error unless the clearing day has ended, so that its reports are
// complete.
func (g *Gateway) DayOver(date string) error {
	end, err := g.cfg.Clearing.End(date)
	if err != nil {
		return err
	}
	if g.now().Before(end.Add(closeGrace)) {
		return Errorf(EReportNotReady, "clearing day %s is not over: its reports are ready from %s", date, end.Add(closeGrace).UTC().Format(time.RFC3339))
	}
	return nil
}

// ClearingOf returns the gateway's clearing cycle.
func (g *Gateway) ClearingOf() Clearing { return g.cfg.Clearing }
