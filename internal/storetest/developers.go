package storetest

import (
	"testing"
	"time"

	"github.com/entrypay/entrypay"
)

// testMerchantKeys lists and revokes key versions, and checks that a changed client id
// takes its key versions along (the sandbox/live switch).
func testMerchantKeys(t *testing.T, e Engine) {
	h := e.setup(t)
	m, other := h.addMerchant(), h.addMerchant()
	h.write(func(tx entrypay.Tx) error {
		for _, k := range []*entrypay.MerchantKey{newMerchantKey(m.ClientID, 2), newMerchantKey(m.ClientID, 1), newMerchantKey(other.ClientID, 1)} {
			if err := tx.InsertMerchantKey(h.ctx, k); err != nil {
				return err
			}
		}
		return nil
	})
	revoked := newMerchantKey(m.ClientID, 1)
	revoked.RevokedAt = at(50)
	h.write(func(tx entrypay.Tx) error {
		ks, err := tx.MerchantKeys(h.ctx, m.ClientID, true)
		same(t, []*entrypay.MerchantKey{newMerchantKey(m.ClientID, 1), newMerchantKey(m.ClientID, 2)}, ks)
		if err != nil {
			return err
		}
		return tx.UpdateMerchantKey(h.ctx, revoked)
	})
	h.read(func(tx entrypay.Tx) error {
		ks, err := tx.MerchantKeys(h.ctx, m.ClientID, false)
		same(t, []*entrypay.MerchantKey{revoked, newMerchantKey(m.ClientID, 2)}, ks)
		none, _ := tx.MerchantKeys(h.ctx, "NOBODY", false)
		if len(none) != 0 {
			t.Errorf("keys of an unknown client: %v", none)
		}
		if err := tx.UpdateMerchantKey(h.ctx, newMerchantKey(m.ClientID, 9)); err == nil {
			t.Error("UpdateMerchantKey of a missing version succeeded")
		}
		return err
	})

	// The client id changes: its keys follow it.
	old := m.ClientID
	m.ClientID = entrypay.SandboxPrefix + old
	h.write(func(tx entrypay.Tx) error { return tx.UpdateMerchant(h.ctx, m) })
	h.read(func(tx entrypay.Tx) error {
		ks, err := tx.MerchantKeys(h.ctx, m.ClientID, false)
		if err != nil {
			return err
		}
		if len(ks) != 2 || ks[0].ClientID != m.ClientID || !ks[0].RevokedAt.Equal(at(50)) || ks[1].KeyVersion != 2 {
			t.Errorf("keys after the client id changed: %+v", ks)
		}
		if left, _ := tx.MerchantKeys(h.ctx, old, false); len(left) != 0 {
			t.Errorf("keys left under the old client id: %v", left)
		}
		return nil
	})
}

// testNotificationLog lists a merchant's notifications with their latest attempts, its
// test notifications among them, newest first, failed only, in pages; and finds one
// notification only with its own merchant.
func testNotificationLog(t *testing.T, e Engine) {
	h := e.setup(t)
	m, other := h.addMerchant(), h.addMerchant()
	p, q := h.addPayment(m), h.addPayment(other)
	delivered := h.addNotification(p, func(n *entrypay.Notification) {
		n.CreatedAt, n.Status, n.Attempts, n.DeliveredAt = at(1), entrypay.NotificationDelivered, 2, at(3)
	})
	failing := h.addNotification(p, func(n *entrypay.Notification) { n.CreatedAt, n.Attempts = at(5), 2 })
	fresh := h.addNotification(p, func(n *entrypay.Notification) { n.CreatedAt = at(7) })
	foreign := h.addNotification(q, func(n *entrypay.Notification) {
		n.CreatedAt, n.Status, n.Attempts = at(8), entrypay.NotificationFailed, 1
	})
	okTest := &entrypay.TestNotification{ID: id(entrypay.TestNotificationPrefix), MerchantID: m.ID, URL: "https://m.example/n", Body: allBytes(),
		Attempt: entrypay.NotificationAttempt{At: at(4), Duration: 1500 * time.Microsecond, HTTPStatus: 200, Response: "ok", Error: "x", Acknowledged: true}}
	badTest := &entrypay.TestNotification{ID: id(entrypay.TestNotificationPrefix), MerchantID: m.ID, URL: "https://m.example/n", Body: []byte("{}"),
		Attempt: entrypay.NotificationAttempt{At: at(6), HTTPStatus: 500, Error: "HTTP 500"}}
	h.write(func(tx entrypay.Tx) error {
		for _, a := range []*entrypay.NotificationAttempt{
			newAttempt(delivered.ID, 1, func(a *entrypay.NotificationAttempt) { a.HTTPStatus, a.Error = 503, "HTTP 503" }),
			newAttempt(delivered.ID, 2, func(a *entrypay.NotificationAttempt) { a.HTTPStatus, a.Acknowledged, a.Manual = 200, true, true }),
			newAttempt(failing.ID, 1, func(a *entrypay.NotificationAttempt) { a.HTTPStatus = 500 }),
			newAttempt(failing.ID, 2, func(a *entrypay.NotificationAttempt) { a.Error = "connection refused" }),
			newAttempt(foreign.ID, 1),
		} {
			if err := tx.InsertNotificationAttempt(h.ctx, a); err != nil {
				return err
			}
		}
		for _, tn := range []*entrypay.TestNotification{okTest, badTest} {
			if err := tx.InsertTestNotification(h.ctx, tn); err != nil {
				return err
			}
		}
		return nil
	})
	okTest.Attempt.NotificationID, okTest.Attempt.Attempt, okTest.Attempt.Manual = okTest.ID, 1, true
	allSet(t, okTest)

	wantFresh := &entrypay.NotificationLogEntry{ID: fresh.ID, PaymentID: p.ID, URL: fresh.URL, Status: entrypay.NotificationPending, CreatedAt: at(7)}
	wantBadTest := &entrypay.NotificationLogEntry{ID: badTest.ID, Test: true, URL: badTest.URL, Status: entrypay.NotificationFailed, Attempts: 1,
		CreatedAt: at(6), LastAt: at(6), LastHTTPStatus: 500, LastError: "HTTP 500"}
	wantFailing := &entrypay.NotificationLogEntry{ID: failing.ID, PaymentID: p.ID, URL: failing.URL, Status: entrypay.NotificationPending, Attempts: 2,
		CreatedAt: at(5), LastAt: at(22), LastError: "connection refused", ScheduledAttempts: 2, LastScheduledAt: at(22)}
	wantOKTest := &entrypay.NotificationLogEntry{ID: okTest.ID, Test: true, URL: okTest.URL, Status: entrypay.NotificationDelivered, Attempts: 1,
		CreatedAt: at(4), DeliveredAt: at(4), LastAt: at(4), LastHTTPStatus: 200, LastError: "x"}
	wantDelivered := &entrypay.NotificationLogEntry{ID: delivered.ID, PaymentID: p.ID, URL: delivered.URL, Status: entrypay.NotificationDelivered, Attempts: 2,
		CreatedAt: at(1), DeliveredAt: at(3), LastAt: at(22), LastHTTPStatus: 200, ScheduledAttempts: 1, LastScheduledAt: at(21)}
	h.read(func(tx entrypay.Tx) error {
		all, err := tx.NotificationLog(h.ctx, entrypay.NotificationLogQuery{MerchantID: m.ID})
		same(t, []*entrypay.NotificationLogEntry{wantFresh, wantBadTest, wantFailing, wantOKTest, wantDelivered}, all)
		if err != nil {
			return err
		}
		failed, _ := tx.NotificationLog(h.ctx, entrypay.NotificationLogQuery{MerchantID: m.ID, FailedOnly: true})
		same(t, []*entrypay.NotificationLogEntry{wantBadTest, wantFailing}, failed)
		page, _ := tx.NotificationLog(h.ctx, entrypay.NotificationLogQuery{MerchantID: m.ID, Offset: 1, Limit: 2})
		same(t, []*entrypay.NotificationLogEntry{wantBadTest, wantFailing}, page)
		if _, err := tx.NotificationLog(h.ctx, entrypay.NotificationLogQuery{}); err == nil {
			t.Error("NotificationLog without a merchant succeeded")
		}

		got, err := tx.MerchantNotification(h.ctx, m.ID, failing.ID, true)
		same(t, failing, got)
		if err != nil {
			return err
		}
		_, err = tx.MerchantNotification(h.ctx, m.ID, foreign.ID, false)
		isNotFound(t, "another merchant's notification", err)
		gotTest, err := tx.TestNotification(h.ctx, m.ID, okTest.ID)
		same(t, okTest, gotTest)
		if err != nil {
			return err
		}
		_, err = tx.TestNotification(h.ctx, other.ID, okTest.ID)
		isNotFound(t, "another merchant's test notification", err)
		return nil
	})
}
