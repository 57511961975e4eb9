// Package sqlite opens entrypay's SQLite database (modernc.org/sqlite, pure Go), brings
// its schema up to date, and describes the engine to package sqlstore, which holds the
// queries both engines share.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/entrypay/entrypay/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// params are the connection settings every connection gets (SQLite keeps them per
// connection). busy_timeout makes a writer wait for the lock instead of failing at once;
// WAL lets readers run beside the one writer; foreign_keys is off by default in SQLite;
// synchronous FULL makes a commit survive power loss, which a payments ledger needs;
// _txlock=immediate takes the write lock at BEGIN, because a transaction that reads and
// then upgrades to writing gets SQLITE_BUSY that no timeout can cure.
const params = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_txlock=immediate"

// useFdatasync makes SQLite commit with fdatasync(2) instead of fsync(2), as the SQLite
// that Linux distributions build does: as durable (the data and the file size reach the
// disk), without also flushing timestamps through the file system's journal. The switch
// is process-wide; where the platform lacks fdatasync it stays fsync.
var useFdatasync sync.Once

// Open opens (creating it and its directory if missing) the database file at path.
// A file is required: an in-memory database would be a different, empty database on each
// of the pool's connections.
func Open(ctx context.Context, path string) (*sql.DB, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("sqlite: open %q: want the path of a database file", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	connector, err := msqlite.NewConnector(dsn(abs))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	useFdatasync.Do(func() { _, _ = msqlite.Fdatasync(true) })
	db := sql.OpenDB(cachingConnector{base: connector})
	// Keep connections: opening one reads the whole schema, runs the pragmas and prepares
	// its statements again, and database/sql keeps only two idle by default. Under load
	// about 30 are open at once (writers waiting for the lock each hold one); with 16 kept,
	// 68 were opened in a 10-second bench, with 64 kept, 32.
	db.SetMaxIdleConns(64)
	db.SetConnMaxIdleTime(10 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return db, nil
}

// uriEscaper escapes what a SQLite URI path may not hold literally: '%' starts an escape,
// '?' the parameters and '#' a fragment.
var uriEscaper = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

// dsn is a file: URI, so that a path holding '?' cannot be mistaken for parameters.
func dsn(absPath string) string {
	return "file:" + uriEscaper.Replace(filepath.ToSlash(absPath)) + "?" + params
}

// Migrate brings the database up to date: entrypay's tables (goose, from the embedded
// migrations), then River's (rivermigrate). Neither takes a lock that other processes
// would see, so run it once, at startup before any worker or from a migrate command,
// never from several processes at the same time.
func Migrate(ctx context.Context, db *sql.DB) error {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	m, err := rivermigrate.New(riversqlite.New(db), nil)
	if err != nil {
		return fmt.Errorf("sqlite: migrate river: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("sqlite: migrate river: %w", err)
	}
	return nil
}

// Dialect describes SQLite to package sqlstore.
func Dialect() sqlstore.Dialect {
	return sqlstore.Dialect{
		Name: "sqlite",
		// Every transaction is BEGIN IMMEDIATE and so holds the database's write lock from
		// its start: rows need no lock of their own.
		ForUpdate:   "",
		IsRetryable: IsRetryable,
	}
}

// IsRetryable reports whether err is SQLITE_BUSY (in any of its extended forms): another
// connection held the write lock longer than busy_timeout, and trying again may succeed.
func IsRetryable(err error) bool {
	var e *msqlite.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_BUSY
}
