package sqlite

import (
	"context"
	"database/sql/driver"
	"reflect"
)

// maxCachedStatements bounds the statements kept prepared on one connection. entrypay
// and River use about a hundred distinct statements.
const maxCachedStatements = 256

// cachingConnector hands out connections that keep every statement they run prepared,
// keyed by its SQL text. SQLite parses and plans a statement each time it is prepared,
// and modernc.org/sqlite prepares afresh on every Exec and Query that is not a prepared
// statement: that is every statement River runs (it has no statement cache of its own),
// and parsing was a tenth of the gateway's CPU under load.
type cachingConnector struct {
	base driver.Connector
}

func (c cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &cachingConn{Conn: conn, stmts: map[string]*cachedStmt{}}, nil
}

func (c cachingConnector) Driver() driver.Driver { return c.base.Driver() }

// The interfaces modernc.org/sqlite's connection implements and database/sql looks for.
type baseConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

type stmtContext interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

// cachedStmt is a statement kept prepared; busy while rows read from it are open, when a
// second use of the same SQL (a query inside a loop over the same query's rows) gets a
// statement of its own.
type cachedStmt struct {
	stmt stmtContext
	busy bool
}

// cachingConn is a connection with its cache of prepared statements. database/sql uses a
// connection from one goroutine at a time, so the cache needs no lock.
type cachingConn struct {
	driver.Conn
	stmts map[string]*cachedStmt
}

func (c *cachingConn) base() (baseConn, bool) {
	b, ok := c.Conn.(baseConn)
	return b, ok
}

// statement returns the cached statement for query, preparing it on first use, or nil
// when it cannot be cached (busy, or the cache is full of busy statements).
func (c *cachingConn) statement(ctx context.Context, query string) (*cachedStmt, error) {
	if s, ok := c.stmts[query]; ok {
		if s.busy {
			return nil, nil
		}
		return s, nil
	}
	if len(c.stmts) >= maxCachedStatements && !c.evictOne() {
		return nil, nil
	}
	b, ok := c.base()
	if !ok {
		return nil, nil
	}
	st, err := b.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	sc, ok := st.(stmtContext)
	if !ok {
		_ = st.Close()
		return nil, nil
	}
	s := &cachedStmt{stmt: sc}
	c.stmts[query] = s
	return s, nil
}

func (c *cachingConn) evictOne() bool {
	for q, s := range c.stmts {
		if !s.busy {
			_ = s.stmt.Close()
			delete(c.stmts, q)
			return true
		}
	}
	return false
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	b, ok := c.base()
	if !ok {
		return nil, driver.ErrSkip
	}
	s, err := c.statement(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return b.ExecContext(ctx, query, args)
	}
	return s.stmt.ExecContext(ctx, args)
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	b, ok := c.base()
	if !ok {
		return nil, driver.ErrSkip
	}
	s, err := c.statement(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return b.QueryContext(ctx, query, args)
	}
	rows, err := s.stmt.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	s.busy = true
	return &cachedRows{Rows: rows, stmt: s}, nil
}

func (c *cachingConn) Close() error {
	for q, s := range c.stmts {
		_ = s.stmt.Close()
		delete(c.stmts, q)
	}
	return c.Conn.Close()
}

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := c.base(); ok {
		return b.BeginTx(ctx, opts)
	}
	return c.Conn.Begin() //nolint:staticcheck // only for a driver without BeginTx
}

func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if b, ok := c.base(); ok {
		return b.PrepareContext(ctx, query)
	}
	return c.Conn.Prepare(query)
}

func (c *cachingConn) Ping(ctx context.Context) error {
	if b, ok := c.base(); ok {
		return b.Ping(ctx)
	}
	return nil
}

func (c *cachingConn) ResetSession(ctx context.Context) error {
	if b, ok := c.base(); ok {
		return b.ResetSession(ctx)
	}
	return nil
}

func (c *cachingConn) IsValid() bool {
	if b, ok := c.base(); ok {
		return b.IsValid()
	}
	return true
}

// cachedRows frees its statement for the next use when closed.
type cachedRows struct {
	driver.Rows
	stmt *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.stmt.busy = false
	return err
}

// The column type details database/sql asks rows for, passed through.

func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *cachedRows) ColumnTypeLength(i int) (int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return t.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *cachedRows) ColumnTypeNullable(i int) (bool, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *cachedRows) ColumnTypePrecisionScale(i int) (int64, int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return t.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}

func (r *cachedRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}
