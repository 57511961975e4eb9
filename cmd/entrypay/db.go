package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/entrypay/entrypay/internal/jobs"
	"github.com/entrypay/entrypay/internal/postgres"
	"github.com/entrypay/entrypay/internal/sqlite"
	"github.com/entrypay/entrypay/internal/sqlstore"
)

// defaultDB is the embedded database of `serve`, `demo` and the admin commands.
const defaultDB = "sqlite:./entrypay-data/entrypay.db"

// database is an opened, migrated database with River wired to it.
type database struct {
	store *sqlstore.Store
	sql   *sql.DB
	pool  *pgxpool.Pool // PostgreSQL only
	kind  string
}

// openDatabase opens the database a DSN names: "sqlite:PATH" or "postgres://…", creates
// or upgrades its schema (entrypay's, then River's) and returns it ready for use.
// notifyAttempts is how many times a merchant notification is tried.
func openDatabase(ctx context.Context, dsn string, notifyAttempts int) (*database, error) {
	d := &database{}
	var dialect sqlstore.Dialect
	var inserter jobs.Inserter
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" {
			return nil, errors.New("--db sqlite: needs a file path, e.g. sqlite:./entrypay-data/entrypay.db")
		}
		db, err := sqlite.Open(ctx, path)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", dsn, err)
		}
		d.sql, d.kind, dialect = db, "sqlite", sqlite.Dialect()
		if err := sqlite.Migrate(ctx, db); err != nil {
			db.Close()
			return nil, fmt.Errorf("migrate %s: %w", dsn, err)
		}
		client, err := river.NewClient(riversqlite.New(db), &river.Config{})
		if err != nil {
			db.Close()
			return nil, err
		}
		inserter = client
	case strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://"):
		db, pool, err := postgres.Open(ctx, dsn)
		if err != nil {
			return nil, fmt.Errorf("open PostgreSQL: %w", err)
		}
		d.sql, d.pool, d.kind, dialect = db, pool, "postgres", postgres.Dialect()
		if err := postgres.Migrate(ctx, db); err != nil {
			d.close()
			return nil, fmt.Errorf("migrate PostgreSQL: %w", err)
		}
		client, err := river.NewClient(riverdatabasesql.New(db), &river.Config{})
		if err != nil {
			d.close()
			return nil, err
		}
		inserter = client
	default:
		return nil, fmt.Errorf("--db %q: want sqlite:PATH or postgres://…", redactDSN(dsn))
	}
	d.store = sqlstore.New(d.sql, dialect, &jobs.Enqueuer{Client: inserter, NotifyAttempts: notifyAttempts})
	return d, nil
}

// startWorkers starts River's job workers; the returned function stops them, waiting for
// running jobs to finish.
func (d *database) startWorkers(ctx context.Context, work jobs.Work, log *slog.Logger, poll, rescueAfter time.Duration, schedule []time.Duration) (func(context.Context) error, error) {
	cfg := jobs.ClientConfig(jobs.Workers(work, schedule), log, poll, rescueAfter)
	if d.kind == "sqlite" {
		client, err := river.NewClient(riversqlite.New(d.sql), cfg)
		if err != nil {
			return nil, err
		}
		if err := client.Start(ctx); err != nil {
			return nil, err
		}
		return client.Stop, nil
	}
	client, err := river.NewClient(riverpgxv5.New(d.pool), cfg)
	if err != nil {
		return nil, err
	}
	if err := client.Start(ctx); err != nil {
		return nil, err
	}
	return client.Stop, nil
}

func (d *database) close() {
	if d.sql != nil {
		d.sql.Close()
	}
	if d.pool != nil {
		d.pool.Close()
	}
}

// redactDSN hides a password in a DSN before it is printed.
func redactDSN(dsn string) string {
	at := strings.LastIndex(dsn, "@")
	scheme := strings.Index(dsn, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return dsn
	}
	creds := dsn[scheme+3 : at]
	if user, _, ok := strings.Cut(creds, ":"); ok {
		return dsn[:scheme+3] + user + ":***" + dsn[at:]
	}
	return dsn
}

// jobDepth counts the job queue's jobs per state (River's river_job table, the same in
// both dialects).
func (d *database) jobDepth(ctx context.Context) (map[string]int, error) {
	rows, err := d.sql.QueryContext(ctx, "SELECT state, COUNT(*) FROM river_job GROUP BY state")
	if err != nil {
		return nil, fmt.Errorf("job depth: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("job depth: %w", err)
		}
		out[state] = n
	}
	return out, rows.Err()
}
