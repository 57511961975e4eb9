// Package testdb gives tests a real, fresh, migrated database of each engine: SQLite in a
// temporary file always, PostgreSQL in a schema of its own when ENTRYPAY_TEST_POSTGRES is
// set. Tests loop over Engines() so that the same test body runs on both.
package testdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/jobs"
	"github.com/entrypay/entrypay/internal/postgres"
	"github.com/entrypay/entrypay/internal/sqlite"
	"github.com/entrypay/entrypay/internal/sqlstore"
)

// Engines lists the engines to test: "sqlite" always, "postgres" when configured.
func Engines() []string {
	if os.Getenv(postgres.TestEnv) != "" {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

// DB is an open test database.
type DB struct {
	Store *sqlstore.Store
	SQL   *sql.DB
	Kind  string
}

// Open returns a fresh, migrated database of the given engine with River inserts wired,
// closed when the test ends.
func Open(t testing.TB, kind string) *DB {
	t.Helper()
	ctx := context.Background()
	var db *sql.DB
	var dialect sqlstore.Dialect
	var inserter jobs.Inserter
	switch kind {
	case "sqlite":
		var err error
		if db, err = sqlite.Open(ctx, filepath.Join(t.TempDir(), "entrypay.db")); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := sqlite.Migrate(ctx, db); err != nil {
			t.Fatal(err)
		}
		dialect = sqlite.Dialect()
		client, err := river.NewClient(riversqlite.New(db), &river.Config{})
		if err != nil {
			t.Fatal(err)
		}
		inserter = client
	case "postgres":
		db, _ = postgres.OpenTest(t)
		dialect = postgres.Dialect()
		client, err := river.NewClient(riverdatabasesql.New(db), &river.Config{})
		if err != nil {
			t.Fatal(err)
		}
		inserter = client
	default:
		t.Fatalf("unknown engine %q", kind)
	}
	enq := &jobs.Enqueuer{Client: inserter, NotifyAttempts: len(entrypay.DefaultNotifySchedule)}
	return &DB{Store: sqlstore.New(db, dialect, enq), SQL: db, Kind: kind}
}

// DSN returns a --db value for a fresh database of the engine, for tests that run the
// command: a file path for SQLite, a schema of its own for PostgreSQL.
func DSN(t testing.TB, kind string) string {
	t.Helper()
	if kind == "postgres" {
		return postgres.TestDSN(t)
	}
	return "sqlite:" + filepath.Join(t.TempDir(), "entrypay.db")
}

// Job is a River job as stored.
type Job struct {
	Kind        string
	Args        map[string]string
	ScheduledAt time.Time
	MaxAttempts int
}

// Jobs returns every River job in insertion order.
func (d *DB) Jobs(t testing.TB) []Job {
	t.Helper()
	// River keeps args as jsonb: binary on SQLite, so it is turned back into text.
	q := "SELECT kind, args::text, max_attempts FROM river_job ORDER BY id"
	if d.Kind == "sqlite" {
		q = "SELECT kind, json(args), max_attempts FROM river_job ORDER BY id"
	}
	rows, err := d.SQL.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []Job
	for rows.Next() {
		var j Job
		var args []byte
		if err := rows.Scan(&j.Kind, &args, &j.MaxAttempts); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(args, &j.Args); err != nil {
			t.Fatalf("job args %s: %v", args, err)
		}
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// JobsOf returns the jobs of one kind.
func (d *DB) JobsOf(t testing.TB, kind entrypay.JobKind) []Job {
	t.Helper()
	var out []Job
	for _, j := range d.Jobs(t) {
		if j.Kind == string(kind) {
			out = append(out, j)
		}
	}
	return out
}
