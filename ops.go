package entrypay

import "time"

// Audit actions of the operator console's risk and operations pages.
const (
	AuditRulesCreated        = "risk_rules_created"
	AuditRulesStatusChanged  = "risk_rules_status_changed"
	AuditReviewReleased      = "review_released"
	AuditReviewRejected      = "review_rejected"
	AuditDiscrepancyResolved = "discrepancy_resolved"
	AuditJobRetried          = "job_retried"
	AuditJobDiscarded        = "job_discarded"
)

// MaxNote bounds an operator's note (a rejection's or a resolution's reason).
const MaxNote = 1000

// StoredDiscrepancy is a Discrepancy a reconciliation run found, kept until an operator
// explains it.
type StoredDiscrepancy struct {
	ID string
	// Network and ClearingDate name the run: the wallet network and the day reconciled.
	Network      string
	ClearingDate string
	Discrepancy
	FoundAt time.Time
	// ResolvedAt is zero while the discrepancy is open; ResolvedBy (an email) and
	// Resolution (the operator's note) say who explained it and how.
	ResolvedAt time.Time
	ResolvedBy string
	Resolution string
}

// Resolved reports whether an operator has explained the discrepancy.
func (d *StoredDiscrepancy) Resolved() bool { return !d.ResolvedAt.IsZero() }

// Discrepancy states for DiscrepancyQuery.
const (
	DiscrepancyOpen     = "open"
	DiscrepancyResolved = "resolved"
)

// DiscrepancyQuery selects stored discrepancies, newest first.
type DiscrepancyQuery struct {
	// State is DiscrepancyOpen, DiscrepancyResolved or "" for both.
	State  string
	Offset int
	Limit  int
}

// JobState is where a queued job is, in the job queue's (River's) own words.
type JobState string

// Job states.
const (
	JobAvailable JobState = "available" // due, waiting for a worker
	JobScheduled JobState = "scheduled" // due later
	JobRetryable JobState = "retryable" // failed, to be tried again later
	JobRunning   JobState = "running"
	JobDiscarded JobState = "discarded" // failed its last attempt: dead
	JobCancelled JobState = "cancelled"
	JobCompleted JobState = "completed"
	JobPending   JobState = "pending"
)

// JobStates lists every state, in the order pages show them.
var JobStates = []JobState{JobAvailable, JobScheduled, JobRetryable, JobRunning, JobDiscarded, JobCancelled, JobCompleted, JobPending}

// QueuedJob is one job of the queue as an operator sees it.
type QueuedJob struct {
	ID          int64
	Kind        string
	State       JobState
	Attempt     int
	MaxAttempts int
	// Args is a one-line summary of the job's arguments: the ids it is about, nothing
	// else.
	Args string
	// LastError is the error of the latest failed attempt, clipped.
	LastError   string
	CreatedAt   time.Time
	ScheduledAt time.Time
	AttemptedAt time.Time
	FinalizedAt time.Time
}

// QueuedJobQuery selects queued jobs, soonest scheduled first.
type QueuedJobQuery struct {
	States []JobState
	Limit  int
}

// JobStats is the job queue's depth per state, and how long the oldest due job has
// waited (zero when none is due).
type JobStats struct {
	Counts    map[JobState]int64
	OldestDue time.Time
}

// NotificationCounts counts merchant notifications not delivered: Pending are still
// being tried, Failing those of them whose attempts so far all failed, Failed those
// whose every attempt failed.
type NotificationCounts struct {
	Pending int64
	Failing int64
	Failed  int64
}

// OpsHealth is what the gateway's database says about its health.
type OpsHealth struct {
	// SchemaVersion is the newest migration applied.
	SchemaVersion int64
	Jobs          JobStats
	Notifications NotificationCounts
	// RiskLive and RiskShadow are the rule set versions in force (0: none).
	RiskLive, RiskShadow int64
}

// HeldReview is a payment or refund held for an operator's review, with what the review
// queue shows of it.
type HeldReview struct {
	Decision *RiskDecision
	Merchant *Merchant
	// Amount is the payment's (or the refund's) amount.
	Amount Amount
}
