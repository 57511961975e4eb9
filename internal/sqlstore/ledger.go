package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/entrypay/entrypay"
)

var journalEntryCols = []string{"id", "kind", "payment_id", "refund_id", "batch_id", "clearing_date", "created_at"}

func journalEntryArgs(e *entrypay.JournalEntry) []any {
	return []any{e.ID, e.Kind, e.PaymentID, e.RefundID, e.BatchID, e.ClearingDate, micros(e.CreatedAt)}
}

func journalEntryDest(e *entrypay.JournalEntry) []any {
	return []any{&e.ID, &e.Kind, &e.PaymentID, &e.RefundID, &e.BatchID, &e.ClearingDate, timeCol{&e.CreatedAt}}
}

var postingCols = []string{"entry_id", "position", "account", "amount_value", "amount_currency"}

var (
	selectJournalEntrySQL = selectSQL("journal_entries", journalEntryCols)
	insertJournalEntrySQL = insertSQL("journal_entries", journalEntryCols, "ON CONFLICT DO NOTHING")
	insertPostingSQL      = insertSQL("journal_postings", postingCols, "")
	// postingsSQL reads the postings of the entries a condition on e selects, in entry
	// order, then in the order the entry listed them.
	postingsSQL = `SELECT p.entry_id, p.account, p.amount_value, p.amount_currency
		FROM journal_postings p JOIN journal_entries e ON e.id = p.entry_id
		WHERE %s ORDER BY e.seq, p.position`
	upsertBalanceSQL = `INSERT INTO account_balances (account, currency, balance) VALUES ($1, $2, $3)
		ON CONFLICT (account, currency) DO UPDATE SET balance = account_balances.balance + excluded.balance`
)

func scanJournalEntry(r scanner) (*entrypay.JournalEntry, error) {
	var e entrypay.JournalEntry
	if err := r.Scan(journalEntryDest(&e)...); err != nil {
		return nil, err
	}
	return &e, nil
}

// balanceKey names a balance row.
type balanceKey struct{ account, currency string }

// InsertJournalEntry adds e and its postings, keeping their order, and adds the postings
// to the transaction's balance changes, which flushBalances writes just before the
// commit. The store does not check the balance: that is JournalEntry.Check's job, before
// the call.
//
// Balance rows are shared (every payment of a network books to its wallet receivable),
// so on PostgreSQL a transaction holds their row locks from its first update until it
// commits. Written last, and once per row however many entries touch it, they are held
// for the commit alone; written in account, currency order, two transactions touching
// the same rows lock them in the same order and cannot deadlock.
func (t *tx) InsertJournalEntry(ctx context.Context, e *entrypay.JournalEntry) error {
	if err := t.mustInsert(ctx, insertJournalEntrySQL, journalEntryArgs(e)...); err != nil {
		return fmt.Errorf("sqlstore: insert journal entry %s: %w", e.ID, err)
	}
	if t.balanceDeltas == nil {
		t.balanceDeltas = map[balanceKey]int64{}
	}
	for i, p := range e.Postings {
		if _, err := t.exec(ctx, insertPostingSQL, e.ID, i, p.Account, p.Amount.Value, p.Amount.Currency); err != nil {
			return fmt.Errorf("sqlstore: insert posting %d of journal entry %s: %w", i, e.ID, err)
		}
		k := balanceKey{p.Account, p.Amount.Currency}
		sum, err := entrypay.Amount{Value: t.balanceDeltas[k], Currency: k.currency}.Add(p.Amount)
		if err != nil {
			return fmt.Errorf("sqlstore: journal entry %s: %w", e.ID, err)
		}
		t.balanceDeltas[k] = sum.Value
	}
	return nil
}

// flushBalances writes the balance changes of the entries inserted so far: before the
// commit, and before the transaction reads a balance.
func (t *tx) flushBalances(ctx context.Context) error {
	if len(t.balanceDeltas) == 0 {
		return nil
	}
	keys := make([]balanceKey, 0, len(t.balanceDeltas))
	for k := range t.balanceDeltas {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].account != keys[j].account {
			return keys[i].account < keys[j].account
		}
		return keys[i].currency < keys[j].currency
	})
	for _, k := range keys {
		if _, err := t.exec(ctx, upsertBalanceSQL, k.account, k.currency, t.balanceDeltas[k]); err != nil {
			return fmt.Errorf("sqlstore: balance of %s %s: %w", k.account, k.currency, err)
		}
	}
	clear(t.balanceDeltas)
	return nil
}

// JournalEntries returns the entries about a payment, with their postings, in the order
// they were written.
func (t *tx) JournalEntries(ctx context.Context, paymentID string) ([]*entrypay.JournalEntry, error) {
	return t.entriesWhere(ctx, "payment_id", paymentID)
}

// EntriesOfBatch returns a settlement batch's entries.
func (t *tx) EntriesOfBatch(ctx context.Context, batchID string) ([]*entrypay.JournalEntry, error) {
	return t.entriesWhere(ctx, "batch_id", batchID)
}

// EntriesOfClearingDate returns a clearing day's entries.
func (t *tx) EntriesOfClearingDate(ctx context.Context, date string) ([]*entrypay.JournalEntry, error) {
	return t.entriesWhere(ctx, "clearing_date", date)
}

// entriesWhere loads the entries whose column equals value, with their postings. col is
// one of the names above, never input.
func (t *tx) entriesWhere(ctx context.Context, col, value string) ([]*entrypay.JournalEntry, error) {
	entries, err := queryAll(ctx, t, scanJournalEntry, selectJournalEntrySQL+" WHERE "+col+" = $1 ORDER BY seq", value)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: journal entries with %s %s: %w", col, value, err)
	}
	if len(entries) == 0 {
		return entries, nil
	}
	byID := make(map[string]*entrypay.JournalEntry, len(entries))
	for _, e := range entries {
		byID[e.ID] = e
	}
	rows, err := t.query(ctx, fmt.Sprintf(postingsSQL, "e."+col+" = $1"), value)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: postings with %s %s: %w", col, value, err)
	}
	defer rows.Close()
	if err := addPostings(rows, byID); err != nil {
		return nil, fmt.Errorf("sqlstore: postings with %s %s: %w", col, value, err)
	}
	return entries, nil
}

func addPostings(rows *sql.Rows, byID map[string]*entrypay.JournalEntry) error {
	for rows.Next() {
		var entryID string
		var p entrypay.Posting
		if err := rows.Scan(&entryID, &p.Account, &p.Amount.Value, &p.Amount.Currency); err != nil {
			return err
		}
		// An entry written between the two queries is not in byID: skip its postings.
		if e, ok := byID[entryID]; ok {
			e.Postings = append(e.Postings, p)
		}
	}
	return rows.Err()
}

// EachJournalEntry calls fn for every entry with its postings, in creation order, a page
// at a time so that memory stays small.
func (t *tx) EachJournalEntry(ctx context.Context, fn func(*entrypay.JournalEntry) error) error {
	const page = 1000
	var after int64
	for {
		from := after
		rows, err := t.query(ctx, "SELECT seq, "+strings.Join(journalEntryCols, ", ")+" FROM journal_entries WHERE seq > $1 ORDER BY seq LIMIT $2", from, page)
		if err != nil {
			return fmt.Errorf("sqlstore: journal entries: %w", err)
		}
		var entries []*entrypay.JournalEntry
		byID := map[string]*entrypay.JournalEntry{}
		for rows.Next() {
			var e entrypay.JournalEntry
			if err := rows.Scan(append([]any{&after}, journalEntryDest(&e)...)...); err != nil {
				rows.Close()
				return fmt.Errorf("sqlstore: journal entries: %w", err)
			}
			entries = append(entries, &e)
			byID[e.ID] = &e
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("sqlstore: journal entries: %w", err)
		}
		if len(entries) == 0 {
			return nil
		}
		prows, err := t.query(ctx, fmt.Sprintf(postingsSQL, "e.seq > $1 AND e.seq <= $2"), from, after)
		if err != nil {
			return fmt.Errorf("sqlstore: postings: %w", err)
		}
		err = addPostings(prows, byID)
		prows.Close()
		if err != nil {
			return fmt.Errorf("sqlstore: postings: %w", err)
		}
		for _, e := range entries {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(entries) < page {
			return nil
		}
	}
}

// Balances returns every balance row.
func (t *tx) Balances(ctx context.Context) ([]entrypay.Balance, error) {
	if err := t.flushBalances(ctx); err != nil {
		return nil, err
	}
	return t.balances(ctx, "SELECT account, currency, balance FROM account_balances ORDER BY account, currency")
}

// PostingSums returns each account's balance computed from its postings.
func (t *tx) PostingSums(ctx context.Context) ([]entrypay.Balance, error) {
	return t.balances(ctx, "SELECT account, amount_currency, SUM(amount_value) FROM journal_postings GROUP BY account, amount_currency ORDER BY account, amount_currency")
}

func (t *tx) balances(ctx context.Context, query string) ([]entrypay.Balance, error) {
	out, err := queryAll(ctx, t, func(r scanner) (*entrypay.Balance, error) {
		var b entrypay.Balance
		return &b, r.Scan(&b.Account, &b.Currency, &b.Value)
	}, query)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: balances: %w", err)
	}
	list := make([]entrypay.Balance, len(out))
	for i, b := range out {
		list[i] = *b
	}
	return list, nil
}

// Balance returns one balance row's value, 0 when there is none.
func (t *tx) Balance(ctx context.Context, account, currency string) (int64, error) {
	if err := t.flushBalances(ctx); err != nil {
		return 0, err
	}
	var v int64
	err := t.queryRow(ctx, "SELECT balance FROM account_balances WHERE account = $1 AND currency = $2", account, currency).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("sqlstore: balance of %s %s: %w", account, currency, err)
	}
	return v, nil
}
