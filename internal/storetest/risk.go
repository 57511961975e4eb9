package storetest

import (
	"reflect"
	"sort"
	"sync"
	"testing"

	"github.com/entrypay/entrypay"
)

func testRuleSets(t *testing.T, e Engine) {
	h := e.setup(t)
	h.read(func(tx entrypay.Tx) error {
		_, err := tx.RuleSet(h.ctx, 1)
		isNotFound(t, "RuleSet", err)
		sets, err := tx.RuleSets(h.ctx)
		if len(sets) != 0 {
			t.Errorf("RuleSets of an empty store = %v", sets)
		}
		return err
	})
	first := &entrypay.RuleSet{Status: entrypay.RuleSetLive, Source: "rules: []\n", Comment: "first", CreatedAt: at(1), UpdatedAt: at(2)}
	second := &entrypay.RuleSet{Status: entrypay.RuleSetShadow, Source: "rules: []\n# two\n", Comment: "second", CreatedAt: at(3), UpdatedAt: at(3)}
	h.write(func(tx entrypay.Tx) error { return tx.InsertRuleSet(h.ctx, first) })
	h.write(func(tx entrypay.Tx) error { return tx.InsertRuleSet(h.ctx, second) })
	if first.Version != 1 || second.Version != 2 {
		t.Fatalf("versions %d, %d; want 1, 2", first.Version, second.Version)
	}
	allSet(t, first)
	first.Status, first.UpdatedAt = entrypay.RuleSetRetired, at(4)
	h.write(func(tx entrypay.Tx) error { return tx.UpdateRuleSet(h.ctx, first) })
	h.read(func(tx entrypay.Tx) error {
		got, err := tx.RuleSet(h.ctx, 1)
		same(t, first, got)
		sets, err2 := tx.RuleSets(h.ctx)
		same(t, []*entrypay.RuleSet{second, first}, sets)
		if err != nil {
			return err
		}
		return err2
	})
	missing := &entrypay.RuleSet{Version: 9, Status: entrypay.RuleSetLive}
	h.read(func(tx entrypay.Tx) error {
		isNotFound(t, "UpdateRuleSet of a missing version", tx.UpdateRuleSet(h.ctx, missing))
		return nil
	})
}

func testRiskDecisions(t *testing.T, e Engine) {
	h := e.setup(t)
	m, other := h.addMerchant(), h.addMerchant()
	p := h.addPayment(m)
	full := &entrypay.RiskDecision{
		ID: id("rsk_"), Kind: "refund", MerchantID: m.ID, PaymentID: p.ID, RefundID: "ref_1", Outcome: entrypay.RiskReview,
		Verdict: entrypay.RiskVerdict{Outcome: entrypay.RiskReview, Score: 70, Reason: "UNUSUAL_AMOUNT", Version: 3, Engine: "e/1",
			Fired: []entrypay.FiredRule{{Name: "unusual_amount", Action: "score", Score: 60, Reason: "UNUSUAL_AMOUNT"}, {Name: "night_time", Action: "score", Score: 10, Reason: "NIGHT_TIME"}}},
		Shadow: &entrypay.RiskVerdict{Outcome: entrypay.RiskAccept, Score: 10, Reason: "NIGHT_TIME", Fired: []entrypay.FiredRule{}, Version: 4, Engine: "e/1"},
		Review: entrypay.ReviewPending, ReviewedBy: "ops", ReviewedAt: at(2), CreatedAt: at(1),
	}
	fill(reflect.ValueOf(&full.Signals).Elem()) // every signal survives the round trip
	allSet(t, full)
	plain := &entrypay.RiskDecision{ID: id("rsk_"), Kind: "payment", MerchantID: m.ID, PaymentID: p.ID, Outcome: entrypay.RiskAccept,
		Verdict: entrypay.RiskVerdict{Outcome: entrypay.RiskAccept, Fired: []entrypay.FiredRule{}}, CreatedAt: at(3)}
	theirs := &entrypay.RiskDecision{ID: id("rsk_"), Kind: "payment", MerchantID: other.ID, PaymentID: "pay_x", Outcome: entrypay.RiskReject,
		Verdict: entrypay.RiskVerdict{Outcome: entrypay.RiskReject, Fired: []entrypay.FiredRule{}}, CreatedAt: at(2)}
	for _, d := range []*entrypay.RiskDecision{full, plain, theirs} {
		h.write(func(tx entrypay.Tx) error { return tx.InsertRiskDecision(h.ctx, d) })
	}
	h.read(func(tx entrypay.Tx) error {
		got, err := tx.RiskDecision(h.ctx, full.ID, true)
		same(t, full, got)
		_, err2 := tx.RiskDecision(h.ctx, "rsk_nope", false)
		isNotFound(t, "RiskDecision", err2)
		for _, c := range []struct {
			q    entrypay.RiskDecisionQuery
			want []*entrypay.RiskDecision
		}{
			{entrypay.RiskDecisionQuery{}, []*entrypay.RiskDecision{plain, theirs, full}},
			{entrypay.RiskDecisionQuery{MerchantID: m.ID}, []*entrypay.RiskDecision{plain, full}},
			{entrypay.RiskDecisionQuery{PaymentID: p.ID, Limit: 1}, []*entrypay.RiskDecision{plain}},
			{entrypay.RiskDecisionQuery{Outcome: entrypay.RiskReject}, []*entrypay.RiskDecision{theirs}},
			{entrypay.RiskDecisionQuery{Review: entrypay.ReviewPending}, []*entrypay.RiskDecision{full}},
			{entrypay.RiskDecisionQuery{Shadowed: true}, []*entrypay.RiskDecision{full}},
			{entrypay.RiskDecisionQuery{Since: at(2)}, []*entrypay.RiskDecision{plain, theirs}},
		} {
			list, err := tx.RiskDecisions(h.ctx, c.q)
			if err != nil {
				return err
			}
			same(t, c.want, list)
		}
		return err
	})
	full.Review, full.ReviewedBy, full.ReviewedAt = entrypay.ReviewReleased, "alice", at(5)
	h.write(func(tx entrypay.Tx) error { return tx.UpdateRiskDecision(h.ctx, full) })
	h.read(func(tx entrypay.Tx) error {
		got, err := tx.RiskDecision(h.ctx, full.ID, false)
		same(t, full, got)
		return err
	})
}

func testRiskCounts(t *testing.T, e Engine) {
	h := e.setup(t)
	add := func(counts ...entrypay.RiskCount) {
		h.write(func(tx entrypay.Tx) error { return tx.AddRiskCounts(h.ctx, counts) })
	}
	add(
		entrypay.RiskCount{Key: "m:1", Span: "all", Count: 1, Amount: 100},
		entrypay.RiskCount{Key: "m:1", Span: "m", Start: 600, Count: 1, Amount: 100},
		entrypay.RiskCount{Key: "m:1", Span: "h", Start: 0, Count: 1, Amount: 100},
		entrypay.RiskCount{Key: "ip:1", Span: "m", Start: 600, Count: 1, Amount: 5},
	)
	add(
		entrypay.RiskCount{Key: "m:1", Span: "all", Count: 1, Amount: 50, DeclinedCount: 1, DeclinedAmount: 50},
		entrypay.RiskCount{Key: "m:1", Span: "m", Start: 660, Count: 1, Amount: 50, DeclinedCount: 1, DeclinedAmount: 50},
		entrypay.RiskCount{Key: "m:1", Span: "m", Start: 60, Count: 1, Amount: 7},
		entrypay.RiskCount{Key: "other", Span: "m", Start: 660, Count: 1, Amount: 1},
	)
	h.read(func(tx entrypay.Tx) error {
		got, err := tx.RiskCounts(h.ctx, []string{"m:1", "ip:1"}, map[string]int64{"m": 600, "h": 0})
		sort.Slice(got, func(i, j int) bool {
			a, b := got[i], got[j]
			if a.Key != b.Key {
				return a.Key < b.Key
			}
			if a.Span != b.Span {
				return a.Span < b.Span
			}
			return a.Start < b.Start
		})
		same(t, []entrypay.RiskCount{
			{Key: "ip:1", Span: "m", Start: 600, Count: 1, Amount: 5},
			{Key: "m:1", Span: "all", Count: 2, Amount: 150, DeclinedCount: 1, DeclinedAmount: 50},
			{Key: "m:1", Span: "h", Start: 0, Count: 1, Amount: 100},
			{Key: "m:1", Span: "m", Start: 600, Count: 1, Amount: 100},
			{Key: "m:1", Span: "m", Start: 660, Count: 1, Amount: 50, DeclinedCount: 1, DeclinedAmount: 50},
		}, got)
		none, err2 := tx.RiskCounts(h.ctx, nil, map[string]int64{"m": 0})
		if len(none) != 0 || err2 != nil {
			t.Errorf("RiskCounts of no keys = %v, %v", none, err2)
		}
		return err
	})

	// Concurrent additions to one bucket lose nothing.
	const n = 20
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range n {
				err := h.store.InTx(h.ctx, func(tx entrypay.Tx) error {
					return tx.AddRiskCounts(h.ctx, []entrypay.RiskCount{{Key: "hot", Span: "all", Count: 1, Amount: 3}, {Key: "hot", Span: "m", Start: 60, Count: 1, Amount: 3}})
				})
				if err != nil {
					t.Errorf("add: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	h.read(func(tx entrypay.Tx) error {
		got, err := tx.RiskCounts(h.ctx, []string{"hot"}, map[string]int64{"m": 0})
		for _, c := range got {
			if c.Count != 4*n || c.Amount != 12*n {
				t.Errorf("after %d concurrent additions %+v", 4*n, c)
			}
		}
		if len(got) != 2 {
			t.Errorf("hot buckets: %+v", got)
		}
		return err
	})
}

// fill sets every field of a struct of strings, integers and bools, recursively.
func fill(v reflect.Value) {
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString(v.Type().Field(i).Name)
		case reflect.Int, reflect.Int64:
			f.SetInt(int64(i + 1))
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Struct:
			fill(f)
		}
	}
}

// testReadTx: a read transaction sees committed rows and takes no write lock — a writer
// commits while it is open (on SQLite a write-locking reader would make the writer wait
// out its busy timeout and fail) — and on PostgreSQL it refuses to write.
func testReadTx(t *testing.T, e Engine) {
	h := e.setup(t)
	m := h.addMerchant()
	err := h.store.InReadTx(h.ctx, func(tx entrypay.Tx) error {
		got, err := tx.Merchant(h.ctx, m.ID)
		if err != nil || got.ID != m.ID {
			t.Errorf("Merchant in a read transaction = %+v, %v", got, err)
		}
		// Another connection writes and commits meanwhile.
		return h.store.InTx(h.ctx, func(w entrypay.Tx) error {
			return w.PutPricing(h.ctx, &entrypay.Pricing{MerchantID: m.ID, DiscountRateBps: 100, UpdatedAt: at(1)})
		})
	})
	if err != nil {
		t.Fatalf("a write while a read transaction is open: %v", err)
	}
	if e.Dialect.Name == "postgres" {
		err := h.store.InReadTx(h.ctx, func(tx entrypay.Tx) error {
			return tx.PutPricing(h.ctx, &entrypay.Pricing{MerchantID: m.ID, DiscountRateBps: 200, UpdatedAt: at(2)})
		})
		if err == nil {
			t.Error("a read transaction wrote")
		}
	}
}
