// Package sqlstore implements entrypay.DB once, over database/sql, for both engines
// entrypay runs on. The SQL text is shared: SQLite (modernc.org/sqlite binds $N by
// number) and PostgreSQL (pgx) read the same statements, and what does differ between
// them is a Dialect. The store only reads and writes rows; every business rule stays in
// package entrypay.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/entrypay/entrypay"
)

// ErrDuplicate is wrapped by the errors of inserts without an inserted result
// (InsertMerchant, InsertMerchantKey, InsertStore, InsertJournalEntry,
// InsertNotification, InsertNotificationAttempt) when the row's key is already taken.
// The transaction stays usable: the insert is an ON CONFLICT DO NOTHING, so PostgreSQL
// does not abort the transaction as a unique violation would.
var ErrDuplicate = errors.New("key already taken")

// Enqueuer inserts a job in the caller's transaction, so that the job exists exactly when
// the state change that needs it is committed. jobs.Enqueuer is the real one.
type Enqueuer interface {
	EnqueueTx(ctx context.Context, tx *sql.Tx, j entrypay.Job) error
}

// Dialect is what differs between the engines behind the shared SQL.
type Dialect struct {
	// Name names the engine in messages: "sqlite" or "postgres".
	Name string
	// ForUpdate is appended to a SELECT that locks its row until the transaction ends:
	// " FOR UPDATE" on PostgreSQL, and "" on SQLite, whose IMMEDIATE transactions already
	// take the database's one write lock when they begin.
	ForUpdate string
	// IsRetryable reports whether a transaction that failed with err may succeed when
	// run again: serialization failures and deadlocks on PostgreSQL, SQLITE_BUSY on
	// SQLite. Nil means nothing is retried.
	IsRetryable func(error) bool
}

// maxAttempts bounds how many times InTx runs fn: a database that keeps asking for a
// retry is overloaded or broken, and retrying forever would only hide that.
const maxAttempts = 5

// Store is entrypay.DB over a *sql.DB.
type Store struct {
	db      *sql.DB
	dialect Dialect
	enq     Enqueuer
	observe func(write bool, d time.Duration, err error)
}

// Observe has f told of every transaction: read or write, its time (retries
// included) and its error. Set it before the store is used.
func (s *Store) Observe(f func(write bool, d time.Duration, err error)) { s.observe = f }

var _ entrypay.DB = (*Store)(nil)

// New returns a Store on db, which must already be migrated. enq inserts the jobs that
// Tx.Enqueue is given; with a nil enq, Enqueue fails, which suits tools that only read.
func New(db *sql.DB, d Dialect, enq Enqueuer) *Store {
	return &Store{db: db, dialect: d, enq: enq}
}

// DB returns the database the store works on, for callers that share it (River's insert
// client, health checks).
func (s *Store) DB() *sql.DB { return s.db }

// InTx runs fn in a transaction and commits when fn returns nil. When the transaction
// fails in a way the dialect calls retryable, fn runs again in a new transaction, at most
// a few times and after a short jittered pause. Errors returned by fn come back as they
// are, so callers can still inspect their own error values. A panic in fn rolls the
// transaction back and then carries on up the stack.
func (s *Store) InTx(ctx context.Context, fn func(entrypay.Tx) error) error {
	return s.inTx(ctx, nil, fn)
}

// InReadTx is InTx for reading only: a deferred transaction on SQLite (no write lock),
// READ ONLY on PostgreSQL.
func (s *Store) InReadTx(ctx context.Context, fn func(entrypay.Tx) error) error {
	return s.inTx(ctx, &sql.TxOptions{ReadOnly: true}, fn)
}

func (s *Store) inTx(ctx context.Context, opts *sql.TxOptions, fn func(entrypay.Tx) error) (err error) {
	if s.observe != nil {
		start := time.Now()
		defer func() { s.observe(opts == nil, time.Since(start), err) }()
	}
	for attempt := 1; ; attempt++ {
		err := s.runTx(ctx, opts, fn)
		if err == nil || !s.retryable(err) {
			return err
		}
		if attempt == maxAttempts {
			return fmt.Errorf("sqlstore: %s transaction still failing after %d attempts: %w", s.dialect.Name, attempt, err)
		}
		if werr := wait(ctx, backoff(attempt)); werr != nil {
			return fmt.Errorf("sqlstore: retry %s transaction: %w (after %w)", s.dialect.Name, werr, err)
		}
	}
}

func (s *Store) retryable(err error) bool {
	return s.dialect.IsRetryable != nil && s.dialect.IsRetryable(err)
}

func (s *Store) runTx(ctx context.Context, opts *sql.TxOptions, fn func(entrypay.Tx) error) error {
	sqlTx, err := s.db.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("sqlstore: begin: %w", err)
	}
	finished := false
	defer func() {
		// Reached without finished on a panic or runtime.Goexit in fn: roll back so the
		// connection goes back to the pool clean, and let the panic go on.
		if !finished {
			_ = sqlTx.Rollback()
		}
	}()
	t := &tx{tx: sqlTx, dialect: s.dialect, enq: s.enq, store: s}
	err = fn(t)
	if err == nil {
		err = t.flushBalances(ctx)
	}
	if err != nil {
		finished = true
		// A failed rollback leaves nothing to undo: the server drops the transaction with
		// the connection, and fn's error is the one worth reporting.
		_ = sqlTx.Rollback()
		return err
	}
	finished = true
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("sqlstore: commit: %w", err)
	}
	for _, f := range t.afterCommit {
		f()
	}
	return nil
}

// backoff is the pause before attempt+1: 10 ms doubled per attempt, plus up to as much
// again at random so that two transactions that collided do not collide again.
func backoff(attempt int) time.Duration {
	d := 10 * time.Millisecond << (attempt - 1)
	return d + rand.N(d)
}

func wait(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
