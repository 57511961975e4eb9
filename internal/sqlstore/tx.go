package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/entrypay/entrypay"
)

// tx is entrypay.Tx bound to one database transaction.
type tx struct {
	tx      *sql.Tx
	dialect Dialect
	enq     Enqueuer
	store   *Store
	// balanceDeltas are the journal postings' changes to balance rows, written when the
	// transaction is about to commit (flushBalances).
	balanceDeltas map[balanceKey]int64
	afterCommit   []func()
}

// AfterCommit runs f once the transaction has committed.
func (t *tx) AfterCommit(f func()) { t.afterCommit = append(t.afterCommit, f) }

// exec, query and queryRow run a statement as text: the SQLite connector keeps every
// statement prepared per connection, and pgx caches them itself.
func (t *tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, query, args...)
}

func (t *tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, query, args...)
}

func (t *tx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, query, args...)
}

var _ entrypay.Tx = (*tx)(nil)

// Enqueue hands j to the enqueuer with this transaction, so the job is committed or
// rolled back together with the state change that caused it.
func (t *tx) Enqueue(ctx context.Context, j entrypay.Job) error {
	if t.enq == nil {
		return fmt.Errorf("sqlstore: enqueue %s %s: the store has no job enqueuer", j.Kind, j.Subject)
	}
	if err := t.enq.EnqueueTx(ctx, t.tx, j); err != nil {
		return fmt.Errorf("sqlstore: enqueue %s %s: %w", j.Kind, j.Subject, err)
	}
	return nil
}

// lock returns the dialect's row-lock clause when forUpdate is set.
func (t *tx) lock(forUpdate bool) string {
	if forUpdate {
		return t.dialect.ForUpdate
	}
	return ""
}

// insert runs an INSERT … ON CONFLICT DO NOTHING and reports whether it added a row.
func (t *tx) insert(ctx context.Context, query string, args ...any) (bool, error) {
	res, err := t.exec(ctx, query, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	return n == 1, nil
}

// mustInsert is insert for rows that have no inserted result: a taken key is an error
// wrapping ErrDuplicate.
func (t *tx) mustInsert(ctx context.Context, query string, args ...any) error {
	ok, err := t.insert(ctx, query, args...)
	if err != nil {
		return err
	}
	if !ok {
		return ErrDuplicate
	}
	return nil
}

// update runs an UPDATE of one row by key; no row is ErrNotFound.
func (t *tx) update(ctx context.Context, query string, args ...any) error {
	res, err := t.exec(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return entrypay.ErrNotFound
	}
	return nil
}

// notFound turns sql.ErrNoRows into entrypay.ErrNotFound and leaves other errors alone.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return entrypay.ErrNotFound
	}
	return err
}

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface {
	Scan(dest ...any) error
}

// queryAll runs query and scans every row with scan.
func queryAll[T any](ctx context.Context, t *tx, scan func(scanner) (*T, error), query string, args ...any) ([]*T, error) {
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Statement builders. Each table's columns are listed once, next to the functions that
// give their values and scan destinations in the same order; a test checks the lengths.

func selectSQL(table string, cols []string) string {
	return "SELECT " + strings.Join(cols, ", ") + " FROM " + table
}

// insertSQL inserts cols from $1 on; conflict ("ON CONFLICT … DO NOTHING") follows.
func insertSQL(table string, cols []string, conflict string) string {
	ph := make([]string, len(cols))
	for i := range cols {
		ph[i] = "$" + strconv.Itoa(i+1)
	}
	return "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES (" + strings.Join(ph, ", ") + ") " + conflict
}

// updateSQL sets every column but the first from its value and finds the row by the
// first, so it takes the same arguments as insertSQL.
func updateSQL(table string, cols []string) string {
	set := make([]string, len(cols)-1)
	for i, c := range cols[1:] {
		set[i] = c + " = $" + strconv.Itoa(i+2)
	}
	return "UPDATE " + table + " SET " + strings.Join(set, ", ") + " WHERE " + cols[0] + " = $1"
}

// Times are stored as Unix microseconds in UTC, 0 for the zero time: an integer sorts and
// compares the same on both engines, and no driver gets to apply its own time zone rules.

func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMicro(v).UTC()
}

// timeCol scans a microseconds column into a time.Time.
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(src any) error {
	v, ok := src.(int64)
	if !ok {
		return fmt.Errorf("time column holds %T, want an integer of microseconds", src)
	}
	*c.t = fromMicros(v)
	return nil
}

// blob gives a non-NULL value for a NOT NULL binary column: pgx sends a nil []byte as
// NULL.
func blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// blobCol scans a binary column, returning an empty body as nil so that a nil body
// round-trips as nil on both engines.
type blobCol struct{ b *[]byte }

func (c blobCol) Scan(src any) error {
	switch v := src.(type) {
	case []byte:
		if len(v) == 0 {
			*c.b = nil
		} else {
			*c.b = append([]byte(nil), v...)
		}
	case string:
		if v == "" {
			*c.b = nil
		} else {
			*c.b = []byte(v)
		}
	case nil:
		*c.b = nil
	default:
		return fmt.Errorf("binary column holds %T", src)
	}
	return nil
}
