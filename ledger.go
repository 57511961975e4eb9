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
	// BatchID is the settlement batch the entry counts in, when it moves money a merchant
	// is owed.
	BatchID string
	// ClearingDate is the clearing day the entry belongs to (YYYY-MM-DD).
	ClearingDate string
	CreatedAt    time.Time
	Postings     []Posting
}

// Kinds of journal entries.
const (
	EntryPayment         = "payment"
	EntryConversion      = "fx_conversion"
	EntryFee             = "fee"
	EntryRefundReserve   = "refund_reserve"
	EntryRefund          = "refund"
	EntryRefundRelease   = "refund_release"
	EntryFeeReturn       = "fee_return"
	EntryCancelReversal  = "cancel_reversal"
	EntryLateSuccess     = "late_success"
	EntryLateSuccessBack = "late_success_reversal"
	EntryPayout          = "payout"
	EntryPayoutSettled   = "payout_settled"
	EntryWalletSettled   = "wallet_settlement"
	EntryDiscrepancy     = "reconciliation_suspense"
)

// Accounts. Each is kept per currency. Signs: a posting is positive for a debit, negative
// for a credit; an asset's balance is positive, a liability's negative.
//
//   - wallet_receivable:<network>   asset: what the wallet side owes for customers' payments
//   - merchant_payable:<merchant>   liability: what a merchant has earned and not been paid
//   - refunds_in_transit:<network>  liability: refunds asked of the wallet side, not yet done
//   - fee_revenue                   income: entrypay's fees
//   - fx_position                   entrypay's currency position from conversions
//   - merchant_payout:<merchant>    liability: payouts decided, not yet at the merchant's bank
//   - bank                          asset: entrypay's bank account
//   - suspense:<reason>:<network>   money that is not yet explained
const (
	AccountFeeRevenue = "fee_revenue"
	AccountFXPosition = "fx_position"
	AccountBank       = "bank"
)

// AccountWalletReceivable is the receivable from a wallet network.
func AccountWalletReceivable(network string) string { return "wallet_receivable:" + network }

// AccountMerchantPayable is what entrypay owes a merchant.
func AccountMerchantPayable(merchantID string) string { return "merchant_payable:" + merchantID }

// AccountRefundsInTransit holds refunds under way on a network.
func AccountRefundsInTransit(network string) string { return "refunds_in_transit:" + network }

// AccountMerchantPayout holds payouts on their way to a merchant's bank.
func AccountMerchantPayout(merchantID string) string { return "merchant_payout:" + merchantID }

// AccountSuspense holds money that is not yet explained, by reason and network.
func AccountSuspense(reason, network string) string { return "suspense:" + reason + ":" + network }

func walletReceivable(network string) string   { return AccountWalletReceivable(network) }
func merchantPayable(merchantID string) string { return AccountMerchantPayable(merchantID) }

// lateSuccessSuspense holds money a customer paid for a payment entrypay had already
// closed, until it is given back.
func lateSuccessSuspense(network string) string { return AccountSuspense("late_success", network) }

// Balance is the sum of an account's postings in one currency.
type Balance struct {
	Account  string
	Currency string
	Value    int64
}

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

// entry builds an entry of the given postings (debit positive, credit negative).
func entry(kind string, postings ...Posting) *JournalEntry {
	return &JournalEntry{Kind: kind, Postings: postings}
}

// debit and credit make postings.
func debit(account string, a Amount) Posting { return Posting{Account: account, Amount: a} }
func credit(account string, a Amount) Posting {
	a.Value = -a.Value
	return Posting{Account: account, Amount: a}
}

// reversed returns e's postings with their signs swapped: an entry that undoes e.
func reversed(kind string, e *JournalEntry) *JournalEntry {
	out := &JournalEntry{Kind: kind}
	for _, p := range e.Postings {
		p.Amount.Value = -p.Amount.Value
		out.Postings = append(out.Postings, p)
	}
	return out
}
