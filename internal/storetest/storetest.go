// Package storetest is the conformance suite every engine behind package sqlstore must
// pass: the same test bodies run on SQLite and on PostgreSQL, so the two stores cannot
// drift apart. Jobs are inserted by a real River client through jobs.Enqueuer, so the
// suite also proves that jobs commit and roll back with the state changes that cause
// them.
package storetest

import (
	"context"
	"database/sql"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/jobs"
	"github.com/entrypay/entrypay/internal/sqlstore"
)

// Engine is what the suite needs from one database engine.
type Engine struct {
	// Open returns a new, empty, migrated database and closes it when t ends. It is
	// called once per subtest, from parallel subtests.
	Open func(t *testing.T) *sql.DB
	// Dialect is the engine's sqlstore.Dialect.
	Dialect sqlstore.Dialect
	// River wraps a database in the engine's River driver (riversqlite.New or
	// riverdatabasesql.New), for the suite's insert-only River client.
	River func(db *sql.DB) riverdriver.Driver[*sql.Tx]
}

// notifyAttempts is the MaxAttempts the suite's Enqueuer gives notification jobs.
const notifyAttempts = 8

// env is one subtest's database and the store and River client on it.
type env struct {
	t     *testing.T
	ctx   context.Context
	eng   Engine
	db    *sql.DB
	enq   *jobs.Enqueuer
	river *river.Client[*sql.Tx]
	store *sqlstore.Store
}

// setup gives the subtest a fresh database and a store on it with a real River
// enqueuer. The River client only inserts and lists, so it starts nothing to stop.
func (e Engine) setup(t *testing.T) *env {
	t.Helper()
	db := e.Open(t)
	rc, err := river.NewClient(e.River(db), &river.Config{})
	if err != nil {
		t.Fatalf("river client: %v", err)
	}
	enq := &jobs.Enqueuer{Client: rc, NotifyAttempts: notifyAttempts}
	return &env{
		t:     t,
		ctx:   t.Context(),
		eng:   e,
		db:    db,
		enq:   enq,
		river: rc,
		store: sqlstore.New(db, e.Dialect, enq),
	}
}

// write runs fn in a transaction and fails the test if it does not commit.
func (h *env) write(fn func(tx entrypay.Tx) error) {
	h.t.Helper()
	if err := h.store.InTx(h.ctx, fn); err != nil {
		h.t.Fatalf("InTx: %v", err)
	}
}

// read is write for transactions that only look, named for the reader's sake.
func (h *env) read(fn func(tx entrypay.Tx) error) {
	h.t.Helper()
	h.write(fn)
}

// jobCount counts River's jobs by SQL, bypassing River, to see what really committed.
func (h *env) jobCount() int {
	h.t.Helper()
	var n int
	if err := h.db.QueryRowContext(h.ctx, "SELECT count(*) FROM river_job").Scan(&n); err != nil {
		h.t.Fatalf("count river_job: %v", err)
	}
	return n
}

// Run runs the conformance suite on e. Every subtest runs in parallel on a database of
// its own.
func Run(t *testing.T, e Engine) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, Engine)
	}{
		{"RoundTrip", testRoundTrip},
		{"Update", testUpdate},
		{"Times", testTimes},
		{"NotFound", testNotFound},
		{"IncompleteQuery", testIncompleteQuery},
		{"EmptyLists", testEmptyLists},
		{"UniqueKeys", testUniqueKeys},
		{"Duplicates", testDuplicates},
		{"MerchantIsolation", testMerchantIsolation},
		{"LatestKeys", testLatestKeys},
		{"PaymentEventsOrder", testPaymentEventsOrder},
		{"JournalEntriesOrder", testJournalEntriesOrder},
		{"ListsOfPayment", testListsOfPayment},
		{"NotificationAttemptsOrder", testNotificationAttemptsOrder},
		{"Rollback", testRollback},
		{"Commit", testCommit},
		{"Panic", testPanic},
		{"EnqueueWithoutEnqueuer", testEnqueueWithoutEnqueuer},
		{"Retry", testRetry},
		{"ForUpdate", testForUpdate},
		{"EntryCodes", testEntryCodes},
		{"Branding", testBranding},
		{"Balances", testBalances},
		{"BalancesConcurrent", testBalancesConcurrent},
		{"Rates", testRates},
		{"Pricing", testPricing},
		{"ReportDelivery", testReportDelivery},
		{"RuleSets", testRuleSets},
		{"RiskDecisions", testRiskDecisions},
		{"RiskCounts", testRiskCounts},
		{"ReadTx", testReadTx},
		{"Batches", testBatches},
		{"WalletFiles", testWalletFiles},
		{"EntryQueries", testEntryQueries},
		{"Users", testUsers},
		{"AuditLog", testAuditLog},
		{"PaymentList", testPaymentList},
		{"AgentTokens", testAgentTokens},
		{"Registrations", testRegistrations},
		{"MerchantKeys", testMerchantKeys},
		{"NotificationLog", testNotificationLog},
		{"MerchantScoped", testMerchantScoped},
		{"StoreReference", testStoreReference},
		{"ConsoleMerchants", testConsoleMerchants},
		{"SettlementVolume", testSettlementVolume},
		{"WalletStats", testWalletStats},
		{"RateSets", testRateSets},
		{"Discrepancies", testDiscrepancies},
		{"QueuedJobs", testQueuedJobs},
		{"OpsFigures", testOpsFigures},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, e)
		})
	}
}
