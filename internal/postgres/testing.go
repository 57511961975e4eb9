package postgres

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// TestEnv names the environment variable that holds the DSN of a PostgreSQL database
// tests may use, such as postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const TestEnv = "ENTRYPAY_TEST_POSTGRES"

// TestDSN creates an empty schema of its own in the test database and returns a DSN whose
// search_path points at it, so that tests running at the same time never see each
// other's tables. The schema is dropped when the test ends; register the cleanups that
// close pools on it after calling TestDSN, so that they run first. Without TestEnv set,
// the test is skipped.
func TestDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(TestEnv)
	if base == "" {
		t.Skipf("PostgreSQL tests skipped: set %s to a DSN such as postgres://postgres@127.0.0.1:5432/test?sslmode=disable", TestEnv)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to %s: %v", TestEnv, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return withSearchPath(t, base, schema)
}

// withSearchPath adds search_path to a URL or key=value DSN; pgx sends parameters it does
// not know itself to the server as run-time settings.
func withSearchPath(t testing.TB, dsn, schema string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatalf("%s is not a valid URL", TestEnv)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + schema
}

// OpenTest opens a migrated database in a schema of its own (see TestDSN) and closes it
// when the test ends.
func OpenTest(t testing.TB) (*sql.DB, *pgxpool.Pool) {
	t.Helper()
	dsn := TestDSN(t)
	ctx := context.Background()
	db, pool, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		pool.Close()
	})
	if err := Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	return db, pool
}
