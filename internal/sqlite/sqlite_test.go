package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"go.uber.org/goleak"

	"github.com/entrypay/entrypay/internal/sqlite"
	"github.com/entrypay/entrypay/internal/storetest"
)

// open returns a migrated database in a new file under t.TempDir.
func open(t *testing.T) *sql.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "entrypay.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := sqlite.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestMain checks that every database, pool and River client the tests open is closed.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestStore(t *testing.T) {
	storetest.Run(t, storetest.Engine{
		Open:    open,
		Dialect: sqlite.Dialect(),
		River:   func(db *sql.DB) riverdriver.Driver[*sql.Tx] { return riversqlite.New(db) },
	})
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	t.Run("CreatesDirectory", func(t *testing.T) {
		// A '?' and a '%' in the path must not be read as URI syntax.
		path := filepath.Join(t.TempDir(), "a?b", "c%20d", "entrypay.db")
		db, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := sqlite.Migrate(ctx, db); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(path); err != nil {
			t.Errorf("database file: %v", err)
		}
	})
	t.Run("Settings", func(t *testing.T) {
		db := open(t)
		// Several connections, so that settings are seen to be per-connection ones.
		db.SetMaxIdleConns(0)
		for _, c := range []struct{ pragma, want string }{
			{"journal_mode", "wal"},
			{"foreign_keys", "1"},
			{"busy_timeout", "10000"},
			{"synchronous", "2"},
		} {
			var got string
			if err := db.QueryRowContext(ctx, "PRAGMA "+c.pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("PRAGMA %s = %s, want %s", c.pragma, got, c.want)
			}
		}
	})
	t.Run("RefusesMemory", func(t *testing.T) {
		for _, path := range []string{"", ":memory:", "file::memory:?cache=shared"} {
			if db, err := sqlite.Open(ctx, path); err == nil {
				db.Close()
				t.Errorf("Open(%q) succeeded; want an error asking for a file", path)
			}
		}
	})
}

func TestMigrateTwice(t *testing.T) {
	db := open(t)
	if err := sqlite.Migrate(context.Background(), db); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
}

func TestIsRetryable(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "entrypay.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil) // IMMEDIATE: holds the write lock
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()

	// A second connection that does not wait gets SQLITE_BUSY at once.
	impatient, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(0)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer impatient.Close()
	_, err = impatient.BeginTx(ctx, nil)
	if err == nil {
		t.Fatal("second writer got the lock")
	}
	if !sqlite.IsRetryable(err) {
		t.Errorf("IsRetryable(%v) = false, want true", err)
	}
	if sqlite.IsRetryable(errors.New("database is locked")) || sqlite.IsRetryable(sql.ErrNoRows) {
		t.Error("IsRetryable is true for errors that are not SQLITE_BUSY")
	}
}
