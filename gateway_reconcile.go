package entrypay

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// WalletFile is one imported wallet-side file, remembered by name so that it is imported
// once.
type WalletFile struct {
	Name string
	Hash string
}

// Reconciliation is the wallet side's account of one clearing day on one network: the
// transactions it cleared and what it pays entrypay for them, per currency.
type Reconciliation struct {
	Network string
	Date    string
	Files   []WalletFile
	Lines   []ClearingLine
	// Settled is the net amount per currency the wallet side pays for the day.
	Settled []Amount
}

// ReconcileResult is what reconciliation found.
type ReconcileResult struct {
	Matched       int           `json:"matched"`
	Discrepancies []Discrepancy `json:"discrepancies"`
}

// ourLine is one transaction as entrypay's books have it on the wallet side.
type ourLine struct {
	typ, requestID string
	amount         Amount
}

// Reconcile matches the wallet side's clearing of a day against entrypay's books, line by
// line: matched, missing on either side, different amounts, or a status entrypay does not
// agree with. In the same transaction it books each difference between the wallet
// receivable and a suspense account — so the receivable ends up as the wallet side says,
// with the unexplained money visible in suspense — and the wallet side's payment for the
// day into the bank. Each discrepancy is also stored, open, for the operator console.
// Files already imported are refused, and then nothing changes.
func (g *Gateway) Reconcile(ctx context.Context, in Reconciliation) (*ReconcileResult, error) {
	if _, err := g.cfg.Clearing.ValueDate(in.Date); err != nil {
		return nil, err
	}
	now := g.now()
	res := &ReconcileResult{}
	err := g.cfg.DB.InTx(ctx, func(tx Tx) error {
		*res = ReconcileResult{}
		for _, f := range in.Files {
			ok, err := tx.RecordWalletFile(ctx, f.Name, f.Hash, now)
			if err != nil {
				return err
			}
			if !ok {
				return Errorf(EInvalid, "wallet file %s was already imported", f.Name)
			}
		}
		entries, err := tx.EntriesOfClearingDate(ctx, in.Date)
		if err != nil {
			return err
		}
		ours := map[string]ourLine{}
		receivable := walletReceivable(in.Network)
		for _, e := range entries {
			var typ, id string
			switch e.Kind {
			case EntryPayment, EntryLateSuccess:
				typ, id = TxPayment, e.PaymentID
			case EntryRefund:
				typ, id = TxRefund, e.RefundID
			case EntryCancelReversal, EntryLateSuccessBack:
				typ, id = TxCancel, e.PaymentID
			default:
				continue
			}
			for _, p := range e.Postings {
				if p.Account == receivable {
					k := typ + " " + id
					line := ours[k]
					line.typ, line.requestID = typ, id
					sum, err := Amount{Value: line.amount.Value, Currency: p.Amount.Currency}.Add(p.Amount)
					if err != nil {
						return err
					}
					line.amount = sum
					ours[k] = line
				}
			}
		}
		theirs := map[string]ClearingLine{}
		for _, l := range in.Lines {
			k := l.Type + " " + l.RequestID
			if _, dup := theirs[k]; dup {
				return Errorf(EInvalid, "the wallet side lists %s %s twice", l.Type, l.RequestID)
			}
			theirs[k] = l
		}
		keys := make([]string, 0, len(ours)+len(theirs))
		for k := range ours {
			keys = append(keys, k)
		}
		for k := range theirs {
			if _, ok := ours[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			o, inOurs := ours[k]
			t, inTheirs := theirs[k]
			d := Discrepancy{Type: o.typ, RequestID: o.requestID, Ours: o.amount, Theirs: t.Amount}
			switch {
			case inOurs && inTheirs && o.amount == t.Amount:
				res.Matched++
				continue
			case inOurs && inTheirs:
				d.Kind, d.Detail = AmountMismatch, fmt.Sprintf("we booked %s, the wallet side cleared %s", o.amount, t.Amount)
			case inOurs:
				d.Kind, d.Detail = MissingTheirs, fmt.Sprintf("we booked %s, the wallet side did not clear it", o.amount)
			default:
				d.Type, d.RequestID = t.Type, t.RequestID
				d.Kind, d.Detail = MissingOurs, fmt.Sprintf("the wallet side cleared %s, we have no such transaction on %s", t.Amount, in.Date)
				if status := ourStatus(ctx, tx, t); status != "" {
					d.Kind, d.Detail = StatusMismatch, fmt.Sprintf("the wallet side cleared %s %s, ours is %s", t.Type, t.Amount, status)
				}
			}
			res.Discrepancies = append(res.Discrepancies, d)
			// Kept for the operator console until someone explains it.
			if err := tx.InsertDiscrepancy(ctx, &StoredDiscrepancy{ID: NewID("dsc_", now), Network: in.Network, ClearingDate: in.Date, Discrepancy: d, FoundAt: now}); err != nil {
				return err
			}
			if err := g.suspend(ctx, tx, in, d, now); err != nil {
				return err
			}
		}
		for _, a := range in.Settled {
			if a.Value == 0 {
				continue
			}
			e := transfer(EntryWalletSettled, AccountBank, receivable, a)
			e.ClearingDate = in.Date
			if err := g.post(ctx, tx, e, "", "", now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// ourStatus says what entrypay has for a transaction the wallet side cleared but the day's
// books do not show: the payment's or refund's status, or "" when entrypay has none.
func ourStatus(ctx context.Context, tx Tx, l ClearingLine) string {
	if l.Type == TxRefund {
		if r, err := tx.Refund(ctx, RefundQuery{ID: l.RequestID}); err == nil {
			return "refund " + string(r.Status)
		}
		return ""
	}
	if p, err := tx.Payment(ctx, PaymentQuery{ID: l.RequestID}); err == nil {
		return "payment " + string(p.Status)
	}
	return ""
}

// suspend books a discrepancy: the receivable moves to what the wallet side says, the
// difference waits in suspense until someone explains it.
func (g *Gateway) suspend(ctx context.Context, tx Tx, in Reconciliation, d Discrepancy, now time.Time) error {
	currency := d.Theirs.Currency
	if currency == "" {
		currency = d.Ours.Currency
	}
	var ours, theirs int64
	if d.Ours.Currency == currency {
		ours = d.Ours.Value
	}
	if d.Theirs.Currency == currency {
		theirs = d.Theirs.Value
	}
	diff := Amount{Value: theirs - ours, Currency: currency}
	if diff.Value == 0 {
		return nil
	}
	e := entry(EntryDiscrepancy, debit(walletReceivable(in.Network), diff), credit(AccountSuspense("reconciliation", in.Network), diff))
	e.ClearingDate = in.Date
	return g.post(ctx, tx, e, "", "", now)
}
