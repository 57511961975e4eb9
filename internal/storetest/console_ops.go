package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/entrypay/entrypay"
)

// testDiscrepancies round-trips stored discrepancies, their resolution, and the list's
// state filter, order and pages.
func testDiscrepancies(t *testing.T, e Engine) {
	h := e.setup(t)
	var ds []*entrypay.StoredDiscrepancy
	for i := range 3 {
		ds = append(ds, &entrypay.StoredDiscrepancy{
			ID: id("dsc_"), Network: "sandbox", ClearingDate: "2026-03-0" + string(rune('1'+i)),
			Discrepancy: entrypay.Discrepancy{Kind: entrypay.AmountMismatch, Type: entrypay.TxRefund, RequestID: id("ref_"),
				Ours: entrypay.Amount{Value: -500, Currency: "HKD"}, Theirs: entrypay.Amount{Value: -450, Currency: "HKD"}, Detail: `we booked "½" <b>`},
			FoundAt: at(i),
		})
	}
	h.write(func(tx entrypay.Tx) error {
		for _, d := range ds {
			if err := tx.InsertDiscrepancy(h.ctx, d); err != nil {
				return err
			}
		}
		return nil
	})
	h.write(func(tx entrypay.Tx) error {
		d, err := tx.Discrepancy(h.ctx, ds[1].ID, true)
		if err != nil {
			return err
		}
		same(t, ds[1], d)
		d.ResolvedAt, d.ResolvedBy, d.Resolution = at(9), "ops@entrypay.example", "wallet fee"
		ds[1] = d
		return tx.UpdateDiscrepancy(h.ctx, d)
	})
	allSet(t, ds[1])
	h.read(func(tx entrypay.Tx) error {
		all, err := tx.Discrepancies(h.ctx, entrypay.DiscrepancyQuery{})
		same(t, []*entrypay.StoredDiscrepancy{ds[2], ds[1], ds[0]}, all)
		open, _ := tx.Discrepancies(h.ctx, entrypay.DiscrepancyQuery{State: entrypay.DiscrepancyOpen})
		same(t, []*entrypay.StoredDiscrepancy{ds[2], ds[0]}, open)
		resolved, _ := tx.Discrepancies(h.ctx, entrypay.DiscrepancyQuery{State: entrypay.DiscrepancyResolved})
		same(t, []*entrypay.StoredDiscrepancy{ds[1]}, resolved)
		page, _ := tx.Discrepancies(h.ctx, entrypay.DiscrepancyQuery{Offset: 1, Limit: 1})
		same(t, []*entrypay.StoredDiscrepancy{ds[1]}, page)
		_, nf := tx.Discrepancy(h.ctx, "dsc_nope", false)
		isNotFound(t, "Discrepancy", nf)
		return err
	})
	h.write(func(tx entrypay.Tx) error {
		err := tx.UpdateDiscrepancy(h.ctx, &entrypay.StoredDiscrepancy{ID: "dsc_nope"})
		isNotFound(t, "UpdateDiscrepancy", err)
		return nil
	})
}

// testQueuedJobs lists the River jobs the store enqueued, retries and discards one
// (taking effect only when the transaction commits), and counts them per state.
func testQueuedJobs(t *testing.T, e Engine) {
	h := e.setup(t)
	m := h.addMerchant()
	p := h.addPayment(m)
	later := time.Now().Add(time.Hour)
	h.write(func(tx entrypay.Tx) error {
		if err := tx.Enqueue(h.ctx, entrypay.Job{Kind: entrypay.JobWatchPayment, Subject: p.ID, RunAt: later}); err != nil {
			return err
		}
		return tx.Enqueue(h.ctx, entrypay.Job{Kind: entrypay.JobReverseLateSuccess, Subject: p.ID, RunAt: time.Now()})
	})
	var watch, reverse *entrypay.QueuedJob
	h.read(func(tx entrypay.Tx) error {
		js, err := tx.QueuedJobs(h.ctx, entrypay.QueuedJobQuery{States: []entrypay.JobState{entrypay.JobScheduled}})
		if err != nil {
			return err
		}
		if len(js) != 1 || js[0].Kind != string(entrypay.JobWatchPayment) || js[0].Args != "payment_id="+p.ID || js[0].MaxAttempts != 100 {
			t.Fatalf("scheduled jobs: %+v", js)
		}
		watch = js[0]
		if !watch.ScheduledAt.After(time.Now().Add(50*time.Minute)) || watch.CreatedAt.IsZero() {
			t.Errorf("scheduled job's times: %+v", watch)
		}
		all, _ := tx.QueuedJobs(h.ctx, entrypay.QueuedJobQuery{})
		if len(all) != 2 || all[0].State != entrypay.JobAvailable {
			t.Fatalf("all jobs, soonest first: %+v", all)
		}
		reverse = all[0]
		got, err := tx.QueuedJob(h.ctx, watch.ID)
		same(t, watch, got)
		_, nf := tx.QueuedJob(h.ctx, 1<<40)
		isNotFound(t, "QueuedJob", nf)
		st, _ := tx.JobStats(h.ctx, time.Now().Add(time.Second))
		if st.Counts[entrypay.JobScheduled] != 1 || st.Counts[entrypay.JobAvailable] != 1 || st.OldestDue.IsZero() || st.OldestDue.After(time.Now()) {
			t.Errorf("job stats: %+v", st)
		}
		return err
	})
	// A retry rolled back changes nothing.
	rollback := errors.New("roll back")
	err := h.store.InTx(h.ctx, func(tx entrypay.Tx) error {
		j, err := tx.RetryJob(h.ctx, watch.ID)
		if err != nil {
			return err
		}
		if j.State != entrypay.JobAvailable {
			t.Errorf("retried job in its transaction: %s", j.State)
		}
		return rollback
	})
	if !errors.Is(err, rollback) {
		t.Fatal(err)
	}
	h.write(func(tx entrypay.Tx) error {
		j, err := tx.QueuedJob(h.ctx, watch.ID)
		if err == nil && j.State != entrypay.JobScheduled {
			t.Errorf("a rolled-back retry left the job %s", j.State)
		}
		if _, err := tx.RetryJob(h.ctx, watch.ID); err != nil {
			return err
		}
		d, err := tx.DiscardJob(h.ctx, reverse.ID)
		if err == nil && d.State != entrypay.JobCancelled {
			t.Errorf("discarded job: %s", d.State)
		}
		return err
	})
	h.read(func(tx entrypay.Tx) error {
		st, err := tx.JobStats(h.ctx, time.Now())
		if st.Counts[entrypay.JobAvailable] != 1 || st.Counts[entrypay.JobCancelled] != 1 || st.Counts[entrypay.JobScheduled] != 0 {
			t.Errorf("after retry and discard: %+v", st.Counts)
		}
		return err
	})
}

// testOpsFigures checks the health page's figures and the audit log's console filters.
func testOpsFigures(t *testing.T, e Engine) {
	h := e.setup(t)
	m := h.addMerchant()
	p := h.addPayment(m)
	h.addNotification(p, func(n *entrypay.Notification) { n.Status, n.Attempts = entrypay.NotificationPending, 0 })
	h.addNotification(p, func(n *entrypay.Notification) { n.Status, n.Attempts = entrypay.NotificationPending, 2 })
	h.addNotification(p, func(n *entrypay.Notification) { n.Status, n.Attempts = entrypay.NotificationFailed, 8 })
	h.addNotification(p, func(n *entrypay.Notification) { n.Status, n.Attempts = entrypay.NotificationDelivered, 1 })
	entries := []*entrypay.AuditEntry{
		{At: at(60), UserID: "usr_o", Email: "ops@entrypay.example", MerchantID: "mer_a", Action: entrypay.AuditReviewReleased, Subject: "pay_1"},
		{At: at(60 * 25), UserID: "usr_o", Email: "ops@entrypay.example", Action: entrypay.AuditJobRetried, Subject: "job:1"},
		{At: at(60 * 49), UserID: "usr_a", Email: "a@x.example", MerchantID: "mer_a", Action: entrypay.AuditLogin, Subject: "usr_a"},
	}
	h.write(func(tx entrypay.Tx) error {
		for _, en := range entries {
			if err := tx.InsertAuditEntry(h.ctx, en); err != nil {
				return err
			}
		}
		return nil
	})
	h.read(func(tx entrypay.Tx) error {
		c, err := tx.NotificationCounts(h.ctx)
		if err != nil {
			return err
		}
		if c != (entrypay.NotificationCounts{Pending: 2, Failing: 1, Failed: 1}) {
			t.Errorf("notification counts: %+v", c)
		}
		v, err := tx.SchemaVersion(h.ctx)
		if err != nil || v < 9 {
			t.Errorf("schema version %d, %v", v, err)
		}
		byAction, _ := tx.AuditEntries(h.ctx, entrypay.AuditQuery{Action: entrypay.AuditJobRetried})
		same(t, []*entrypay.AuditEntry{entries[1]}, byAction)
		byEmail, _ := tx.AuditEntries(h.ctx, entrypay.AuditQuery{Email: "ops@entrypay.example"})
		same(t, []*entrypay.AuditEntry{entries[1], entries[0]}, byEmail)
		byDate, _ := tx.AuditEntries(h.ctx, entrypay.AuditQuery{From: at(60 * 24), To: at(60 * 48)})
		same(t, []*entrypay.AuditEntry{entries[1]}, byDate)
		page, _ := tx.AuditEntries(h.ctx, entrypay.AuditQuery{Offset: 1, Limit: 1})
		same(t, []*entrypay.AuditEntry{entries[1]}, page)
		return nil
	})
}
