package postgres_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"go.uber.org/goleak"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/postgres"
	"github.com/entrypay/entrypay/internal/sqlstore"
	"github.com/entrypay/entrypay/internal/storetest"
)

func open(t *testing.T) *sql.DB {
	t.Helper()
	db, _ := postgres.OpenTest(t)
	return db
}

// TestMain checks that every database, pool and River client the tests open is closed.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestStore(t *testing.T) {
	if os.Getenv(postgres.TestEnv) == "" {
		t.Skipf("set %s to run the store conformance suite on PostgreSQL", postgres.TestEnv)
	}
	storetest.Run(t, storetest.Engine{
		Open:    open,
		Dialect: postgres.Dialect(),
		River:   func(db *sql.DB) riverdriver.Driver[*sql.Tx] { return riverdatabasesql.New(db) },
	})
}

func TestMigrateTwice(t *testing.T) {
	db := open(t)
	if err := postgres.Migrate(context.Background(), db); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
}

func TestSchemaIsolation(t *testing.T) {
	// Tables land in the schema TestDSN made, not in public.
	db := open(t)
	var schema string
	err := db.QueryRowContext(context.Background(),
		"SELECT table_schema FROM information_schema.tables WHERE table_name = 'payments' AND table_schema = current_schema()").Scan(&schema)
	if err != nil {
		t.Fatalf("payments table in current schema: %v", err)
	}
	if schema == "public" {
		t.Errorf("tables were created in public")
	}
}

func TestIsRetryable(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	for _, code := range []string{"40001", "40P01"} {
		_, err := db.ExecContext(ctx, "DO $$ BEGIN RAISE EXCEPTION 'test' USING ERRCODE = '"+code+"'; END $$")
		if !postgres.IsRetryable(err) {
			t.Errorf("IsRetryable(%v) = false, want true", err)
		}
	}
	_, err := db.ExecContext(ctx, "SELECT 1/0")
	if err == nil || postgres.IsRetryable(err) {
		t.Errorf("IsRetryable(%v) = true, want false", err)
	}
	if postgres.IsRetryable(errors.New("40001")) {
		t.Error("IsRetryable is true for a plain error")
	}
}

func TestOpenBadDSN(t *testing.T) {
	if _, _, err := postgres.Open(context.Background(), "postgres://user:secret@[::1"); err == nil {
		t.Fatal("Open accepted a broken DSN")
	} else if strings.Contains(err.Error(), "secret") {
		t.Errorf("error %q shows the password", err)
	}
}

// TestDeadlockRetried makes two transactions lock two payments in opposite orders.
// PostgreSQL aborts one of them with a deadlock (40P01); InTx must run it again, so both
// succeed.
func TestDeadlockRetried(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	store := sqlstore.New(db, postgres.Dialect(), nil)
	m := &entrypay.Merchant{ID: "mer_1", ClientID: "client_1"}
	p1 := &entrypay.Payment{ID: "pay_1", MerchantID: m.ID, RequestID: "r1"}
	p2 := &entrypay.Payment{ID: "pay_2", MerchantID: m.ID, RequestID: "r2"}
	err := store.InTx(ctx, func(tx entrypay.Tx) error {
		if err := tx.InsertMerchant(ctx, m); err != nil {
			return err
		}
		for _, p := range []*entrypay.Payment{p1, p2} {
			if _, err := tx.InsertPayment(ctx, p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	var bothLocked sync.WaitGroup
	bothLocked.Add(2)
	var runs atomic.Int32
	lockBoth := func(first, second string) error {
		var once sync.Once
		return store.InTx(ctx, func(tx entrypay.Tx) error {
			runs.Add(1)
			if _, err := tx.Payment(ctx, entrypay.PaymentQuery{ID: first, ForUpdate: true}); err != nil {
				return err
			}
			// Only the first run waits for the other transaction's first lock.
			once.Do(func() { bothLocked.Done(); bothLocked.Wait() })
			_, err := tx.Payment(ctx, entrypay.PaymentQuery{ID: second, ForUpdate: true})
			return err
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- lockBoth(p1.ID, p2.ID) }()
	go func() { errs <- lockBoth(p2.ID, p1.ID) }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("InTx: %v", err)
		}
	}
	if n := runs.Load(); n != 3 {
		t.Errorf("fn ran %d times, want 3 (one deadlock victim run again)", n)
	}
}
