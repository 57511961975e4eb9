package entrypay

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// The operator console's risk and operations: what an operator signed in to the
// dashboard may do, each change audited in its own transaction.

// asOperator refuses users who are not entrypay's operators.
func asOperator(u *User) error {
	if u == nil || u.Role != RoleOperator || u.MerchantID != "" {
		return ErrForbidden
	}
	return nil
}

// checkNote trims an operator's note and refuses one too long (or, when required,
// empty).
func checkNote(note string, required bool) (string, error) {
	note = strings.TrimSpace(note)
	switch {
	case required && note == "":
		return "", Errorf(EInvalid, "a note is required")
	case utf8.RuneCountInString(note) > MaxNote:
		return "", Errorf(EInvalid, "the note is longer than %d characters", MaxNote)
	case !utf8.ValidString(note):
		return "", Errorf(EInvalid, "the note is not valid UTF-8")
	}
	return note, nil
}

// SaveRuleSetAsUser is SaveRuleSet for an operator: the audit entry
// (risk_rules_created) is written in the transaction that stores the set.
func (g *Gateway) SaveRuleSetAsUser(ctx context.Context, u *User, source, comment string, status RuleSetStatus) (*RuleSet, error) {
	if err := asOperator(u); err != nil {
		return nil, err
	}
	return g.saveRuleSet(ctx, source, comment, status, func(tx Tx, rs *RuleSet, now time.Time) error {
		detail := fmt.Sprintf("version %d stored as %s", rs.Version, rs.Status)
		if rs.Comment != "" {
			detail += ": " + rs.Comment
		}
		return tx.InsertAuditEntry(ctx, auditBy(u, now, AuditRulesCreated, fmt.Sprintf("ruleset:%d", rs.Version), detail))
	})
}

// SetRuleSetStatusAsUser is SetRuleSetStatus for an operator, audited
// (risk_rules_status_changed) in the same transaction. Setting the status a set already
// has changes nothing and writes no entry.
func (g *Gateway) SetRuleSetStatusAsUser(ctx context.Context, u *User, version int64, status RuleSetStatus) (*RuleSet, error) {
	if err := asOperator(u); err != nil {
		return nil, err
	}
	return g.setRuleSetStatus(ctx, version, status, func(tx Tx, rs *RuleSet, was RuleSetStatus, now time.Time) error {
		if was == rs.Status {
			return nil
		}
		return tx.InsertAuditEntry(ctx, auditBy(u, now, AuditRulesStatusChanged, fmt.Sprintf("ruleset:%d", rs.Version), fmt.Sprintf("version %d: %s → %s", rs.Version, was, rs.Status)))
	})
}

// HeldReviews lists the payments and refunds held for review, oldest first (at most 500),
// with their merchants.
func (g *Gateway) HeldReviews(ctx context.Context) ([]*HeldReview, error) {
	var out []*HeldReview
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		out = nil
		ds, err := tx.RiskDecisions(ctx, RiskDecisionQuery{Outcome: RiskReview, Review: ReviewPending, Limit: 500})
		if err != nil {
			return err
		}
		merchants := map[string]*Merchant{}
		for i := len(ds) - 1; i >= 0; i-- {
			d := ds[i]
			m, ok := merchants[d.MerchantID]
			if !ok {
				if m, err = tx.Merchant(ctx, d.MerchantID); err != nil {
					return err
				}
				merchants[d.MerchantID] = m
			}
			out = append(out, &HeldReview{Decision: d, Merchant: m, Amount: Amount{Value: d.Signals.Amount, Currency: d.Signals.Currency}})
		}
		return nil
	})
	return out, err
}

// ReviewAsUser is ReviewHeld for an operator signed in to the console: a rejection needs
// a note; the note goes into the payment's history and the audit entry
// (review_released or review_rejected), written in the transaction that records the
// review. A payment whose time ran out meanwhile is closed as expired, with no review
// entry: the decision's Review says EXPIRED. As with ReviewHeld, an error beside a
// decision is what the wallet side said of the released payment.
func (g *Gateway) ReviewAsUser(ctx context.Context, u *User, decisionID, note string, release bool) (*RiskDecision, error) {
	if err := asOperator(u); err != nil {
		return nil, err
	}
	note, err := checkNote(note, !release)
	if err != nil {
		return nil, err
	}
	return g.reviewHeld(ctx, decisionID, u.Email, note, release, func(tx Tx, d *RiskDecision, now time.Time) error {
		action := AuditReviewReleased
		switch d.Review {
		case ReviewReleased:
		case ReviewRejected:
			action = AuditReviewRejected
		default:
			return nil // expired before the review
		}
		subject := d.PaymentID
		detail := d.Kind + " " + d.PaymentID
		if d.RefundID != "" {
			subject, detail = d.RefundID, "refund "+d.RefundID+" of "+d.PaymentID
		}
		detail += " (decision " + d.ID + ")"
		if note != "" {
			detail += ": " + note
		}
		e := auditBy(u, now, action, subject, detail)
		e.MerchantID = d.MerchantID
		return tx.InsertAuditEntry(ctx, e)
	})
}

// Discrepancies lists the discrepancies reconciliation runs found, newest first.
func (g *Gateway) Discrepancies(ctx context.Context, q DiscrepancyQuery) ([]*StoredDiscrepancy, error) {
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 500
	}
	var ds []*StoredDiscrepancy
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		ds, err = tx.Discrepancies(ctx, q)
		return err
	})
	return ds, err
}

// ResolveDiscrepancy marks a discrepancy explained, with the operator's note (required),
// who and when; audited (discrepancy_resolved) in the same transaction. One already
// resolved is EStatusInvalid and changes nothing.
func (g *Gateway) ResolveDiscrepancy(ctx context.Context, u *User, id, note string) (*StoredDiscrepancy, error) {
	if err := asOperator(u); err != nil {
		return nil, err
	}
	note, err := checkNote(note, true)
	if err != nil {
		return nil, err
	}
	now := g.now()
	var d *StoredDiscrepancy
	err = g.cfg.DB.InTx(ctx, func(tx Tx) error {
		var err error
		if d, err = tx.Discrepancy(ctx, id, true); err != nil {
			return notFound(err, ENotFound, "no discrepancy %q", clip(id))
		}
		if d.Resolved() {
			return Errorf(EStatusInvalid, "discrepancy %s was resolved by %s", d.ID, d.ResolvedBy)
		}
		d.ResolvedAt, d.ResolvedBy, d.Resolution = now, u.Email, note
		if err := tx.UpdateDiscrepancy(ctx, d); err != nil {
			return err
		}
		return tx.InsertAuditEntry(ctx, auditBy(u, now, AuditDiscrepancyResolved, d.ID, fmt.Sprintf("%s %s %s (%s %s): %s", d.Kind, d.Type, d.RequestID, d.Network, d.ClearingDate, note)))
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// QueuedJobs lists the job queue's jobs in q's states (at most 500).
func (g *Gateway) QueuedJobs(ctx context.Context, q QueuedJobQuery) ([]*QueuedJob, error) {
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 500
	}
	var js []*QueuedJob
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		js, err = tx.QueuedJobs(ctx, q)
		return err
	})
	return js, err
}

// RetryJob makes a waiting, failed, dead or cancelled job run at once, audited
// (job_retried) in the same transaction. A running or completed job is EStatusInvalid.
func (g *Gateway) RetryJob(ctx context.Context, u *User, id int64) (*QueuedJob, error) {
	return g.jobAction(ctx, u, id, AuditJobRetried, func(j *QueuedJob) bool {
		return j.State != JobRunning && j.State != JobCompleted
	}, Tx.RetryJob)
}

// DiscardJob cancels a job still waiting to run (available, scheduled, retryable or
// pending) so it never runs again, audited (job_discarded) in the same transaction. The
// job stays in the queue, cancelled, for the record.
func (g *Gateway) DiscardJob(ctx context.Context, u *User, id int64) (*QueuedJob, error) {
	return g.jobAction(ctx, u, id, AuditJobDiscarded, func(j *QueuedJob) bool {
		switch j.State {
		case JobAvailable, JobScheduled, JobRetryable, JobPending:
			return true
		}
		return false
	}, Tx.DiscardJob)
}

func (g *Gateway) jobAction(ctx context.Context, u *User, id int64, action string, allowed func(*QueuedJob) bool, act func(Tx, context.Context, int64) (*QueuedJob, error)) (*QueuedJob, error) {
	if err := asOperator(u); err != nil {
		return nil, err
	}
	now := g.now()
	var j *QueuedJob
	err := g.cfg.DB.InTx(ctx, func(tx Tx) error {
		before, err := tx.QueuedJob(ctx, id)
		if err != nil {
			return notFound(err, ENotFound, "no job %d", id)
		}
		if !allowed(before) {
			return Errorf(EStatusInvalid, "job %d is %s", id, before.State)
		}
		if j, err = act(tx, ctx, id); err != nil {
			return err
		}
		return tx.InsertAuditEntry(ctx, auditBy(u, now, action, fmt.Sprintf("job:%d", id), fmt.Sprintf("%s %s: %s → %s", before.Kind, before.Args, before.State, j.State)))
	})
	if err != nil {
		return nil, err
	}
	return j, nil
}

// OpsHealth reads the database's side of the system's health.
func (g *Gateway) OpsHealth(ctx context.Context) (*OpsHealth, error) {
	h := &OpsHealth{}
	h.RiskLive, h.RiskShadow = g.RiskVersions()
	now := g.cfg.Now()
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		if h.SchemaVersion, err = tx.SchemaVersion(ctx); err != nil {
			return err
		}
		js, err := tx.JobStats(ctx, now)
		if err != nil {
			return err
		}
		h.Jobs = *js
		h.Notifications, err = tx.NotificationCounts(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return h, nil
}

// Discrepancy returns one stored discrepancy.
func (g *Gateway) Discrepancy(ctx context.Context, id string) (*StoredDiscrepancy, error) {
	var d *StoredDiscrepancy
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		d, err = tx.Discrepancy(ctx, id, false)
		return notFound(err, ENotFound, "no discrepancy %q", clip(id))
	})
	return d, err
}

// QueuedJob returns one job of the queue.
func (g *Gateway) QueuedJob(ctx context.Context, id int64) (*QueuedJob, error) {
	var j *QueuedJob
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		j, err = tx.QueuedJob(ctx, id)
		return notFound(err, ENotFound, "no job %d", id)
	})
	return j, err
}
