// Package jobs runs entrypay's durable jobs on River: merchant notification delivery on
// Antom's schedule, wallet polling and expiry, refund retries and late-success reversals.
// Jobs are inserted in the application's own database transaction (Enqueuer), so they
// exist exactly when the state change that needs them is committed, and River's row
// locking makes sure two nodes never run the same job at once.
package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/entrypay/entrypay"
)

// The job arguments, one type per kind. They carry only ids: the worker reads the current
// state, so a job never acts on stale data.

type notifyArgs struct {
	NotificationID string `json:"notification_id"`
}

func (notifyArgs) Kind() string { return string(entrypay.JobNotifyMerchant) }

type watchArgs struct {
	PaymentID string `json:"payment_id"`
}

func (watchArgs) Kind() string { return string(entrypay.JobWatchPayment) }

type refundArgs struct {
	RefundID string `json:"refund_id"`
}

func (refundArgs) Kind() string { return string(entrypay.JobRetryRefund) }

type reverseArgs struct {
	PaymentID string `json:"payment_id"`
}

func (reverseArgs) Kind() string { return string(entrypay.JobReverseLateSuccess) }

type registerWalletArgs struct {
	RegistrationID string `json:"registration_id"`
}

func (registerWalletArgs) Kind() string { return string(entrypay.JobRegisterWallet) }

type notifyRegistrationArgs struct {
	RegistrationID string `json:"registration_id"`
}

func (notifyRegistrationArgs) Kind() string { return string(entrypay.JobNotifyRegistration) }

// closeDayArgs asks for the settlement batches of every ended clearing day to be closed.
type closeDayArgs struct{}

func (closeDayArgs) Kind() string { return "close_settlement_days" }

// Inserter is the part of a River client the Enqueuer needs: both the SQLite and the
// database/sql PostgreSQL drivers give a *river.Client[*sql.Tx].
type Inserter interface {
	InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Enqueuer turns entrypay jobs into River jobs inside the caller's transaction.
type Enqueuer struct {
	Client Inserter
	// NotifyAttempts is how many times a notification is tried (len of the schedule).
	NotifyAttempts int
}

// schedulerInterval is how often River moves scheduled jobs to available (not
// configurable in River). A job due sooner than that is inserted available at once:
// otherwise a notification due now would wait up to five seconds.
const schedulerInterval = 5 * time.Second

// EnqueueTx inserts j in tx.
func (e *Enqueuer) EnqueueTx(ctx context.Context, tx *sql.Tx, j entrypay.Job) error {
	opts := &river.InsertOpts{}
	if time.Until(j.RunAt) > schedulerInterval {
		opts.ScheduledAt = j.RunAt
	}
	var args river.JobArgs
	switch j.Kind {
	case entrypay.JobNotifyMerchant:
		args = notifyArgs{NotificationID: j.Subject}
		opts.MaxAttempts = max(e.NotifyAttempts, 1)
	case entrypay.JobWatchPayment:
		args = watchArgs{PaymentID: j.Subject}
		opts.MaxAttempts = 100
	case entrypay.JobRetryRefund:
		args = refundArgs{RefundID: j.Subject}
		opts.MaxAttempts = 100
	case entrypay.JobReverseLateSuccess:
		args = reverseArgs{PaymentID: j.Subject}
		opts.MaxAttempts = 25
	case entrypay.JobRegisterWallet:
		args = registerWalletArgs{RegistrationID: j.Subject}
		opts.MaxAttempts = 25
	case entrypay.JobNotifyRegistration:
		args = notifyRegistrationArgs{RegistrationID: j.Subject}
		opts.MaxAttempts = max(e.NotifyAttempts, 1)
	default:
		return fmt.Errorf("enqueue: unknown job kind %q", j.Kind)
	}
	if _, err := e.Client.InsertTx(ctx, tx, args, opts); err != nil {
		return fmt.Errorf("enqueue %s %s: %w", j.Kind, j.Subject, err)
	}
	return nil
}

// Work is what the workers call: the gateway's job methods.
type Work interface {
	DeliverNotification(ctx context.Context, notificationID string, last bool) error
	WatchPayment(ctx context.Context, paymentID string) (time.Duration, error)
	RetryRefund(ctx context.Context, refundID string) (time.Duration, error)
	ReverseLateSuccess(ctx context.Context, paymentID string) error
	CloseDue(ctx context.Context) error
	RegisterWallet(ctx context.Context, registrationID string) error
	DeliverRegistrationNotice(ctx context.Context, registrationID string, last bool) error
}

// Workers returns the River workers for every job kind. schedule is the notification
// schedule: attempt n+1 runs schedule[n] after attempt n.
func Workers(w Work, schedule []time.Duration) *river.Workers {
	ws := river.NewWorkers()
	river.AddWorker(ws, &notifyWorker{work: w, schedule: schedule})
	river.AddWorker(ws, &watchWorker{work: w})
	river.AddWorker(ws, &refundWorker{work: w})
	river.AddWorker(ws, &reverseWorker{work: w})
	river.AddWorker(ws, &closeDayWorker{work: w})
	river.AddWorker(ws, &registerWalletWorker{work: w})
	river.AddWorker(ws, &notifyRegistrationWorker{work: w, schedule: schedule})
	return ws
}

type notifyWorker struct {
	river.WorkerDefaults[notifyArgs]
	work     Work
	schedule []time.Duration
}

func (w *notifyWorker) Work(ctx context.Context, job *river.Job[notifyArgs]) error {
	return w.work.DeliverNotification(ctx, job.Args.NotificationID, job.Attempt >= job.MaxAttempts)
}

// NextRetry follows the notification schedule instead of River's exponential backoff.
func (w *notifyWorker) NextRetry(job *river.Job[notifyArgs]) time.Time {
	return NextNotifyAttempt(w.schedule, job.Attempt, time.Now())
}

// NextNotifyAttempt is when the attempt after attempt number `attempt` (1-based) is due.
func NextNotifyAttempt(schedule []time.Duration, attempt int, now time.Time) time.Time {
	if attempt < len(schedule) {
		return now.Add(schedule[attempt])
	}
	return now.Add(schedule[len(schedule)-1])
}

func (w *notifyWorker) Timeout(*river.Job[notifyArgs]) time.Duration { return 30 * time.Second }

type watchWorker struct {
	river.WorkerDefaults[watchArgs]
	work Work
}

func (w *watchWorker) Work(ctx context.Context, job *river.Job[watchArgs]) error {
	again, err := w.work.WatchPayment(ctx, job.Args.PaymentID)
	if err != nil {
		return err
	}
	if again > 0 {
		return river.JobSnooze(again)
	}
	return nil
}

type refundWorker struct {
	river.WorkerDefaults[refundArgs]
	work Work
}

func (w *refundWorker) Work(ctx context.Context, job *river.Job[refundArgs]) error {
	again, err := w.work.RetryRefund(ctx, job.Args.RefundID)
	if err != nil {
		return err
	}
	if again > 0 {
		return river.JobSnooze(again)
	}
	return nil
}

type reverseWorker struct {
	river.WorkerDefaults[reverseArgs]
	work Work
}

func (w *reverseWorker) Work(ctx context.Context, job *river.Job[reverseArgs]) error {
	return w.work.ReverseLateSuccess(ctx, job.Args.PaymentID)
}

// registerWalletWorker registers an approved merchant with its wallet network; a wallet
// side that does not answer is tried again with River's backoff.
type registerWalletWorker struct {
	river.WorkerDefaults[registerWalletArgs]
	work Work
}

func (w *registerWalletWorker) Work(ctx context.Context, job *river.Job[registerWalletArgs]) error {
	return w.work.RegisterWallet(ctx, job.Args.RegistrationID)
}

// notifyRegistrationWorker delivers notifyRegistrationStatus on the payments'
// notification schedule.
type notifyRegistrationWorker struct {
	river.WorkerDefaults[notifyRegistrationArgs]
	work     Work
	schedule []time.Duration
}

func (w *notifyRegistrationWorker) Work(ctx context.Context, job *river.Job[notifyRegistrationArgs]) error {
	return w.work.DeliverRegistrationNotice(ctx, job.Args.RegistrationID, job.Attempt >= job.MaxAttempts)
}

// NextRetry follows the notification schedule, as notifyPayment does.
func (w *notifyRegistrationWorker) NextRetry(job *river.Job[notifyRegistrationArgs]) time.Time {
	return NextNotifyAttempt(w.schedule, job.Attempt, time.Now())
}

func (w *notifyRegistrationWorker) Timeout(*river.Job[notifyRegistrationArgs]) time.Duration {
	return 30 * time.Second
}

type closeDayWorker struct {
	river.WorkerDefaults[closeDayArgs]
	work Work
}

func (w *closeDayWorker) Work(ctx context.Context, _ *river.Job[closeDayArgs]) error {
	return w.work.CloseDue(ctx)
}

// settlementEvery is how often ended clearing days are looked for; closing is idempotent,
// so running it often costs only a query.
const settlementEvery = 10 * time.Minute

// ClientConfig is the River configuration entrypay uses for a worker client. rescueAfter
// is how long a job may stay running before it counts as stuck and runs again: what a
// process killed in the middle of a job leaves behind (River's default is an hour). A job
// gets half of it to finish.
func ClientConfig(workers *river.Workers, log *slog.Logger, poll, rescueAfter time.Duration) *river.Config {
	if poll <= 0 {
		poll = time.Second
	}
	if rescueAfter <= 0 {
		rescueAfter = 2 * time.Minute
	}
	return &river.Config{
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 20}},
		Workers:              workers,
		Logger:               log,
		FetchPollInterval:    poll,
		FetchCooldown:        min(poll/2, 100*time.Millisecond),
		JobTimeout:           rescueAfter / 2,
		RescueStuckJobsAfter: rescueAfter,
		// Only the elected leader schedules periodic jobs, so several nodes close each
		// day once.
		PeriodicJobs: []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(settlementEvery),
			func() (river.JobArgs, *river.InsertOpts) { return closeDayArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true})},
		// Keep finished jobs a while for investigation; the database is the record.
		CompletedJobRetentionPeriod: 24 * time.Hour,
	}
}
