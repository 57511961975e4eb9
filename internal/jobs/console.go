package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/entrypay/entrypay"
)

// Queue is the part of a River client the operator console needs: listing jobs and
// retrying or cancelling one, in the caller's transaction. Like Inserter, both the
// SQLite and the database/sql PostgreSQL drivers give a *river.Client[*sql.Tx] that has
// it.
type Queue interface {
	JobListTx(ctx context.Context, tx *sql.Tx, params *river.JobListParams) (*river.JobListResult, error)
	JobGetTx(ctx context.Context, tx *sql.Tx, id int64) (*rivertype.JobRow, error)
	JobRetryTx(ctx context.Context, tx *sql.Tx, id int64) (*rivertype.JobRow, error)
	JobCancelTx(ctx context.Context, tx *sql.Tx, id int64) (*rivertype.JobRow, error)
}

func (e *Enqueuer) queue() (Queue, error) {
	q, ok := e.Client.(Queue)
	if !ok {
		return nil, fmt.Errorf("jobs: the River client (%T) cannot list or change jobs", e.Client)
	}
	return q, nil
}

// JobsTx lists the jobs in q's states, soonest scheduled first.
func (e *Enqueuer) JobsTx(ctx context.Context, tx *sql.Tx, q entrypay.QueuedJobQuery) ([]*entrypay.QueuedJob, error) {
	rq, err := e.queue()
	if err != nil {
		return nil, err
	}
	limit := q.Limit
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	params := river.NewJobListParams().OrderBy(river.JobListOrderByScheduledAt, river.SortOrderAsc).First(limit)
	if len(q.States) > 0 {
		states := make([]rivertype.JobState, len(q.States))
		for i, s := range q.States {
			states[i] = rivertype.JobState(s)
		}
		params = params.States(states...)
	}
	res, err := rq.JobListTx(ctx, tx, params)
	if err != nil {
		return nil, err
	}
	out := make([]*entrypay.QueuedJob, len(res.Jobs))
	for i, row := range res.Jobs {
		out[i] = queuedJob(row)
	}
	return out, nil
}

// JobTx returns one job; a missing one wraps entrypay.ErrNotFound.
func (e *Enqueuer) JobTx(ctx context.Context, tx *sql.Tx, id int64) (*entrypay.QueuedJob, error) {
	return e.act(ctx, tx, id, Queue.JobGetTx)
}

// RetryJobTx makes a job available at once (River's JobRetry: a discarded job gets one
// more attempt; a running one is left alone).
func (e *Enqueuer) RetryJobTx(ctx context.Context, tx *sql.Tx, id int64) (*entrypay.QueuedJob, error) {
	return e.act(ctx, tx, id, Queue.JobRetryTx)
}

// DiscardJobTx cancels a job (River's JobCancel): it stays in the table, cancelled, and
// never runs again. JobCancel rather than JobDelete, so that what the operator did
// remains visible until River prunes finished jobs.
func (e *Enqueuer) DiscardJobTx(ctx context.Context, tx *sql.Tx, id int64) (*entrypay.QueuedJob, error) {
	return e.act(ctx, tx, id, Queue.JobCancelTx)
}

func (e *Enqueuer) act(ctx context.Context, tx *sql.Tx, id int64, fn func(Queue, context.Context, *sql.Tx, int64) (*rivertype.JobRow, error)) (*entrypay.QueuedJob, error) {
	rq, err := e.queue()
	if err != nil {
		return nil, err
	}
	row, err := fn(rq, ctx, tx, id)
	if errors.Is(err, rivertype.ErrNotFound) {
		return nil, fmt.Errorf("job %d: %w", id, entrypay.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return queuedJob(row), nil
}

func queuedJob(row *rivertype.JobRow) *entrypay.QueuedJob {
	j := &entrypay.QueuedJob{
		ID: row.ID, Kind: row.Kind, State: entrypay.JobState(row.State), Attempt: row.Attempt, MaxAttempts: row.MaxAttempts,
		Args: ArgsSummary(row.EncodedArgs), CreatedAt: row.CreatedAt.UTC(), ScheduledAt: row.ScheduledAt.UTC(),
	}
	if row.AttemptedAt != nil {
		j.AttemptedAt = row.AttemptedAt.UTC()
	}
	if row.FinalizedAt != nil {
		j.FinalizedAt = row.FinalizedAt.UTC()
	}
	if n := len(row.Errors); n > 0 {
		j.LastError = clipText(row.Errors[n-1].Error, 300)
	}
	return j
}

// ArgsSummary shows a job's arguments as "key=value" pairs, for operators. entrypay's
// jobs carry only ids (keys ending in "_id"); any other key is named with its value
// withheld, so that a secret some future job might carry is never shown.
func ArgsSummary(encoded []byte) string {
	var args map[string]any
	if err := json.Unmarshal(encoded, &args); err != nil || len(args) == 0 {
		return ""
	}
	keys := make([]string, 0, len(args))
	for k := range args {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		v, ok := args[k].(string)
		if !ok || !strings.HasSuffix(k, "_id") {
			v = "…"
		}
		parts[i] = clipText(k, 40) + "=" + clipText(v, 64)
	}
	return strings.Join(parts, " ")
}

// clipText cuts s to n runes.
func clipText(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
