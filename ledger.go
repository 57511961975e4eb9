package entrypay

import (
	"fmt"
	"sort"
	"time"
)

// Posting moves Amount into (positive, debit) or out of (negative, credit) an account.
type Posting struct {
	Account string
	Amount  Amount
}

// JournalEntry is one movement of money: postings that sum to zero in every currency.
// Entries are never changed; a correction is a new entry.
type JournalEntry struct {
	ID        string
	Kind      string
	PaymentID string
	RefundID  string
	CreatedAt time.Time
	Postings  []Posting
}

// Kinds of journal entries.
const (
	EntryPayment         = "payment"
	EntryRefund          = "refund"
	EntryCancelReversal  = "cancel_reversal"
	EntryLateSuccess     = "late_success"
	EntryLateSuccessBack = "late_success_reversal"
)

// Account names. The wallet side owes entrypay what customers paid (receivable);
// entrypay owes merchants what they earned (payable).
func walletReceivable(network string) string   { return "wallet_receivable:" + network }
func merchantPayable(merchantID string) string { return "merchant_payable:" + merchantID }

// lateSuccessSuspense holds money a customer paid for a payment entrypay had already
// closed, until it is given back.
func lateSuccessSuspense(network string) string { return "suspense:late_success:" + network }

// Check verifies that the entry is well formed: at least two postings, no zero amounts,
// and a zero sum per currency.
func (e *JournalEntry) Check() error {
	if len(e.Postings) < 2 {
		return fmt.Errorf("journal entry %s: %d postings, want at least 2", e.ID, len(e.Postings))
	}
	sums := map[string]int64{}
	for _, p := range e.Postings {
		if p.Amount.Value == 0 {
			return fmt.Errorf("journal entry %s: zero posting to %s", e.ID, p.Account)
		}
		if p.Account == "" {
			return fmt.Errorf("journal entry %s: posting without account", e.ID)
		}
		s, err := Amount{Value: sums[p.Amount.Currency], Currency: p.Amount.Currency}.Add(p.Amount)
		if err != nil {
			return fmt.Errorf("journal entry %s: %w", e.ID, err)
		}
		sums[p.Amount.Currency] = s.Value
	}
	currencies := make([]string, 0, len(sums))
	for c := range sums {
		currencies = append(currencies, c)
	}
	sort.Strings(currencies)
	for _, c := range currencies {
		if sums[c] != 0 {
			return fmt.Errorf("journal entry %s: unbalanced by %d %s", e.ID, sums[c], c)
		}
	}
	return nil
}

// transfer builds the two-posting entry that moves amount from one account to another.
func transfer(kind, debit, credit string, amount Amount) *JournalEntry {
	neg := amount
	neg.Value = -neg.Value
	return &JournalEntry{
		Kind: kind,
		Postings: []Posting{
			{Account: debit, Amount: amount},
			{Account: credit, Amount: neg},
		},
	}
}
