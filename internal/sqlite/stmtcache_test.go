package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

// cached returns how many statements the connection keeps prepared.
func cached(t *testing.T, conn *sql.Conn) int {
	t.Helper()
	n := -1
	if err := conn.Raw(func(dc any) error {
		n = len(dc.(*cachingConn).stmts)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestStatementCache(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "cache.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	const insert = `INSERT INTO t (k, v) VALUES (?, ?)`
	for k := range 5 {
		if _, err := conn.ExecContext(ctx, insert, k, fmt.Sprint("v", k)); err != nil {
			t.Fatal(err)
		}
	}
	before := cached(t, conn)

	// The same query inside a loop over its own rows: the inner use gets a statement of
	// its own, and both read the right rows.
	const get = `SELECT k, v FROM t WHERE k >= ? ORDER BY k`
	rows, err := conn.QueryContext(ctx, get, 0)
	if err != nil {
		t.Fatal(err)
	}
	var outer []string
	for rows.Next() {
		var k int
		var v string
		if err := rows.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		outer = append(outer, v)
		var k2 int
		var v2 string
		if err := conn.QueryRowContext(ctx, get, k).Scan(&k2, &v2); err != nil || k2 != k || v2 != v {
			t.Fatalf("inner query for %d: %d %q %v", k, k2, v2, err)
		}
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(outer) != "[v0 v1 v2 v3 v4]" {
		t.Errorf("outer rows %v", outer)
	}
	if got := cached(t, conn); got != before+1 {
		t.Errorf("%d statements cached after the query, want %d", got, before+1)
	}
	// Used again after its rows closed: the same statement, reset, with new arguments.
	var v string
	if err := conn.QueryRowContext(ctx, get, 3).Scan(new(int), &v); err != nil || v != "v3" {
		t.Errorf("query again: %q %v", v, err)
	}

	// A statement that failed stays usable; a script of several statements runs whole.
	if _, err := conn.ExecContext(ctx, insert, 1, "dup"); err == nil {
		t.Error("duplicate key accepted")
	}
	if _, err := conn.ExecContext(ctx, insert, 5, "v5"); err != nil {
		t.Fatalf("insert after a failed insert: %v", err)
	}
	if _, err := conn.ExecContext(ctx, `INSERT INTO t (k, v) VALUES (10, 'a'); INSERT INTO t (k, v) VALUES (11, 'b')`); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM t`).Scan(&n); err != nil || n != 8 {
		t.Errorf("%d rows after the script, want 8 (%v)", n, err)
	}

	// The cache is bounded.
	for i := range maxCachedStatements + 20 {
		if err := conn.QueryRowContext(ctx, fmt.Sprintf(`SELECT %d`, i)).Scan(&n); err != nil || n != i {
			t.Fatalf("SELECT %d: %d %v", i, n, err)
		}
	}
	if got := cached(t, conn); got > maxCachedStatements {
		t.Errorf("%d statements cached, more than %d", got, maxCachedStatements)
	}
}
