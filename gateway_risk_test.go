package entrypay_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/risk"
	"github.com/entrypay/entrypay/internal/testdb"
)

// scriptRules is a rule set written as JSON, so that the gateway's side of risk (signals,
// counters, holding, failing closed) is tested apart from the rule language, which
// internal/risk tests.
type scriptRules struct {
	version int64
	// DailyLimit rejects a payment that takes the merchant's 24-hour amount above it.
	DailyLimit int64 `json:"dailyLimit"`
	// ReviewAmount holds payments and refunds of exactly this amount.
	ReviewAmount int64 `json:"reviewAmount"`
	// RejectAmount refuses them.
	RejectAmount int64 `json:"rejectAmount"`
	Fail         bool  `json:"fail"`
	Panic        bool  `json:"panic"`
}

func (r *scriptRules) Version() int64 { return r.version }

func (r *scriptRules) Evaluate(s *entrypay.RiskSignals) (*entrypay.RiskVerdict, error) {
	v := &entrypay.RiskVerdict{Outcome: entrypay.RiskAccept, Fired: []entrypay.FiredRule{}, Version: r.version, Engine: "script"}
	fire := func(outcome entrypay.RiskOutcome, name, reason string) {
		v.Outcome, v.Reason = outcome, reason
		v.Fired = append(v.Fired, entrypay.FiredRule{Name: name, Action: map[entrypay.RiskOutcome]string{entrypay.RiskReject: "reject", entrypay.RiskReview: "review"}[outcome], Reason: reason})
	}
	switch {
	case r.Panic:
		panic("rule set exploded")
	case r.Fail:
		return nil, errors.New("integer divide by zero in rule x")
	case r.DailyLimit > 0 && s.Kind == "payment" && s.Velocity.Merchant.Amount24h > r.DailyLimit:
		fire(entrypay.RiskReject, "daily", "MERCHANT_DAILY_LIMIT")
	case r.RejectAmount > 0 && s.Amount == r.RejectAmount:
		fire(entrypay.RiskReject, "amount", "AMOUNT")
	case r.ReviewAmount > 0 && s.Amount == r.ReviewAmount:
		fire(entrypay.RiskReview, "review", "LOOK")
	}
	return v, nil
}

type scriptEngine struct{}

func (scriptEngine) Compile(source string, version int64) (entrypay.RiskRules, error) {
	r := &scriptRules{version: version}
	if err := json.Unmarshal([]byte(source), r); err != nil {
		return nil, entrypay.Errorf(entrypay.EInvalid, "line 1: %v", err)
	}
	return r, nil
}

// countingMetrics records what the gateway reports.
type countingMetrics struct {
	mu       sync.Mutex
	outcomes map[string]int
	failures int
}

func (m *countingMetrics) Decided(kind string, shadow bool, v *entrypay.RiskVerdict, _ time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.outcomes[fmt.Sprintf("%s/%v/%s", kind, shadow, v.Outcome)]++
}

func (m *countingMetrics) EngineFailed(string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.failures++
}

func setupRisk(t *testing.T, kind, rules string) (*env, *countingMetrics) {
	t.Helper()
	metrics := &countingMetrics{outcomes: map[string]int{}}
	e := setupWith(t, kind, func(c *entrypay.Config) {
		c.Risk, c.DefaultRiskRules, c.RiskMetrics = scriptEngine{}, rules, metrics
	})
	return e, metrics
}

func decisions(t *testing.T, e *env, q entrypay.RiskDecisionQuery) []*entrypay.RiskDecision {
	t.Helper()
	ds, err := e.gw.RiskDecisions(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// TestRiskConcurrentLimit sends payments at once that the built-in merchant_daily_limit
// rule (limit 45.00) lets only some of through: exactly those pass, on each store,
// because each payment's counters are added (and locked) in its own transaction before
// it is judged.
func TestRiskConcurrentLimit(t *testing.T) {
	for _, kind := range testdb.Engines() {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			src := strings.Replace(risk.DefaultRules(), "    default: {per_payment: 0, daily: 0}", "    default: {per_payment: 0, daily: 4500}", 1)
			e := setupWith(t, kind, func(c *entrypay.Config) { c.Risk, c.DefaultRiskRules = risk.Engine{}, src })
			const n = 10
			var wg sync.WaitGroup
			errs := make([]error, n)
			for i := range n {
				wg.Go(func() {
					_, errs[i] = e.gw.Pay(context.Background(), e.merchant, e.payInput(fmt.Sprintf("c%d", i), 1000))
				})
			}
			wg.Wait()
			accepted, refused := 0, 0
			for _, err := range errs {
				switch entrypay.ErrorCodeOf(err) {
				case "":
				case entrypay.ERiskReject:
					refused++
					continue
				default:
					if err != nil {
						t.Fatalf("pay: %v", err)
					}
				}
				if err == nil {
					accepted++
				}
			}
			if accepted != 4 || refused != n-4 {
				t.Fatalf("%d accepted, %d refused; want 4 and %d (limit 4500, payments of 1000)", accepted, refused, n-4)
			}
			ds := decisions(t, e, entrypay.RiskDecisionQuery{MerchantID: e.merchant.ID})
			if len(ds) != n {
				t.Fatalf("%d decisions, want %d", len(ds), n)
			}
			// The refused ones left the amount counter: a payment that fits still passes.
			if _, err := e.gw.Pay(context.Background(), e.merchant, e.payInput("fits", 500)); err != nil {
				t.Fatalf("a payment within the remaining limit: %v", err)
			}
			if _, err := e.gw.Pay(context.Background(), e.merchant, e.payInput("too-much", 1)); entrypay.ErrorCodeOf(err) != entrypay.ERiskReject || !strings.Contains(err.Error(), "MERCHANT_DAILY_LIMIT") {
				t.Fatalf("a payment above the limit: %v", err)
			}
		})
	}
}

// TestRiskDeclinedFreesLimit: a payment that fails at the wallet no longer counts
// against the amount limit.
func TestRiskDeclinedFreesLimit(t *testing.T) {
	e, _ := setupRisk(t, "sqlite", `{"dailyLimit": 1500}`)
	ctx := context.Background()
	p := e.pay(t, "big", 1000)
	if _, err := e.gw.Pay(ctx, e.merchant, e.payInput("second", 1000)); entrypay.ErrorCodeOf(err) != entrypay.ERiskReject {
		t.Fatalf("second payment while the first is open: %v", err)
	}
	if err := e.gw.ApplyWalletResult(ctx, entrypay.WalletResult{PaymentID: p.ID, Status: entrypay.PaymentFail, Amount: p.Amount, ResultCode: "USER_BALANCE_NOT_ENOUGH"}); err != nil {
		t.Fatal(err)
	}
	third, err := e.gw.Pay(ctx, e.merchant, e.payInput("third", 1000))
	if err != nil {
		t.Fatalf("after the first failed its amount is free again: %v", err)
	}
	d := decisions(t, e, entrypay.RiskDecisionQuery{PaymentID: third.ID})[0]
	if v := d.Signals.Velocity.Merchant; v.Count10m != 3 || v.Amount24h != 1000 {
		t.Fatalf("velocity seen by the third payment %+v: want 3 attempts, 1000 not declined", v)
	}
}

// TestRiskReview holds a payment: it is not sent to the wallet side until released, a
// rejected one fails and is notified, an unreviewed one closes at expiry, and a review
// can end only once.
func TestRiskReview(t *testing.T) {
	for _, kind := range testdb.Engines() {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e, _ := setupRisk(t, kind, `{"reviewAmount": 777}`)
			ctx := context.Background()
			held := func(id string) (*entrypay.Payment, *entrypay.RiskDecision) {
				t.Helper()
				before := e.wallet.pays
				p, err := e.gw.Pay(ctx, e.merchant, e.payInput(id, 777))
				if err != nil || p.Status != entrypay.PaymentProcessing || p.RiskReview != entrypay.ReviewPending || p.CashierURL != "" {
					t.Fatalf("held pay = %+v, %v", p, err)
				}
				if e.wallet.pays != before {
					t.Fatal("a held payment reached the wallet side")
				}
				// A repeat answers the same, still without the wallet.
				if again, err := e.gw.Pay(ctx, e.merchant, e.payInput(id, 777)); err != nil || again.ID != p.ID || e.wallet.pays != before {
					t.Fatalf("repeat of a held pay = %+v, %v", again, err)
				}
				ds := decisions(t, e, entrypay.RiskDecisionQuery{PaymentID: p.ID})
				if len(ds) != 1 || ds[0].Review != entrypay.ReviewPending {
					t.Fatalf("decisions %+v", ds)
				}
				return p, ds[0]
			}

			p, d := held("r1")
			if _, err := e.gw.ReviewHeld(ctx, d.ID, "alice", true); err != nil {
				t.Fatal(err)
			}
			if got := e.get(t, p.ID); got.CashierURL == "" || got.RiskReview != entrypay.ReviewReleased || e.wallet.pays != 1 {
				t.Fatalf("released payment %+v, wallet pays %d", got, e.wallet.pays)
			}
			if _, err := e.gw.ReviewHeld(ctx, d.ID, "bob", false); entrypay.ErrorCodeOf(err) != entrypay.EStatusInvalid {
				t.Fatalf("second review: %v", err)
			}
			if got, _ := e.gw.RiskDecision(ctx, d.ID); got.Review != entrypay.ReviewReleased || got.ReviewedBy != "alice" {
				t.Fatalf("decision after release %+v", got)
			}

			p2, d2 := held("r2")
			e.merchant.NotifyURL = ""
			if _, err := e.gw.ReviewHeld(ctx, d2.ID, "bob", false); err != nil {
				t.Fatal(err)
			}
			if got := e.get(t, p2.ID); got.Status != entrypay.PaymentFail || got.ResultCode != "RISK_REJECT" || got.RiskReview != entrypay.ReviewRejected {
				t.Fatalf("rejected payment %+v", got)
			}
			if _, err := e.gw.Pay(ctx, e.merchant, e.payInput("r2", 777)); entrypay.ErrorCodeOf(err) != entrypay.ERiskReject {
				t.Fatalf("repeat of a rejected pay: %v", err)
			}

			p3, d3 := held("r3")
			e.clock.Advance(11 * time.Minute)
			if _, err := e.gw.WatchPayment(ctx, p3.ID); err != nil {
				t.Fatal(err)
			}
			if got := e.get(t, p3.ID); got.Status != entrypay.PaymentFail || got.ResultCode != "ORDER_IS_CLOSED" || got.RiskReview != entrypay.ReviewExpired {
				t.Fatalf("expired held payment %+v", got)
			}
			if got, _ := e.gw.RiskDecision(ctx, d3.ID); got.Review != entrypay.ReviewExpired {
				t.Fatalf("decision of the expired payment %+v", got)
			}
			if e.wallet.pays != 1 || e.wallet.cancels != 0 {
				t.Fatalf("wallet pays %d cancels %d: the wallet side never saw the held payments", e.wallet.pays, e.wallet.cancels)
			}
		})
	}
}

// TestRiskRefunds refuses one refund outright, holds another, releases and rejects.
func TestRiskRefunds(t *testing.T) {
	for _, kind := range testdb.Engines() {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e, _ := setupRisk(t, kind, `{"reviewAmount": 300, "rejectAmount": 100}`)
			ctx := context.Background()
			p := e.paid(t, "paid", 1000)
			refund := func(id string, v int64) (*entrypay.Refund, error) {
				return e.gw.Refund(ctx, e.merchant, entrypay.RefundInput{RequestID: id, PaymentID: p.ID, Amount: entrypay.Amount{Value: v, Currency: "HKD"}})
			}
			if r, err := refund("no", 100); entrypay.ErrorCodeOf(err) != entrypay.ERiskReject || r.Status != entrypay.RefundFail {
				t.Fatalf("refused refund = %+v, %v", r, err)
			}
			r, err := refund("look", 300)
			if entrypay.ErrorCodeOf(err) != entrypay.EUnknown || r.Status != entrypay.RefundProcessing || r.RiskReview != entrypay.ReviewPending {
				t.Fatalf("held refund = %+v, %v", r, err)
			}
			if _, err := refund("look", 300); entrypay.ErrorCodeOf(err) != entrypay.EUnknown || len(e.wallet.refunds) != 0 {
				t.Fatalf("repeat of a held refund: %v, wallet refunds %v", err, e.wallet.refunds)
			}
			if _, err := e.gw.RetryRefund(ctx, r.ID); err != nil || len(e.wallet.refunds) != 0 {
				t.Fatalf("the retry job sent a held refund: %v %v", err, e.wallet.refunds)
			}
			ds := decisions(t, e, entrypay.RiskDecisionQuery{Review: entrypay.ReviewPending})
			if len(ds) != 1 || ds[0].RefundID != r.ID || ds[0].Kind != "refund" {
				t.Fatalf("pending decisions %+v", ds)
			}
			if _, err := e.gw.ReviewHeld(ctx, ds[0].ID, "alice", true); err != nil {
				t.Fatal(err)
			}
			if got, _ := e.gw.RefundOf(ctx, e.merchant, entrypay.RefundRef{ID: r.ID}); got.Status != entrypay.RefundSuccess || len(e.wallet.refunds) != 1 {
				t.Fatalf("released refund %+v", got)
			}
			r2, _ := refund("look2", 300)
			ds = decisions(t, e, entrypay.RiskDecisionQuery{Review: entrypay.ReviewPending})
			if _, err := e.gw.ReviewHeld(ctx, ds[0].ID, "bob", false); err != nil {
				t.Fatal(err)
			}
			if got, _ := e.gw.RefundOf(ctx, e.merchant, entrypay.RefundRef{ID: r2.ID}); got.Status != entrypay.RefundFail || got.ResultCode != "RISK_REJECT" {
				t.Fatalf("rejected refund %+v", got)
			}
			// What was refused or rejected is refundable again.
			if _, err := refund("rest", 700); err != nil {
				t.Fatalf("refund of the rest: %v", err)
			}
		})
	}
}

// TestRiskFailClosed: a rule set that errs or panics at run time rejects the payment
// with RISK_ENGINE_ERROR, and the failure is counted.
func TestRiskFailClosed(t *testing.T) {
	for _, rules := range []string{`{"fail": true}`, `{"panic": true}`} {
		t.Run(rules, func(t *testing.T) {
			e, metrics := setupRisk(t, "sqlite", rules)
			_, err := e.gw.Pay(context.Background(), e.merchant, e.payInput("x", 1000))
			if entrypay.ErrorCodeOf(err) != entrypay.ERiskReject || e.wallet.pays != 0 {
				t.Fatalf("pay under a failing engine: %v (wallet pays %d)", err, e.wallet.pays)
			}
			d := decisions(t, e, entrypay.RiskDecisionQuery{})[0]
			if d.Verdict.Reason != entrypay.ReasonEngineError || d.Outcome != entrypay.RiskReject {
				t.Fatalf("decision %+v", d.Verdict)
			}
			if metrics.failures != 1 || metrics.outcomes["payment/false/REJECT"] != 1 {
				t.Fatalf("metrics %+v failures %d", metrics.outcomes, metrics.failures)
			}
		})
	}
}

// TestRiskRuleSets: saving, refusing, shadowing and promoting rule sets, and the shadow
// report over the decisions taken meanwhile.
func TestRiskRuleSets(t *testing.T) {
	e, metrics := setupRisk(t, "sqlite", `{}`)
	ctx := context.Background()
	if live, shadow := e.gw.RiskVersions(); live != 1 || shadow != 0 {
		t.Fatalf("versions %d/%d: the built-in rules are version 1", live, shadow)
	}
	if _, err := e.gw.SaveRuleSet(ctx, `{"dailyLimit": "x"}`, "", entrypay.RuleSetLive); entrypay.ErrorCodeOf(err) != entrypay.EInvalid {
		t.Fatalf("a broken set: %v", err)
	}
	if live, _ := e.gw.RiskVersions(); live != 1 {
		t.Fatalf("a refused set changed the live version to %d", live)
	}
	shadow, err := e.gw.SaveRuleSet(ctx, `{"rejectAmount": 500}`, "stricter", entrypay.RuleSetShadow)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range []int64{500, 600, 500} {
		if _, err := e.gw.Pay(ctx, e.merchant, e.payInput(fmt.Sprintf("s%d", i), v)); err != nil {
			t.Fatalf("pay under the live set: %v (the shadow must not act)", err)
		}
	}
	report, err := e.gw.CompareShadow(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if report.Decisions != 3 || report.Agree != 1 || report.Differ != 2 || report.Outcomes["ACCEPT→REJECT"] != 2 || report.ShadowFired["amount"] != 2 || len(report.Differences) != 2 {
		t.Fatalf("shadow report %+v", report)
	}
	if metrics.outcomes["payment/true/REJECT"] != 2 {
		t.Fatalf("shadow metrics %+v", metrics.outcomes)
	}
	// Promoting the shadow set makes it decide.
	if _, err := e.gw.SetRuleSetStatus(ctx, shadow.Version, entrypay.RuleSetLive); err != nil {
		t.Fatal(err)
	}
	if live, sh := e.gw.RiskVersions(); live != shadow.Version || sh != 0 {
		t.Fatalf("after promotion versions %d/%d", live, sh)
	}
	if _, err := e.gw.Pay(ctx, e.merchant, e.payInput("s9", 500)); entrypay.ErrorCodeOf(err) != entrypay.ERiskReject {
		t.Fatalf("pay under the promoted set: %v", err)
	}
	sets, _ := e.gw.RuleSets(ctx)
	if len(sets) != 2 || sets[1].Status != entrypay.RuleSetRetired || sets[0].Status != entrypay.RuleSetLive {
		t.Fatalf("rule sets %+v", sets)
	}
	if _, err := e.gw.SetRuleSetStatus(ctx, shadow.Version, entrypay.RuleSetRetired); entrypay.ErrorCodeOf(err) != entrypay.EStatusInvalid {
		t.Fatalf("retiring the live set: %v", err)
	}
	// A second gateway on the same database picks the change up on reload.
	other := entrypay.NewGateway(entrypay.Config{DB: e.db.Store, Risk: scriptEngine{}, Now: e.clock.Now})
	if err := other.LoadRiskRules(ctx); err != nil {
		t.Fatal(err)
	}
	if live, _ := other.RiskVersions(); live != shadow.Version {
		t.Fatalf("another gateway loads version %d", live)
	}
}

// TestRiskRulesSeededOnce starts gateways on one new database at the same moment, as
// nodes deployed together do: one stores the built-in rules as version 1, and the others
// take them instead of failing on the version it took.
func TestRiskRulesSeededOnce(t *testing.T) {
	for _, kind := range testdb.Engines() {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			db := testdb.Open(t, kind)
			ctx := context.Background()
			const n = 6
			// Open the pool's connections first, so that the gateways really start together.
			var warm sync.WaitGroup
			for range n {
				warm.Go(func() { _, _ = db.SQL.Exec("SELECT 1") })
			}
			warm.Wait()
			gws := make([]*entrypay.Gateway, n)
			errs := make([]error, n)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range gws {
				gws[i] = entrypay.NewGateway(entrypay.Config{DB: db.Store, Risk: scriptEngine{}, DefaultRiskRules: `{"rejectAmount": 666}`})
				wg.Go(func() {
					<-start
					errs[i] = gws[i].LoadRiskRules(ctx)
				})
			}
			close(start)
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("gateway %d: %v", i, err)
				} else if live, _ := gws[i].RiskVersions(); live != 1 {
					t.Errorf("gateway %d has version %d live, want 1", i, live)
				}
			}
			if sets, err := gws[0].RuleSets(ctx); err != nil || len(sets) != 1 {
				t.Fatalf("%d rule sets stored (%v), want the built-in ones once", len(sets), err)
			}
		})
	}
}

// BenchmarkPayRisk is what deciding costs a payment: Pay with a wallet side that answers
// at once, without a risk engine and with the built-in rules (counters added and read,
// rules evaluated, decision stored, all in the payment's transaction), on each store.
func BenchmarkPayRisk(b *testing.B) {
	for _, kind := range testdb.Engines() {
		for _, withRisk := range []bool{false, true} {
			name := kind + "/none"
			if withRisk {
				name = kind + "/builtin"
			}
			b.Run(name, func(b *testing.B) {
				e := setupWith(b, kind, func(c *entrypay.Config) {
					if withRisk {
						c.Risk, c.DefaultRiskRules = risk.Engine{}, risk.DefaultRules()
					}
				})
				ctx := context.Background()
				b.ResetTimer()
				i := 0
				for b.Loop() {
					i++
					in := e.payInput(fmt.Sprintf("b%d", i), 1000)
					in.ClientIP = fmt.Sprintf("10.0.%d.%d", i/250%250, i%250) // no velocity rule fires
					if _, err := e.gw.Pay(ctx, e.merchant, in); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
