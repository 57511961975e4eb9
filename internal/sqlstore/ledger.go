package sqlstore

import (
	"context"
	"fmt"

	"github.com/entrypay/entrypay"
)

var journalEntryCols = []string{"id", "kind", "payment_id", "refund_id", "created_at"}

func journalEntryArgs(e *entrypay.JournalEntry) []any {
	return []any{e.ID, e.Kind, e.PaymentID, e.RefundID, micros(e.CreatedAt)}
}

func journalEntryDest(e *entrypay.JournalEntry) []any {
	return []any{&e.ID, &e.Kind, &e.PaymentID, &e.RefundID, timeCol{&e.CreatedAt}}
}

var postingCols = []string{"entry_id", "position", "account", "amount_value", "amount_currency"}

var (
	selectJournalEntrySQL = selectSQL("journal_entries", journalEntryCols)
	insertJournalEntrySQL = insertSQL("journal_entries", journalEntryCols, "ON CONFLICT DO NOTHING")
	insertPostingSQL      = insertSQL("journal_postings", postingCols, "")
	// selectPostingsSQL reads the postings of a payment's entries in entry order, then in
	// the order the entry listed them.
	selectPostingsSQL = `SELECT p.entry_id, p.account, p.amount_value, p.amount_currency
		FROM journal_postings p JOIN journal_entries e ON e.id = p.entry_id
		WHERE e.payment_id = $1 ORDER BY e.seq, p.position`
)

func scanJournalEntry(r scanner) (*entrypay.JournalEntry, error) {
	var e entrypay.JournalEntry
	if err := r.Scan(journalEntryDest(&e)...); err != nil {
		return nil, err
	}
	return &e, nil
}

// InsertJournalEntry adds e and its postings, keeping their order. The store does not
// check the balance: that is JournalEntry.Check's job, before the call.
func (t *tx) InsertJournalEntry(ctx context.Context, e *entrypay.JournalEntry) error {
	if err := t.mustInsert(ctx, insertJournalEntrySQL, journalEntryArgs(e)...); err != nil {
		return fmt.Errorf("sqlstore: insert journal entry %s: %w", e.ID, err)
	}
	for i, p := range e.Postings {
		if _, err := t.tx.ExecContext(ctx, insertPostingSQL, e.ID, i, p.Account, p.Amount.Value, p.Amount.Currency); err != nil {
			return fmt.Errorf("sqlstore: insert posting %d of journal entry %s: %w", i, e.ID, err)
		}
	}
	return nil
}

// JournalEntries returns the entries about a payment, with their postings, in the order
// they were written.
func (t *tx) JournalEntries(ctx context.Context, paymentID string) ([]*entrypay.JournalEntry, error) {
	entries, err := queryAll(ctx, t, scanJournalEntry, selectJournalEntrySQL+" WHERE payment_id = $1 ORDER BY seq", paymentID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: journal entries of payment %s: %w", paymentID, err)
	}
	if len(entries) == 0 {
		return entries, nil
	}
	byID := make(map[string]*entrypay.JournalEntry, len(entries))
	for _, e := range entries {
		byID[e.ID] = e
	}
	rows, err := t.tx.QueryContext(ctx, selectPostingsSQL, paymentID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: postings of payment %s: %w", paymentID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var entryID string
		var p entrypay.Posting
		if err := rows.Scan(&entryID, &p.Account, &p.Amount.Value, &p.Amount.Currency); err != nil {
			return nil, fmt.Errorf("sqlstore: postings of payment %s: %w", paymentID, err)
		}
		e, ok := byID[entryID]
		if !ok {
			// Only possible if an entry was written between the two queries, which the
			// transaction rules out on SQLite and makes harmless to skip on PostgreSQL.
			continue
		}
		e.Postings = append(e.Postings, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: postings of payment %s: %w", paymentID, err)
	}
	return entries, nil
}
