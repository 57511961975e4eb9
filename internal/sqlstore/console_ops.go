package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/entrypay/entrypay"
)

// The operator console's risk and operations: stored reconciliation discrepancies, the
// job queue as operators see it, and the figures of the health page.

var discrepancyCols = []string{"id", "network", "clearing_date", "kind", "type", "request_id",
	"ours_value", "ours_currency", "theirs_value", "theirs_currency", "detail", "found_at", "resolved_at", "resolved_by", "resolution"}

func discrepancyArgs(d *entrypay.StoredDiscrepancy) []any {
	return []any{d.ID, d.Network, d.ClearingDate, string(d.Kind), d.Type, d.RequestID,
		d.Ours.Value, d.Ours.Currency, d.Theirs.Value, d.Theirs.Currency, d.Detail,
		micros(d.FoundAt), micros(d.ResolvedAt), d.ResolvedBy, d.Resolution}
}

var (
	selectDiscrepancySQL = selectSQL("reconciliation_discrepancies", discrepancyCols)
	insertDiscrepancySQL = insertSQL("reconciliation_discrepancies", discrepancyCols, "")
	updateDiscrepancySQL = updateSQL("reconciliation_discrepancies", discrepancyCols)
)

func scanDiscrepancy(r scanner) (*entrypay.StoredDiscrepancy, error) {
	var d entrypay.StoredDiscrepancy
	var kind string
	err := r.Scan(&d.ID, &d.Network, &d.ClearingDate, &kind, &d.Type, &d.RequestID,
		&d.Ours.Value, &d.Ours.Currency, &d.Theirs.Value, &d.Theirs.Currency, &d.Detail,
		timeCol{&d.FoundAt}, timeCol{&d.ResolvedAt}, &d.ResolvedBy, &d.Resolution)
	if err != nil {
		return nil, err
	}
	d.Kind = entrypay.DiscrepancyKind(kind)
	return &d, nil
}

// InsertDiscrepancy stores a discrepancy a reconciliation run found.
func (t *tx) InsertDiscrepancy(ctx context.Context, d *entrypay.StoredDiscrepancy) error {
	if _, err := t.exec(ctx, insertDiscrepancySQL, discrepancyArgs(d)...); err != nil {
		return fmt.Errorf("sqlstore: insert discrepancy %s: %w", d.ID, err)
	}
	return nil
}

// Discrepancy returns one stored discrepancy, locked when forUpdate is set.
func (t *tx) Discrepancy(ctx context.Context, id string, forUpdate bool) (*entrypay.StoredDiscrepancy, error) {
	d, err := scanDiscrepancy(t.queryRow(ctx, selectDiscrepancySQL+" WHERE id = $1"+t.lock(forUpdate), id))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: discrepancy %s: %w", id, notFound(err))
	}
	return d, nil
}

// Discrepancies lists the discrepancies q selects, newest first.
func (t *tx) Discrepancies(ctx context.Context, q entrypay.DiscrepancyQuery) ([]*entrypay.StoredDiscrepancy, error) {
	var c conds
	switch q.State {
	case entrypay.DiscrepancyOpen:
		c.add("resolved_at = ?", 0)
	case entrypay.DiscrepancyResolved:
		c.add("resolved_at > ?", 0)
	}
	limit := q.Limit
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	query := selectDiscrepancySQL + c.sql() + " ORDER BY seq DESC LIMIT " + c.next(limit) + " OFFSET " + c.next(max(q.Offset, 0))
	ds, err := queryAll(ctx, t, scanDiscrepancy, query, c.args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: discrepancies: %w", err)
	}
	return ds, nil
}

// UpdateDiscrepancy records a discrepancy's resolution.
func (t *tx) UpdateDiscrepancy(ctx context.Context, d *entrypay.StoredDiscrepancy) error {
	if err := t.update(ctx, updateDiscrepancySQL, discrepancyArgs(d)...); err != nil {
		return fmt.Errorf("sqlstore: update discrepancy %s: %w", d.ID, err)
	}
	return nil
}

// JobQueue is the job queue's control, in the caller's transaction, for the operator
// console. jobs.Enqueuer implements it over River; the store's Enqueuer is asked for it,
// so stores without one refuse the console's job methods.
type JobQueue interface {
	// JobsTx lists jobs in q's states, soonest scheduled first.
	JobsTx(ctx context.Context, tx *sql.Tx, q entrypay.QueuedJobQuery) ([]*entrypay.QueuedJob, error)
	// JobTx returns one job; an error wrapping entrypay.ErrNotFound when there is none.
	JobTx(ctx context.Context, tx *sql.Tx, id int64) (*entrypay.QueuedJob, error)
	RetryJobTx(ctx context.Context, tx *sql.Tx, id int64) (*entrypay.QueuedJob, error)
	DiscardJobTx(ctx context.Context, tx *sql.Tx, id int64) (*entrypay.QueuedJob, error)
}

func (t *tx) jobQueue() (JobQueue, error) {
	q, ok := t.enq.(JobQueue)
	if !ok {
		return nil, fmt.Errorf("sqlstore: the store's enqueuer (%T) cannot list or change jobs", t.enq)
	}
	return q, nil
}

// QueuedJobs lists the job queue's jobs in q's states.
func (t *tx) QueuedJobs(ctx context.Context, q entrypay.QueuedJobQuery) ([]*entrypay.QueuedJob, error) {
	jq, err := t.jobQueue()
	if err != nil {
		return nil, err
	}
	js, err := jq.JobsTx(ctx, t.tx, q)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: queued jobs: %w", err)
	}
	return js, nil
}

// QueuedJob returns one job of the queue.
func (t *tx) QueuedJob(ctx context.Context, id int64) (*entrypay.QueuedJob, error) {
	jq, err := t.jobQueue()
	if err != nil {
		return nil, err
	}
	j, err := jq.JobTx(ctx, t.tx, id)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: job %d: %w", id, err)
	}
	return j, nil
}

// RetryJob makes a job available at once, when the transaction commits.
func (t *tx) RetryJob(ctx context.Context, id int64) (*entrypay.QueuedJob, error) {
	jq, err := t.jobQueue()
	if err != nil {
		return nil, err
	}
	j, err := jq.RetryJobTx(ctx, t.tx, id)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: retry job %d: %w", id, err)
	}
	return j, nil
}

// DiscardJob cancels a job, when the transaction commits.
func (t *tx) DiscardJob(ctx context.Context, id int64) (*entrypay.QueuedJob, error) {
	jq, err := t.jobQueue()
	if err != nil {
		return nil, err
	}
	j, err := jq.DiscardJobTx(ctx, t.tx, id)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: discard job %d: %w", id, err)
	}
	return j, nil
}

// JobStats counts River's jobs per state by SQL (River has no count) and asks the queue
// for the oldest job due at now: the oldest available one, or a scheduled or retryable
// one whose time has come (River's scheduler moves those to available every few
// seconds; one still waiting means no scheduler runs).
func (t *tx) JobStats(ctx context.Context, now time.Time) (*entrypay.JobStats, error) {
	rows, err := t.query(ctx, "SELECT state, count(*) FROM river_job GROUP BY state")
	if err != nil {
		return nil, fmt.Errorf("sqlstore: job stats: %w", err)
	}
	defer rows.Close()
	st := &entrypay.JobStats{Counts: map[entrypay.JobState]int64{}}
	for rows.Next() {
		var state string
		var n int64
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("sqlstore: job stats: %w", err)
		}
		st.Counts[entrypay.JobState(state)] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: job stats: %w", err)
	}
	rows.Close()
	jq, err := t.jobQueue()
	if err != nil {
		return nil, err
	}
	for _, states := range [][]entrypay.JobState{{entrypay.JobAvailable}, {entrypay.JobScheduled, entrypay.JobRetryable}} {
		js, err := jq.JobsTx(ctx, t.tx, entrypay.QueuedJobQuery{States: states, Limit: 1})
		if err != nil {
			return nil, fmt.Errorf("sqlstore: job stats: %w", err)
		}
		if len(js) == 1 && !js[0].ScheduledAt.After(now) && (st.OldestDue.IsZero() || js[0].ScheduledAt.Before(st.OldestDue)) {
			st.OldestDue = js[0].ScheduledAt
		}
	}
	return st, nil
}

// NotificationCounts counts the notifications not delivered.
func (t *tx) NotificationCounts(ctx context.Context) (entrypay.NotificationCounts, error) {
	var c entrypay.NotificationCounts
	err := t.queryRow(ctx, `SELECT
		coalesce(sum(CASE WHEN status = $1 THEN 1 ELSE 0 END), 0),
		coalesce(sum(CASE WHEN status = $1 AND attempts > 0 THEN 1 ELSE 0 END), 0),
		coalesce(sum(CASE WHEN status = $2 THEN 1 ELSE 0 END), 0)
		FROM notifications WHERE status IN ($1, $2)`,
		string(entrypay.NotificationPending), string(entrypay.NotificationFailed)).Scan(&c.Pending, &c.Failing, &c.Failed)
	if err != nil {
		return c, fmt.Errorf("sqlstore: notification counts: %w", err)
	}
	return c, nil
}

// SchemaVersion is the newest migration goose applied.
func (t *tx) SchemaVersion(ctx context.Context) (int64, error) {
	var v sql.NullInt64
	if err := t.queryRow(ctx, "SELECT max(version_id) FROM goose_db_version WHERE is_applied").Scan(&v); err != nil {
		return 0, fmt.Errorf("sqlstore: schema version: %w", err)
	}
	return v.Int64, nil
}
