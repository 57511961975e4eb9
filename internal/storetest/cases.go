package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/riverqueue/river"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/sqlstore"
)

var (
	errNotInserted = errors.New("insert found its key taken")
	errBoom        = errors.New("boom")
)

// anyOf adapts a typed lookup to the (any, error) the table-driven tests compare.
func anyOf[T any](v T, err error) (any, error) { return v, err }

// same fails the test when got differs from want; time.Time compares with Equal.
func same(t *testing.T, want, got any) {
	t.Helper()
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("mismatch (-want +got):\n%s", d)
	}
}

// isNotFound fails the test unless err wraps entrypay.ErrNotFound.
func isNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, entrypay.ErrNotFound) {
		t.Errorf("%s: err = %v, want one wrapping entrypay.ErrNotFound", what, err)
	}
}

func testRoundTrip(t *testing.T, e Engine) {
	type reader func(tx entrypay.Tx) (any, error)
	cases := []struct {
		name string
		// write stores the value under test and returns it with the lookup that reads it.
		write func(h *env) (want any, read reader)
	}{
		{"Merchant/full", func(h *env) (any, reader) {
			m := h.addMerchant(fullMerchant)
			allSet(h.t, m)
			return m, func(tx entrypay.Tx) (any, error) { return anyOf(tx.Merchant(h.ctx, m.ID)) }
		}},
		{"Merchant/full/ByClientID", func(h *env) (any, reader) {
			m := h.addMerchant(fullMerchant)
			return m, func(tx entrypay.Tx) (any, error) { return anyOf(tx.MerchantByClientID(h.ctx, m.ClientID)) }
		}},
		{"Merchant/minimal", func(h *env) (any, reader) {
			m := h.addMerchant(func(m *entrypay.Merchant) { m.Name, m.MCC, m.Region, m.SettlementCurrency = "", "", "", "" })
			return m, func(tx entrypay.Tx) (any, error) { return anyOf(tx.Merchant(h.ctx, m.ID)) }
		}},
		{"MerchantKey", func(h *env) (any, reader) {
			m := h.addMerchant()
			k := newMerchantKey(m.ClientID, 7)
			k.RevokedAt = at(40)
			allSet(h.t, k)
			h.write(func(tx entrypay.Tx) error { return tx.InsertMerchantKey(h.ctx, k) })
			return k, func(tx entrypay.Tx) (any, error) { return anyOf(tx.MerchantKey(h.ctx, m.ClientID, 7)) }
		}},
		{"Store/full", func(h *env) (any, reader) {
			m := h.addMerchant()
			s := newStore(m.ID, fullStore)
			allSet(h.t, s)
			h.write(func(tx entrypay.Tx) error { return tx.InsertStore(h.ctx, s) })
			return s, func(tx entrypay.Tx) (any, error) { return anyOf(tx.StoreByID(h.ctx, s.ID)) }
		}},
		{"Store/minimal", func(h *env) (any, reader) {
			m := h.addMerchant()
			s := newStore(m.ID)
			h.write(func(tx entrypay.Tx) error { return tx.InsertStore(h.ctx, s) })
			return s, func(tx entrypay.Tx) (any, error) { return anyOf(tx.StoreByID(h.ctx, s.ID)) }
		}},
		{"GatewayKey", func(h *env) (any, reader) {
			k := &entrypay.GatewayKey{KeyVersion: 1, PrivateKey: "MIIEvQIBADANBgkq", CreatedAt: at(0)}
			allSet(h.t, k)
			h.write(func(tx entrypay.Tx) error { return mustInsert(tx.InsertGatewayKey(h.ctx, k)) })
			return k, func(tx entrypay.Tx) (any, error) { return anyOf(tx.GatewayKey(h.ctx)) }
		}},
		{"Payment/full", func(h *env) (any, reader) {
			p := h.addPayment(h.addMerchant(), fullPayment)
			allSet(h.t, p)
			return p, func(tx entrypay.Tx) (any, error) { return anyOf(tx.Payment(h.ctx, entrypay.PaymentQuery{ID: p.ID})) }
		}},
		{"Payment/full/ByRequestID", func(h *env) (any, reader) {
			p := h.addPayment(h.addMerchant(), fullPayment)
			return p, func(tx entrypay.Tx) (any, error) {
				return anyOf(tx.Payment(h.ctx, entrypay.PaymentQuery{MerchantID: p.MerchantID, RequestID: p.RequestID, ForUpdate: true}))
			}
		}},
		{"Payment/minimal", func(h *env) (any, reader) {
			p := h.addPayment(h.addMerchant())
			return p, func(tx entrypay.Tx) (any, error) { return anyOf(tx.Payment(h.ctx, entrypay.PaymentQuery{ID: p.ID})) }
		}},
		{"Payment/zero", func(h *env) (any, reader) {
			// Everything but the keys zero: Amount{} stays zero, the status empty.
			m := h.addMerchant()
			p := &entrypay.Payment{ID: id("pay_"), MerchantID: m.ID, RequestID: "r"}
			h.write(func(tx entrypay.Tx) error { return mustInsert(tx.InsertPayment(h.ctx, p)) })
			return p, func(tx entrypay.Tx) (any, error) { return anyOf(tx.Payment(h.ctx, entrypay.PaymentQuery{ID: p.ID})) }
		}},
		{"Payment/emptyQuote", func(h *env) (any, reader) {
			// A quote whose fields are all empty is still a quote, not nil.
			p := h.addPayment(h.addMerchant(), func(p *entrypay.Payment) { p.PaymentQuote = &entrypay.Quote{} })
			return p, func(tx entrypay.Tx) (any, error) { return anyOf(tx.Payment(h.ctx, entrypay.PaymentQuery{ID: p.ID})) }
		}},
		{"PaymentEvent", func(h *env) (any, reader) {
			p := h.addPayment(h.addMerchant())
			ev := &entrypay.PaymentEvent{PaymentID: p.ID, At: at(3), Kind: entrypay.EventWalletResult, Detail: `{"result":{"resultCode":"SUCCESS"}} ✓`}
			allSet(h.t, ev)
			h.write(func(tx entrypay.Tx) error { return tx.InsertPaymentEvent(h.ctx, ev) })
			return []*entrypay.PaymentEvent{ev}, func(tx entrypay.Tx) (any, error) { return anyOf(tx.PaymentEvents(h.ctx, p.ID)) }
		}},
		{"PaymentEvent/minimal", func(h *env) (any, reader) {
			p := h.addPayment(h.addMerchant())
			ev := &entrypay.PaymentEvent{PaymentID: p.ID}
			h.write(func(tx entrypay.Tx) error { return tx.InsertPaymentEvent(h.ctx, ev) })
			return []*entrypay.PaymentEvent{ev}, func(tx entrypay.Tx) (any, error) { return anyOf(tx.PaymentEvents(h.ctx, p.ID)) }
		}},
		{"Refund/full", func(h *env) (any, reader) {
			r := h.addRefund(h.addPayment(h.addMerchant()), fullRefund)
			allSet(h.t, r)
			return r, func(tx entrypay.Tx) (any, error) { return anyOf(tx.Refund(h.ctx, entrypay.RefundQuery{ID: r.ID})) }
		}},
		{"Refund/full/ByRequestID", func(h *env) (any, reader) {
			r := h.addRefund(h.addPayment(h.addMerchant()), fullRefund)
			return r, func(tx entrypay.Tx) (any, error) {
				return anyOf(tx.Refund(h.ctx, entrypay.RefundQuery{MerchantID: r.MerchantID, RequestID: r.RequestID, ForUpdate: true}))
			}
		}},
		{"Refund/full/OfPayment", func(h *env) (any, reader) {
			r := h.addRefund(h.addPayment(h.addMerchant()), fullRefund)
			return []*entrypay.Refund{r}, func(tx entrypay.Tx) (any, error) { return anyOf(tx.RefundsOfPayment(h.ctx, r.PaymentID)) }
		}},
		{"Refund/minimal", func(h *env) (any, reader) {
			r := h.addRefund(h.addPayment(h.addMerchant()))
			return r, func(tx entrypay.Tx) (any, error) { return anyOf(tx.Refund(h.ctx, entrypay.RefundQuery{ID: r.ID})) }
		}},
		{"JournalEntry/full", func(h *env) (any, reader) {
			p := h.addPayment(h.addMerchant())
			je := newEntry(p.ID, fullEntry)
			allSet(h.t, je)
			h.write(func(tx entrypay.Tx) error { return tx.InsertJournalEntry(h.ctx, je) })
			return []*entrypay.JournalEntry{je}, func(tx entrypay.Tx) (any, error) { return anyOf(tx.JournalEntries(h.ctx, p.ID)) }
		}},
		{"JournalEntry/noPostings", func(h *env) (any, reader) {
			p := h.addPayment(h.addMerchant())
			je := newEntry(p.ID, func(e *entrypay.JournalEntry) { e.Postings = nil })
			h.write(func(tx entrypay.Tx) error { return tx.InsertJournalEntry(h.ctx, je) })
			return []*entrypay.JournalEntry{je}, func(tx entrypay.Tx) (any, error) { return anyOf(tx.JournalEntries(h.ctx, p.ID)) }
		}},
		{"Notification/full", func(h *env) (any, reader) {
			n := h.addNotification(h.addPayment(h.addMerchant()), fullNotification)
			allSet(h.t, n)
			return n, func(tx entrypay.Tx) (any, error) { return anyOf(tx.Notification(h.ctx, n.ID, false)) }
		}},
		{"Notification/full/OfPayment", func(h *env) (any, reader) {
			n := h.addNotification(h.addPayment(h.addMerchant()), fullNotification)
			return []*entrypay.Notification{n}, func(tx entrypay.Tx) (any, error) { return anyOf(tx.NotificationsOfPayment(h.ctx, n.PaymentID)) }
		}},
		{"Notification/minimal", func(h *env) (any, reader) {
			n := h.addNotification(h.addPayment(h.addMerchant()))
			return n, func(tx entrypay.Tx) (any, error) { return anyOf(tx.Notification(h.ctx, n.ID, true)) }
		}},
		{"NotificationAttempt/full", func(h *env) (any, reader) {
			n := h.addNotification(h.addPayment(h.addMerchant()))
			a := newAttempt(n.ID, 1, fullAttempt)
			allSet(h.t, a)
			h.write(func(tx entrypay.Tx) error { return tx.InsertNotificationAttempt(h.ctx, a) })
			return []*entrypay.NotificationAttempt{a}, func(tx entrypay.Tx) (any, error) { return anyOf(tx.NotificationAttempts(h.ctx, n.ID)) }
		}},
		{"NotificationAttempt/minimal", func(h *env) (any, reader) {
			n := h.addNotification(h.addPayment(h.addMerchant()))
			a := newAttempt(n.ID, 1)
			h.write(func(tx entrypay.Tx) error { return tx.InsertNotificationAttempt(h.ctx, a) })
			return []*entrypay.NotificationAttempt{a}, func(tx entrypay.Tx) (any, error) { return anyOf(tx.NotificationAttempts(h.ctx, n.ID)) }
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := e.setup(t)
			want, read := tc.write(h)
			h.read(func(tx entrypay.Tx) error {
				got, err := read(tx)
				if err != nil {
					return err
				}
				same(t, want, got)
				return nil
			})
		})
	}
}

func testUpdate(t *testing.T, e Engine) {
	// Each case updates a minimal row to a full one and back, so that setting and clearing
	// every column is checked, and makes sure a neighbouring row is left alone.
	t.Run("Merchant", func(t *testing.T) {
		t.Parallel()
		h := e.setup(t)
		m, other := h.addMerchant(), h.addMerchant()
		full := *m
		fullMerchant(&full)
		full.Region, full.CreatedAt = "SG", at(99)
		for _, want := range []*entrypay.Merchant{&full, m} {
			h.write(func(tx entrypay.Tx) error { return tx.UpdateMerchant(h.ctx, want) })
			h.read(func(tx entrypay.Tx) error {
				got, err := tx.Merchant(h.ctx, m.ID)
				same(t, want, got)
				return err
			})
		}
		h.read(func(tx entrypay.Tx) error {
			got, err := tx.Merchant(h.ctx, other.ID)
			same(t, other, got)
			return err
		})
	})
	t.Run("Payment", func(t *testing.T) {
		t.Parallel()
		h := e.setup(t)
		m := h.addMerchant()
		p, other := h.addPayment(m), h.addPayment(m)
		full := *p
		fullPayment(&full)
		for _, want := range []*entrypay.Payment{&full, p} {
			h.write(func(tx entrypay.Tx) error { return tx.UpdatePayment(h.ctx, want) })
			h.read(func(tx entrypay.Tx) error {
				got, err := tx.Payment(h.ctx, entrypay.PaymentQuery{ID: p.ID})
				same(t, want, got)
				return err
			})
		}
		h.read(func(tx entrypay.Tx) error {
			got, err := tx.Payment(h.ctx, entrypay.PaymentQuery{ID: other.ID})
			same(t, other, got)
			return err
		})
	})
	t.Run("Refund", func(t *testing.T) {
		t.Parallel()
		h := e.setup(t)
		p := h.addPayment(h.addMerchant())
		r, other := h.addRefund(p), h.addRefund(p)
		full := *r
		fullRefund(&full)
		for _, want := range []*entrypay.Refund{&full, r} {
			h.write(func(tx entrypay.Tx) error { return tx.UpdateRefund(h.ctx, want) })
			h.read(func(tx entrypay.Tx) error {
				got, err := tx.Refund(h.ctx, entrypay.RefundQuery{ID: r.ID})
				same(t, want, got)
				return err
			})
		}
		h.read(func(tx entrypay.Tx) error {
			got, err := tx.Refund(h.ctx, entrypay.RefundQuery{ID: other.ID})
			same(t, other, got)
			return err
		})
	})
	t.Run("Notification", func(t *testing.T) {
		t.Parallel()
		h := e.setup(t)
		p := h.addPayment(h.addMerchant())
		n, other := h.addNotification(p), h.addNotification(p)
		full := *n
		fullNotification(&full)
		for _, want := range []*entrypay.Notification{&full, n} {
			h.write(func(tx entrypay.Tx) error { return tx.UpdateNotification(h.ctx, want) })
			h.read(func(tx entrypay.Tx) error {
				got, err := tx.Notification(h.ctx, n.ID, false)
				same(t, want, got)
				return err
			})
		}
		h.read(func(tx entrypay.Tx) error {
			got, err := tx.Notification(h.ctx, other.ID, false)
			same(t, other, got)
			return err
		})
	})
}

func testTimes(t *testing.T, e Engine) {
	h := e.setup(t)
	hk := time.FixedZone("HKT", 8*3600)
	created := time.Date(2026, 3, 1, 18, 0, 0, 123456789, hk)
	p := h.addPayment(h.addMerchant(), func(p *entrypay.Payment) {
		p.CreatedAt = created
		p.PaymentQuote = &entrypay.Quote{ID: "q", Start: created}
	})
	h.read(func(tx entrypay.Tx) error {
		got, err := tx.Payment(h.ctx, entrypay.PaymentQuery{ID: p.ID})
		if err != nil {
			return err
		}
		want := created.Truncate(time.Microsecond)
		for name, ts := range map[string]time.Time{"CreatedAt": got.CreatedAt, "Quote.Start": got.PaymentQuote.Start} {
			if !ts.Equal(want) || ts.Location() != time.UTC {
				t.Errorf("%s = %v, want %v in UTC", name, ts, want.UTC())
			}
		}
		for name, ts := range map[string]time.Time{"PaidAt": got.PaidAt, "CancelledAt": got.CancelledAt, "ClosedAt": got.ClosedAt, "Quote.Expiry": got.PaymentQuote.Expiry} {
			if !ts.IsZero() {
				t.Errorf("%s = %v, want the zero time", name, ts)
			}
		}
		return nil
	})
}

func testNotFound(t *testing.T, e Engine) {
	h := e.setup(t)
	m := h.addMerchant()
	h.write(func(tx entrypay.Tx) error { return tx.InsertMerchantKey(h.ctx, newMerchantKey(m.ClientID, 1)) })
	other := h.addMerchant()
	p := h.addPayment(m)
	r := h.addRefund(p)
	missingPayment := newPayment(m.ID)
	missingRefund := newRefund(p)
	missingNotification := newNotification(p)
	lookups := []struct {
		name string
		fn   func(tx entrypay.Tx) error
	}{
		{"Merchant", func(tx entrypay.Tx) error { _, err := tx.Merchant(h.ctx, "mer_missing"); return err }},
		{"MerchantByClientID", func(tx entrypay.Tx) error { _, err := tx.MerchantByClientID(h.ctx, "missing"); return err }},
		{"MerchantKey/latest", func(tx entrypay.Tx) error { _, err := tx.MerchantKey(h.ctx, other.ClientID, 0); return err }},
		{"MerchantKey/version", func(tx entrypay.Tx) error { _, err := tx.MerchantKey(h.ctx, m.ClientID, 2); return err }},
		{"StoreByID", func(tx entrypay.Tx) error { _, err := tx.StoreByID(h.ctx, "sto_missing"); return err }},
		{"GatewayKey", func(tx entrypay.Tx) error { _, err := tx.GatewayKey(h.ctx); return err }},
		{"Payment/ID", func(tx entrypay.Tx) error {
			_, err := tx.Payment(h.ctx, entrypay.PaymentQuery{ID: missingPayment.ID})
			return err
		}},
		{"Payment/ID/ForUpdate", func(tx entrypay.Tx) error {
			_, err := tx.Payment(h.ctx, entrypay.PaymentQuery{ID: missingPayment.ID, ForUpdate: true})
			return err
		}},
		{"Payment/RequestID", func(tx entrypay.Tx) error {
			_, err := tx.Payment(h.ctx, entrypay.PaymentQuery{MerchantID: m.ID, RequestID: missingPayment.RequestID})
			return err
		}},
		{"Refund/ID", func(tx entrypay.Tx) error {
			_, err := tx.Refund(h.ctx, entrypay.RefundQuery{ID: missingRefund.ID, ForUpdate: true})
			return err
		}},
		{"Refund/RequestID", func(tx entrypay.Tx) error {
			_, err := tx.Refund(h.ctx, entrypay.RefundQuery{MerchantID: m.ID, RequestID: missingRefund.RequestID})
			return err
		}},
		{"Refund/RequestIDOfPayment", func(tx entrypay.Tx) error {
			// A payment's request id is not a refund's.
			_, err := tx.Refund(h.ctx, entrypay.RefundQuery{MerchantID: m.ID, RequestID: p.RequestID})
			return err
		}},
		{"Notification", func(tx entrypay.Tx) error {
			_, err := tx.Notification(h.ctx, missingNotification.ID, false)
			return err
		}},
		{"Notification/ForUpdate", func(tx entrypay.Tx) error { _, err := tx.Notification(h.ctx, missingNotification.ID, true); return err }},
		{"UpdateMerchant", func(tx entrypay.Tx) error { return tx.UpdateMerchant(h.ctx, newMerchant()) }},
		{"UpdatePayment", func(tx entrypay.Tx) error { return tx.UpdatePayment(h.ctx, missingPayment) }},
		{"UpdateRefund", func(tx entrypay.Tx) error { return tx.UpdateRefund(h.ctx, missingRefund) }},
		{"UpdateNotification", func(tx entrypay.Tx) error { return tx.UpdateNotification(h.ctx, missingNotification) }},
	}
	// All in one transaction: finding nothing must not spoil it (PostgreSQL aborts a
	// transaction on an error), which the final read and the commit prove.
	h.write(func(tx entrypay.Tx) error {
		for _, l := range lookups {
			isNotFound(t, l.name, l.fn(tx))
		}
		got, err := tx.Refund(h.ctx, entrypay.RefundQuery{ID: r.ID})
		same(t, r, got)
		return err
	})
}

func testIncompleteQuery(t *testing.T, e Engine) {
	h := e.setup(t)
	m := h.addMerchant()
	p := h.addPayment(m)
	queries := []struct {
		name string
		fn   func(tx entrypay.Tx) error
	}{
		{"Payment/empty", func(tx entrypay.Tx) error { _, err := tx.Payment(h.ctx, entrypay.PaymentQuery{}); return err }},
		{"Payment/MerchantOnly", func(tx entrypay.Tx) error {
			_, err := tx.Payment(h.ctx, entrypay.PaymentQuery{MerchantID: m.ID})
			return err
		}},
		{"Payment/RequestOnly", func(tx entrypay.Tx) error {
			_, err := tx.Payment(h.ctx, entrypay.PaymentQuery{RequestID: p.RequestID})
			return err
		}},
		{"Refund/empty", func(tx entrypay.Tx) error { _, err := tx.Refund(h.ctx, entrypay.RefundQuery{}); return err }},
		{"Refund/MerchantOnly", func(tx entrypay.Tx) error {
			_, err := tx.Refund(h.ctx, entrypay.RefundQuery{MerchantID: m.ID})
			return err
		}},
	}
	// A query that cannot name one row is a bug in the caller, not a missing row: it must
	// not pass for ErrNotFound (which the API would answer with ORDER_NOT_EXIST).
	h.read(func(tx entrypay.Tx) error {
		for _, q := range queries {
			if err := q.fn(tx); err == nil || errors.Is(err, entrypay.ErrNotFound) {
				t.Errorf("%s: err = %v, want an error that is not ErrNotFound", q.name, err)
			}
		}
		return nil
	})
}

func testEmptyLists(t *testing.T, e Engine) {
	h := e.setup(t)
	p := h.addPayment(h.addMerchant())
	n := h.addNotification(p)
	h.read(func(tx entrypay.Tx) error {
		lists := map[string]func() (int, error){
			"PaymentEvents":        func() (int, error) { l, err := tx.PaymentEvents(h.ctx, p.ID); return len(l), err },
			"RefundsOfPayment":     func() (int, error) { l, err := tx.RefundsOfPayment(h.ctx, p.ID); return len(l), err },
			"JournalEntries":       func() (int, error) { l, err := tx.JournalEntries(h.ctx, p.ID); return len(l), err },
			"NotificationAttempts": func() (int, error) { l, err := tx.NotificationAttempts(h.ctx, n.ID); return len(l), err },
			"NotificationsOfPayment/unknown": func() (int, error) {
				l, err := tx.NotificationsOfPayment(h.ctx, "pay_missing")
				return len(l), err
			},
			"PaymentEvents/unknown": func() (int, error) { l, err := tx.PaymentEvents(h.ctx, "pay_missing"); return len(l), err },
		}
		for name, list := range lists {
			if n, err := list(); n != 0 || err != nil {
				t.Errorf("%s = %d items, %v; want none and no error", name, n, err)
			}
		}
		return nil
	})
}

func testUniqueKeys(t *testing.T, e Engine) {
	// Each case commits a first row, then in one transaction inserts a second row on the
	// same unique key (inserted=false), then another row (inserted=true), and commits; the
	// first row must be unchanged and the other present.
	t.Run("GatewayKeyVersion", func(t *testing.T) {
		t.Parallel()
		h := e.setup(t)
		first := &entrypay.GatewayKey{KeyVersion: 1, PrivateKey: "first", CreatedAt: at(0)}
		h.write(func(tx entrypay.Tx) error { return mustInsert(tx.InsertGatewayKey(h.ctx, first)) })
		h.write(func(tx entrypay.Tx) error {
			ok, err := tx.InsertGatewayKey(h.ctx, &entrypay.GatewayKey{KeyVersion: 1, PrivateKey: "second", CreatedAt: at(1)})
			if ok || err != nil {
				t.Errorf("second key version 1: inserted=%v, err=%v; want false, nil", ok, err)
			}
			got, err := tx.GatewayKey(h.ctx)
			same(t, first, got)
			if err != nil {
				return err
			}
			return mustInsert(tx.InsertGatewayKey(h.ctx, &entrypay.GatewayKey{KeyVersion: 2, PrivateKey: "other", CreatedAt: at(2)}))
		})
		h.read(func(tx entrypay.Tx) error {
			got, err := tx.GatewayKey(h.ctx)
			same(t, &entrypay.GatewayKey{KeyVersion: 2, PrivateKey: "other", CreatedAt: at(2)}, got)
			return err
		})
	})
	t.Run("PaymentRequestID", func(t *testing.T) {
		t.Parallel()
		h := e.setup(t)
		m, m2 := h.addMerchant(), h.addMerchant()
		first := h.addPayment(m, fullPayment)
		dup := newPayment(m.ID, func(p *entrypay.Payment) { p.RequestID = first.RequestID })
		other := newPayment(m.ID)
		// The same request id of another merchant is a different payment.
		elsewhere := newPayment(m2.ID, func(p *entrypay.Payment) { p.RequestID = first.RequestID })
		h.write(func(tx entrypay.Tx) error {
			if ok, err := tx.InsertPayment(h.ctx, dup); ok || err != nil {
				t.Errorf("duplicate request id: inserted=%v, err=%v; want false, nil", ok, err)
			}
			if err := mustInsert(tx.InsertPayment(h.ctx, other)); err != nil {
				return err
			}
			return mustInsert(tx.InsertPayment(h.ctx, elsewhere))
		})
		h.read(func(tx entrypay.Tx) error {
			got, err := tx.Payment(h.ctx, entrypay.PaymentQuery{MerchantID: m.ID, RequestID: first.RequestID})
			same(t, first, got)
			_, err2 := tx.Payment(h.ctx, entrypay.PaymentQuery{ID: dup.ID})
			isNotFound(t, "duplicate payment", err2)
			for _, p := range []*entrypay.Payment{other, elsewhere} {
				got, err := tx.Payment(h.ctx, entrypay.PaymentQuery{ID: p.ID})
				same(t, p, got)
				if err != nil {
					return err
				}
			}
			return err
		})
	})
	t.Run("RefundRequestID", func(t *testing.T) {
		t.Parallel()
		h := e.setup(t)
		m := h.addMerchant()
		p, p2 := h.addPayment(m), h.addPayment(m)
		first := h.addRefund(p, fullRefund)
		// Unique per merchant, not per payment: the same request id on another payment
		// of the merchant is the same refund request.
		dup := newRefund(p2, func(r *entrypay.Refund) { r.RequestID = first.RequestID })
		other := newRefund(p)
		h.write(func(tx entrypay.Tx) error {
			if ok, err := tx.InsertRefund(h.ctx, dup); ok || err != nil {
				t.Errorf("duplicate request id: inserted=%v, err=%v; want false, nil", ok, err)
			}
			return mustInsert(tx.InsertRefund(h.ctx, other))
		})
		h.read(func(tx entrypay.Tx) error {
			got, err := tx.Refund(h.ctx, entrypay.RefundQuery{MerchantID: m.ID, RequestID: first.RequestID})
			same(t, first, got)
			_, err2 := tx.Refund(h.ctx, entrypay.RefundQuery{ID: dup.ID})
			isNotFound(t, "duplicate refund", err2)
			list, err3 := tx.RefundsOfPayment(h.ctx, p.ID)
			same(t, []*entrypay.Refund{first, other}, list)
			return errors.Join(err, err3)
		})
	})
}

func testDuplicates(t *testing.T, e Engine) {
	// Inserts without an inserted result report a taken key as an error wrapping
	// sqlstore.ErrDuplicate, and leave the transaction usable.
	cases := []struct {
		name string
		// setup commits the first row; dup inserts a row on the same key.
		setup func(h *env) (dup func(tx entrypay.Tx) error)
	}{
		{"MerchantID", func(h *env) func(tx entrypay.Tx) error {
			m := h.addMerchant()
			return func(tx entrypay.Tx) error {
				return tx.InsertMerchant(h.ctx, newMerchant(func(d *entrypay.Merchant) { d.ID = m.ID }))
			}
		}},
		{"MerchantClientID", func(h *env) func(tx entrypay.Tx) error {
			m := h.addMerchant()
			return func(tx entrypay.Tx) error {
				return tx.InsertMerchant(h.ctx, newMerchant(func(d *entrypay.Merchant) { d.ClientID = m.ClientID }))
			}
		}},
		{"MerchantKeyVersion", func(h *env) func(tx entrypay.Tx) error {
			m := h.addMerchant()
			h.write(func(tx entrypay.Tx) error { return tx.InsertMerchantKey(h.ctx, newMerchantKey(m.ClientID, 1)) })
			return func(tx entrypay.Tx) error { return tx.InsertMerchantKey(h.ctx, newMerchantKey(m.ClientID, 1)) }
		}},
		{"StoreID", func(h *env) func(tx entrypay.Tx) error {
			s := newStore(h.addMerchant().ID)
			h.write(func(tx entrypay.Tx) error { return tx.InsertStore(h.ctx, s) })
			return func(tx entrypay.Tx) error { return tx.InsertStore(h.ctx, s) }
		}},
		{"JournalEntryID", func(h *env) func(tx entrypay.Tx) error {
			je := newEntry(h.addPayment(h.addMerchant()).ID)
			h.write(func(tx entrypay.Tx) error { return tx.InsertJournalEntry(h.ctx, je) })
			return func(tx entrypay.Tx) error { return tx.InsertJournalEntry(h.ctx, je) }
		}},
		{"NotificationID", func(h *env) func(tx entrypay.Tx) error {
			n := h.addNotification(h.addPayment(h.addMerchant()))
			return func(tx entrypay.Tx) error { return tx.InsertNotification(h.ctx, n) }
		}},
		{"NotificationAttempt", func(h *env) func(tx entrypay.Tx) error {
			n := h.addNotification(h.addPayment(h.addMerchant()))
			h.write(func(tx entrypay.Tx) error { return tx.InsertNotificationAttempt(h.ctx, newAttempt(n.ID, 1)) })
			return func(tx entrypay.Tx) error {
				return tx.InsertNotificationAttempt(h.ctx, newAttempt(n.ID, 1, fullAttempt))
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := e.setup(t)
			dup := tc.setup(h)
			other := newMerchant()
			h.write(func(tx entrypay.Tx) error {
				if err := dup(tx); !errors.Is(err, sqlstore.ErrDuplicate) {
					t.Errorf("duplicate insert: err = %v, want one wrapping sqlstore.ErrDuplicate", err)
				}
				return tx.InsertMerchant(h.ctx, other)
			})
			h.read(func(tx entrypay.Tx) error {
				got, err := tx.Merchant(h.ctx, other.ID)
				same(t, other, got)
				return err
			})
		})
	}
	t.Run("KeptFirst", func(t *testing.T) {
		t.Parallel()
		h := e.setup(t)
		n := h.addNotification(h.addPayment(h.addMerchant()))
		first := newAttempt(n.ID, 1)
		h.write(func(tx entrypay.Tx) error { return tx.InsertNotificationAttempt(h.ctx, first) })
		err := h.store.InTx(h.ctx, func(tx entrypay.Tx) error {
			return tx.InsertNotificationAttempt(h.ctx, newAttempt(n.ID, 1, fullAttempt))
		})
		if !errors.Is(err, sqlstore.ErrDuplicate) {
			t.Errorf("InTx: err = %v, want one wrapping sqlstore.ErrDuplicate", err)
		}
		h.read(func(tx entrypay.Tx) error {
			got, err := tx.NotificationAttempts(h.ctx, n.ID)
			same(t, []*entrypay.NotificationAttempt{first}, got)
			return err
		})
	})
}

func testMerchantIsolation(t *testing.T, e Engine) {
	h := e.setup(t)
	a, b := h.addMerchant(), h.addMerchant()
	pa := h.addPayment(a)
	ra := h.addRefund(pa)
	// b has a payment and a refund with the same request ids as a's.
	pb := h.addPayment(b, func(p *entrypay.Payment) { p.RequestID = pa.RequestID })
	rb := h.addRefund(pb, func(r *entrypay.Refund) { r.RequestID = ra.RequestID })
	h.read(func(tx entrypay.Tx) error {
		for _, forUpdate := range []bool{false, true} {
			_, err := tx.Payment(h.ctx, entrypay.PaymentQuery{ID: pa.ID, MerchantID: b.ID, ForUpdate: forUpdate})
			isNotFound(t, "a's payment by id as b", err)
			_, err = tx.Refund(h.ctx, entrypay.RefundQuery{ID: ra.ID, MerchantID: b.ID, ForUpdate: forUpdate})
			isNotFound(t, "a's refund by id as b", err)

			got, err := tx.Payment(h.ctx, entrypay.PaymentQuery{ID: pa.ID, MerchantID: a.ID, ForUpdate: forUpdate})
			same(t, pa, got)
			if err != nil {
				return err
			}
			got, err = tx.Payment(h.ctx, entrypay.PaymentQuery{MerchantID: b.ID, RequestID: pa.RequestID, ForUpdate: forUpdate})
			same(t, pb, got)
			if err != nil {
				return err
			}
			gotR, err := tx.Refund(h.ctx, entrypay.RefundQuery{ID: ra.ID, MerchantID: a.ID, ForUpdate: forUpdate})
			same(t, ra, gotR)
			if err != nil {
				return err
			}
			gotR, err = tx.Refund(h.ctx, entrypay.RefundQuery{MerchantID: b.ID, RequestID: ra.RequestID, ForUpdate: forUpdate})
			same(t, rb, gotR)
			if err != nil {
				return err
			}
		}
		return nil
	})
}

func testLatestKeys(t *testing.T, e Engine) {
	h := e.setup(t)
	m, other := h.addMerchant(), h.addMerchant()
	// Versions arrive out of order, and another client has a higher one.
	h.write(func(tx entrypay.Tx) error {
		for _, k := range []*entrypay.MerchantKey{newMerchantKey(m.ClientID, 1), newMerchantKey(m.ClientID, 3), newMerchantKey(m.ClientID, 2), newMerchantKey(other.ClientID, 9)} {
			if err := tx.InsertMerchantKey(h.ctx, k); err != nil {
				return err
			}
		}
		for _, v := range []int{2, 10, 3} {
			if err := mustInsert(tx.InsertGatewayKey(h.ctx, &entrypay.GatewayKey{KeyVersion: v, PrivateKey: fmt.Sprint("key", v), CreatedAt: at(v)})); err != nil {
				return err
			}
		}
		return nil
	})
	h.read(func(tx entrypay.Tx) error {
		for version, want := range map[int]int{0: 3, 1: 1, 2: 2, 3: 3} {
			got, err := tx.MerchantKey(h.ctx, m.ClientID, version)
			if err != nil {
				return err
			}
			same(t, newMerchantKey(m.ClientID, want), got)
		}
		got, err := tx.GatewayKey(h.ctx)
		same(t, &entrypay.GatewayKey{KeyVersion: 10, PrivateKey: "key10", CreatedAt: at(10)}, got)
		return err
	})
}

func testPaymentEventsOrder(t *testing.T, e Engine) {
	h := e.setup(t)
	m := h.addMerchant()
	p, other := h.addPayment(m), h.addPayment(m)
	// Same time for all, kinds out of alphabetical order, another payment's events in
	// between, over two transactions: only the order of writing can order them.
	var want []*entrypay.PaymentEvent
	for _, kinds := range [][]string{{"wallet_pay", "created", "wallet_result"}, {"refund", "cancelled"}} {
		h.write(func(tx entrypay.Tx) error {
			for _, k := range kinds {
				ev := &entrypay.PaymentEvent{PaymentID: p.ID, At: at(5), Kind: k, Detail: k + " detail"}
				want = append(want, ev)
				if err := tx.InsertPaymentEvent(h.ctx, ev); err != nil {
					return err
				}
				if err := tx.InsertPaymentEvent(h.ctx, &entrypay.PaymentEvent{PaymentID: other.ID, At: at(5), Kind: "noise"}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	h.read(func(tx entrypay.Tx) error {
		got, err := tx.PaymentEvents(h.ctx, p.ID)
		same(t, want, got)
		return err
	})
}

func testJournalEntriesOrder(t *testing.T, e Engine) {
	h := e.setup(t)
	m := h.addMerchant()
	p, other := h.addPayment(m), h.addPayment(m)
	// Ids and times that sort against the order of writing.
	var want []*entrypay.JournalEntry
	for i, suffix := range []string{"c", "a", "b"} {
		je := newEntry(p.ID, fullEntry, func(e *entrypay.JournalEntry) {
			e.ID = "jnl_" + suffix + "_" + p.ID
			e.CreatedAt = at(100 - i)
			e.Postings[0].Account = fmt.Sprintf("z:%d", i)
			// Written three times: keep the balances well inside int64.
			e.Postings[0].Amount.Value, e.Postings[1].Amount.Value = -7, 7
		})
		want = append(want, je)
		h.write(func(tx entrypay.Tx) error {
			if err := tx.InsertJournalEntry(h.ctx, je); err != nil {
				return err
			}
			return tx.InsertJournalEntry(h.ctx, newEntry(other.ID))
		})
	}
	h.read(func(tx entrypay.Tx) error {
		got, err := tx.JournalEntries(h.ctx, p.ID)
		same(t, want, got)
		return err
	})
}

func testListsOfPayment(t *testing.T, e Engine) {
	h := e.setup(t)
	m := h.addMerchant()
	p, other := h.addPayment(m), h.addPayment(m)
	var refunds []*entrypay.Refund
	var notes []*entrypay.Notification
	for _, suffix := range []string{"z", "m", "a"} {
		refunds = append(refunds, h.addRefund(p, func(r *entrypay.Refund) { r.ID = "ref_" + suffix + "_" + p.ID }))
		h.addRefund(other)
		notes = append(notes, h.addNotification(p, func(n *entrypay.Notification) { n.ID = "ntf_" + suffix + "_" + p.ID }))
		h.addNotification(other)
	}
	h.read(func(tx entrypay.Tx) error {
		gotR, err := tx.RefundsOfPayment(h.ctx, p.ID)
		same(t, refunds, gotR)
		gotN, err2 := tx.NotificationsOfPayment(h.ctx, p.ID)
		same(t, notes, gotN)
		return errors.Join(err, err2)
	})
}

func testNotificationAttemptsOrder(t *testing.T, e Engine) {
	h := e.setup(t)
	p := h.addPayment(h.addMerchant())
	n, other := h.addNotification(p), h.addNotification(p)
	attempts := map[int]*entrypay.NotificationAttempt{}
	for _, i := range []int{2, 3, 1} {
		attempts[i] = newAttempt(n.ID, i, fullAttempt, func(a *entrypay.NotificationAttempt) { a.HTTPStatus = 500 + i })
		h.write(func(tx entrypay.Tx) error {
			if err := tx.InsertNotificationAttempt(h.ctx, attempts[i]); err != nil {
				return err
			}
			return tx.InsertNotificationAttempt(h.ctx, newAttempt(other.ID, i))
		})
	}
	h.read(func(tx entrypay.Tx) error {
		got, err := tx.NotificationAttempts(h.ctx, n.ID)
		same(t, []*entrypay.NotificationAttempt{attempts[1], attempts[2], attempts[3]}, got)
		return err
	})
}

// writeEverything writes one of each kind of row about p, changes p and enqueues a job: the
// footprint of a transaction, for the rollback tests.
func writeEverything(h *env, tx entrypay.Tx, p *entrypay.Payment) (newMerchantID, newPaymentID string, err error) {
	m := newMerchant()
	np := newPayment(p.MerchantID)
	n := newNotification(p)
	changed := *p
	fullPayment(&changed)
	err = errors.Join(
		tx.InsertMerchant(h.ctx, m),
		mustInsert(tx.InsertPayment(h.ctx, np)),
		tx.UpdatePayment(h.ctx, &changed),
		tx.InsertPaymentEvent(h.ctx, &entrypay.PaymentEvent{PaymentID: p.ID, Kind: entrypay.EventCancelled}),
		mustInsert(tx.InsertRefund(h.ctx, newRefund(p))),
		tx.InsertJournalEntry(h.ctx, newEntry(p.ID)),
		tx.InsertNotification(h.ctx, n),
		tx.InsertNotificationAttempt(h.ctx, newAttempt(n.ID, 1)),
		mustInsert(tx.InsertGatewayKey(h.ctx, &entrypay.GatewayKey{KeyVersion: 1, PrivateKey: "k"})),
		tx.Enqueue(h.ctx, entrypay.Job{Kind: entrypay.JobWatchPayment, Subject: p.ID, RunAt: at(1)}),
		tx.Enqueue(h.ctx, entrypay.Job{Kind: entrypay.JobNotifyMerchant, Subject: n.ID, RunAt: at(1)}),
	)
	return m.ID, np.ID, err
}

// checkUntouched fails the test if anything writeEverything wrote is visible.
func checkUntouched(h *env, p *entrypay.Payment, newMerchantID, newPaymentID string) {
	t := h.t
	t.Helper()
	h.read(func(tx entrypay.Tx) error {
		_, err := tx.Merchant(h.ctx, newMerchantID)
		isNotFound(t, "merchant written in the rolled back transaction", err)
		_, err = tx.Payment(h.ctx, entrypay.PaymentQuery{ID: newPaymentID})
		isNotFound(t, "payment written in the rolled back transaction", err)
		_, err = tx.GatewayKey(h.ctx)
		isNotFound(t, "gateway key written in the rolled back transaction", err)
		got, err := tx.Payment(h.ctx, entrypay.PaymentQuery{ID: p.ID})
		if err != nil {
			return err
		}
		same(t, p, got)
		evs, err1 := tx.PaymentEvents(h.ctx, p.ID)
		rs, err2 := tx.RefundsOfPayment(h.ctx, p.ID)
		jes, err3 := tx.JournalEntries(h.ctx, p.ID)
		ns, err4 := tx.NotificationsOfPayment(h.ctx, p.ID)
		if len(evs)+len(rs)+len(jes)+len(ns) != 0 {
			t.Errorf("rolled back rows visible: %d events, %d refunds, %d journal entries, %d notifications", len(evs), len(rs), len(jes), len(ns))
		}
		return errors.Join(err1, err2, err3, err4)
	})
	if n := h.jobCount(); n != 0 {
		t.Errorf("river_job has %d rows after rollback, want 0", n)
	}
}

func testRollback(t *testing.T, e Engine) {
	h := e.setup(t)
	p := h.addPayment(h.addMerchant())
	var mID, pID string
	err := h.store.InTx(h.ctx, func(tx entrypay.Tx) error {
		var err error
		if mID, pID, err = writeEverything(h, tx, p); err != nil {
			return err
		}
		return fmt.Errorf("give up: %w", errBoom)
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("InTx: err = %v, want fn's error", err)
	}
	checkUntouched(h, p, mID, pID)
}

func testPanic(t *testing.T, e Engine) {
	h := e.setup(t)
	p := h.addPayment(h.addMerchant())
	var mID, pID string
	func() {
		defer func() {
			if r := recover(); r != errBoom {
				t.Errorf("recovered %v, want fn's panic value", r)
			}
		}()
		_ = h.store.InTx(h.ctx, func(tx entrypay.Tx) error {
			var err error
			if mID, pID, err = writeEverything(h, tx, p); err != nil {
				t.Errorf("writeEverything: %v", err)
			}
			panic(errBoom)
		})
	}()
	checkUntouched(h, p, mID, pID)
	// The connection went back to the pool without a transaction left open: writing still
	// works (on SQLite an open transaction would hold the write lock).
	h.addMerchant()
}

func testCommit(t *testing.T, e Engine) {
	h := e.setup(t)
	p := h.addPayment(h.addMerchant())
	runAt := time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond)
	want := []struct {
		job  entrypay.Job
		args map[string]string
	}{
		{entrypay.Job{Kind: entrypay.JobWatchPayment, Subject: p.ID, RunAt: runAt}, map[string]string{"payment_id": p.ID}},
		{entrypay.Job{Kind: entrypay.JobNotifyMerchant, Subject: "ntf_1", RunAt: runAt.Add(time.Minute)}, map[string]string{"notification_id": "ntf_1"}},
		{entrypay.Job{Kind: entrypay.JobRetryRefund, Subject: "ref_1", RunAt: runAt.Add(2 * time.Minute)}, map[string]string{"refund_id": "ref_1"}},
		{entrypay.Job{Kind: entrypay.JobReverseLateSuccess, Subject: p.ID, RunAt: runAt.Add(3 * time.Minute)}, map[string]string{"payment_id": p.ID}},
	}
	h.write(func(tx entrypay.Tx) error {
		for _, w := range want {
			if err := tx.Enqueue(h.ctx, w.job); err != nil {
				return err
			}
		}
		return nil
	})
	if n := h.jobCount(); n != len(want) {
		t.Fatalf("river_job has %d rows, want %d", n, len(want))
	}
	res, err := h.river.JobList(h.ctx, river.NewJobListParams())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Jobs) != len(want) {
		t.Fatalf("JobList: %d jobs, want %d", len(res.Jobs), len(want))
	}
	for i, j := range res.Jobs {
		w := want[i]
		var args map[string]string
		if err := json.Unmarshal(j.EncodedArgs, &args); err != nil {
			t.Errorf("job %d args %s: %v", i, j.EncodedArgs, err)
		}
		if j.Kind != string(w.job.Kind) || !j.ScheduledAt.Equal(w.job.RunAt) {
			t.Errorf("job %d = %s at %v, want %s at %v", i, j.Kind, j.ScheduledAt, w.job.Kind, w.job.RunAt)
		}
		same(t, w.args, args)
		if w.job.Kind == entrypay.JobNotifyMerchant && j.MaxAttempts != notifyAttempts {
			t.Errorf("notify job MaxAttempts = %d, want %d", j.MaxAttempts, notifyAttempts)
		}
	}
}

func testEnqueueWithoutEnqueuer(t *testing.T, e Engine) {
	h := e.setup(t)
	s := sqlstore.New(h.db, e.Dialect, nil)
	err := s.InTx(h.ctx, func(tx entrypay.Tx) error {
		return tx.Enqueue(h.ctx, entrypay.Job{Kind: entrypay.JobWatchPayment, Subject: "pay_1"})
	})
	if err == nil {
		t.Fatal("Enqueue without an enqueuer succeeded")
	}
	if n := h.jobCount(); n != 0 {
		t.Errorf("river_job has %d rows, want 0", n)
	}
}

func testRetry(t *testing.T, e Engine) {
	// A dialect that also calls errRetry retryable lets the suite drive InTx's retries
	// without provoking the engine.
	errRetry := errors.New("please retry")
	retrying := func(h *env) *sqlstore.Store {
		d := e.Dialect
		d.IsRetryable = func(err error) bool {
			return errors.Is(err, errRetry) || (e.Dialect.IsRetryable != nil && e.Dialect.IsRetryable(err))
		}
		return sqlstore.New(h.db, d, h.enq)
	}
	t.Run("ThenSuccess", func(t *testing.T) {
		t.Parallel()
		h := e.setup(t)
		var written []*entrypay.Merchant
		err := retrying(h).InTx(h.ctx, func(tx entrypay.Tx) error {
			m := newMerchant()
			written = append(written, m)
			if err := tx.InsertMerchant(h.ctx, m); err != nil {
				return err
			}
			if err := tx.Enqueue(h.ctx, entrypay.Job{Kind: entrypay.JobWatchPayment, Subject: m.ID}); err != nil {
				return err
			}
			if len(written) < 3 {
				return fmt.Errorf("attempt %d: %w", len(written), errRetry)
			}
			return nil
		})
		if err != nil || len(written) != 3 {
			t.Fatalf("InTx = %v after %d runs of fn; want nil after 3", err, len(written))
		}
		// Only the last run's writes are there.
		h.read(func(tx entrypay.Tx) error {
			for i, m := range written {
				_, err := tx.Merchant(h.ctx, m.ID)
				if i < 2 {
					isNotFound(t, "merchant of a retried run", err)
				} else if err != nil {
					return err
				}
			}
			return nil
		})
		if n := h.jobCount(); n != 1 {
			t.Errorf("river_job has %d rows, want 1", n)
		}
	})
	t.Run("Bounded", func(t *testing.T) {
		t.Parallel()
		h := e.setup(t)
		runs := 0
		err := retrying(h).InTx(h.ctx, func(tx entrypay.Tx) error {
			runs++
			return errRetry
		})
		if !errors.Is(err, errRetry) || runs < 2 || runs > 10 {
			t.Errorf("InTx = %v after %d runs; want errRetry after a few", err, runs)
		}
	})
	t.Run("NotRetryable", func(t *testing.T) {
		t.Parallel()
		h := e.setup(t)
		runs := 0
		err := retrying(h).InTx(h.ctx, func(tx entrypay.Tx) error {
			runs++
			return errBoom
		})
		if !errors.Is(err, errBoom) || runs != 1 {
			t.Errorf("InTx = %v after %d runs; want errBoom after 1", err, runs)
		}
	})
}

func testForUpdate(t *testing.T, e Engine) {
	// Two goroutines read a counter-like field of the same row with ForUpdate and write it
	// back incremented. Without the row lock (PostgreSQL) or the IMMEDIATE transaction
	// (SQLite), some increments would be lost.
	const workers, increments = 2, 20
	cases := []struct {
		name string
		// setup creates the row and returns the increment and the final read.
		setup func(h *env) (inc func(tx entrypay.Tx) error, count func(tx entrypay.Tx) (int, error))
	}{
		{"Payment", func(h *env) (func(tx entrypay.Tx) error, func(tx entrypay.Tx) (int, error)) {
			p := h.addPayment(h.addMerchant(), func(p *entrypay.Payment) { p.ResultMessage = "0" })
			read := func(tx entrypay.Tx, lock bool) (*entrypay.Payment, int, error) {
				cur, err := tx.Payment(h.ctx, entrypay.PaymentQuery{ID: p.ID, MerchantID: p.MerchantID, ForUpdate: lock})
				if err != nil {
					return nil, 0, err
				}
				n, err := strconv.Atoi(cur.ResultMessage)
				return cur, n, err
			}
			return func(tx entrypay.Tx) error {
					cur, n, err := read(tx, true)
					if err != nil {
						return err
					}
					cur.ResultMessage = strconv.Itoa(n + 1)
					return tx.UpdatePayment(h.ctx, cur)
				}, func(tx entrypay.Tx) (int, error) {
					_, n, err := read(tx, false)
					return n, err
				}
		}},
		{"Refund", func(h *env) (func(tx entrypay.Tx) error, func(tx entrypay.Tx) (int, error)) {
			r := h.addRefund(h.addPayment(h.addMerchant()))
			return func(tx entrypay.Tx) error {
					cur, err := tx.Refund(h.ctx, entrypay.RefundQuery{MerchantID: r.MerchantID, RequestID: r.RequestID, ForUpdate: true})
					if err != nil {
						return err
					}
					cur.Amount.Value++
					return tx.UpdateRefund(h.ctx, cur)
				}, func(tx entrypay.Tx) (int, error) {
					cur, err := tx.Refund(h.ctx, entrypay.RefundQuery{ID: r.ID})
					if err != nil {
						return 0, err
					}
					return int(cur.Amount.Value - r.Amount.Value), nil
				}
		}},
		{"Notification", func(h *env) (func(tx entrypay.Tx) error, func(tx entrypay.Tx) (int, error)) {
			n := h.addNotification(h.addPayment(h.addMerchant()))
			return func(tx entrypay.Tx) error {
					cur, err := tx.Notification(h.ctx, n.ID, true)
					if err != nil {
						return err
					}
					cur.Attempts++
					return tx.UpdateNotification(h.ctx, cur)
				}, func(tx entrypay.Tx) (int, error) {
					cur, err := tx.Notification(h.ctx, n.ID, false)
					if err != nil {
						return 0, err
					}
					return cur.Attempts, nil
				}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := e.setup(t)
			inc, count := tc.setup(h)
			var wg sync.WaitGroup
			errs := make(chan error, workers*increments)
			for range workers {
				wg.Go(func() {
					for range increments {
						if err := h.store.InTx(h.ctx, inc); err != nil {
							errs <- err
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Errorf("increment: %v", err)
			}
			h.read(func(tx entrypay.Tx) error {
				n, err := count(tx)
				if n != workers*increments {
					t.Errorf("counter = %d after %d increments: updates were lost", n, workers*increments)
				}
				return err
			})
		})
	}
}
