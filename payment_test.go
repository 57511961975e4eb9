package entrypay

import (
	"testing"
	"time"
)

func TestPaymentTransitions(t *testing.T) {
	all := []PaymentStatus{PaymentProcessing, PaymentSuccess, PaymentFail, PaymentCancelled}
	legal := map[[2]PaymentStatus]bool{
		{PaymentProcessing, PaymentSuccess}:   true,
		{PaymentProcessing, PaymentFail}:      true,
		{PaymentProcessing, PaymentCancelled}: true,
		{PaymentSuccess, PaymentCancelled}:    true,
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, from := range all {
		for _, to := range all {
			p := &Payment{ID: "p", Status: from}
			err := p.moveTo(to, at)
			if legal[[2]PaymentStatus{from, to}] {
				if err != nil || p.Status != to || !p.UpdatedAt.Equal(at) {
					t.Errorf("%s → %s: %v", from, to, err)
				}
			} else if err == nil || ErrorCodeOf(err) != EStatusInvalid || p.Status != from {
				t.Errorf("%s → %s allowed (err %v)", from, to, err)
			}
		}
	}
}

func TestRefundTransitions(t *testing.T) {
	for _, tt := range []struct {
		from, to RefundStatus
		ok       bool
	}{
		{RefundProcessing, RefundSuccess, true},
		{RefundProcessing, RefundFail, true},
		{RefundProcessing, RefundProcessing, false},
		{RefundSuccess, RefundFail, false},
		{RefundFail, RefundSuccess, false},
		{RefundSuccess, RefundSuccess, false},
	} {
		r := &Refund{ID: "r", Status: tt.from}
		if err := r.moveTo(tt.to, time.Now()); (err == nil) != tt.ok {
			t.Errorf("%s → %s: err %v, want ok=%v", tt.from, tt.to, err, tt.ok)
		}
	}
}

func TestJournalEntryCheck(t *testing.T) {
	usd := func(v int64) Amount { return Amount{v, "USD"} }
	hkd := func(v int64) Amount { return Amount{v, "HKD"} }
	tests := []struct {
		name     string
		postings []Posting
		ok       bool
	}{
		{"transfer", transfer("x", "a", "b", usd(100)).Postings, true},
		{"two currencies each balanced", []Posting{{"a", usd(5)}, {"b", usd(-5)}, {"c", hkd(39)}, {"d", hkd(-39)}}, true},
		{"unbalanced", []Posting{{"a", usd(5)}, {"b", usd(-4)}}, false},
		{"balanced only across currencies", []Posting{{"a", usd(5)}, {"b", hkd(-5)}}, false},
		{"one posting", []Posting{{"a", usd(0)}}, false},
		{"zero posting", []Posting{{"a", usd(0)}, {"b", usd(0)}}, false},
		{"no account", []Posting{{"", usd(1)}, {"b", usd(-1)}}, false},
	}
	for _, tt := range tests {
		e := &JournalEntry{ID: "j", Postings: tt.postings}
		if err := e.Check(); (err == nil) != tt.ok {
			t.Errorf("%s: Check() = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestNewID(t *testing.T) {
	now := time.Now()
	seen := map[string]bool{}
	prev := ""
	for i := 0; i < 1000; i++ {
		id := NewID("pay_", now.Add(time.Duration(i)*time.Millisecond))
		if len(id) != 30 || seen[id] {
			t.Fatalf("id %q: bad length or repeated", id)
		}
		if id <= prev {
			t.Fatalf("ids not increasing with time: %q after %q", id, prev)
		}
		seen[id], prev = true, id
	}
}
