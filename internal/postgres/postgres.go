// Package postgres opens entrypay's PostgreSQL database (pgx), brings its schema up to
// date, and describes the engine to package sqlstore, which holds the queries both
// engines share.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/entrypay/entrypay/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Open connects to the database at dsn (a postgres:// URL or key=value string, as pgx
// reads it; pool_max_conns and search_path may be given there). It returns one pool
// under two faces: the *sql.DB that entrypay's store and River's transactional inserts
// use, and the *pgxpool.Pool that River's worker client takes (riverpgxv5), so that the
// process holds a single set of connections. Close the *sql.DB before the pool.
func Open(ctx context.Context, dsn string) (*sql.DB, *pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's message may quote the DSN, password included: keep it out of logs.
		return nil, nil, errors.New("postgres: open: cannot parse the connection string")
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("postgres: open: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, nil, fmt.Errorf("postgres: open: %w", err)
	}
	return stdlib.OpenDBFromPool(pool), pool, nil
}

// Migrate brings the database up to date: entrypay's tables (goose, from the embedded
// migrations), then River's (rivermigrate). Both land in the connection's search_path.
// Neither takes a lock across processes, so run it once, at startup before any worker or
// from a migrate command, never from several replicas at the same time.
func Migrate(ctx context.Context, db *sql.DB) error {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	m, err := rivermigrate.New(riverdatabasesql.New(db), nil)
	if err != nil {
		return fmt.Errorf("postgres: migrate river: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("postgres: migrate river: %w", err)
	}
	return nil
}

// Dialect describes PostgreSQL to package sqlstore.
func Dialect() sqlstore.Dialect {
	return sqlstore.Dialect{
		Name:        "postgres",
		ForUpdate:   " FOR UPDATE",
		IsRetryable: IsRetryable,
	}
}

// IsRetryable reports whether err is a serialization failure (40001) or a deadlock
// (40P01): PostgreSQL rolled the transaction back and running it again may succeed.
func IsRetryable(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && (e.Code == "40001" || e.Code == "40P01")
}
