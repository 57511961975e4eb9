package risk_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/risk"
)

// outcomeRules fires each rule when the User-Agent carries its name, so that a test picks
// exactly which rules fire.
const outcomeRules = `
review_score: 50
reject_score: 100
rules:
  - {name: score_30, when: 'client.user_agent contains "score_30"', action: score, score: 30, reason: SCORE_30}
  - {name: reject_a, when: 'client.user_agent contains "reject_a"', action: reject, reason: REJECT_A}
  - {name: score_40, when: 'client.user_agent contains "score_40"', action: score, score: 40, reason: SCORE_40}
  - {name: review_a, when: 'client.user_agent contains "review_a"', action: review, reason: REVIEW_A}
  - {name: allow_a, when: 'client.user_agent contains "allow_a"', action: allow, reason: ALLOW_A}
  - {name: score_40b, when: 'client.user_agent contains "score_40b"', action: score, score: 40, reason: SCORE_40B}
  - {name: reject_b, when: 'client.user_agent contains "reject_b"', action: reject, reason: REJECT_B}
  - {name: review_b, when: 'client.user_agent contains "review_b"', action: review, reason: REVIEW_B}
  - {name: allow_b, when: 'client.user_agent contains "allow_b"', action: allow, reason: ALLOW_B}
  - {name: score_10, when: 'client.user_agent contains "score_10"', action: score, score: 10, reason: SCORE_10}
  - {name: score_60, when: 'client.user_agent contains "score_60"', action: score, score: 60, reason: SCORE_60}
  - {name: refund_only, on: refund, when: 'client.user_agent contains "refund_only"', action: reject, reason: REFUND_ONLY}
  - {name: both, on: both, when: 'client.user_agent contains "both"', action: score, score: 1, reason: BOTH}
`

func TestOutcome(t *testing.T) {
	rules := compile(t, outcomeRules)
	tests := []struct {
		name    string
		fire    string // rule names in the User-Agent
		kind    string
		outcome entrypay.RiskOutcome
		reason  string
		score   int
	}{
		{"nothing fires", "", "payment", entrypay.RiskAccept, "", 0},
		{"a score below review", "score_30", "payment", entrypay.RiskAccept, "SCORE_30", 30},
		{"scores reach review", "score_30 score_40", "payment", entrypay.RiskReview, "SCORE_40", 70},
		{"just below review", "score_40 both", "payment", entrypay.RiskAccept, "SCORE_40", 41},
		{"the review threshold counts", "score_40 score_10", "payment", entrypay.RiskReview, "SCORE_40", 50},
		{"a tie goes to the first", "score_40 score_40b", "payment", entrypay.RiskReview, "SCORE_40", 80},
		{"scores reach reject", "score_40 score_60", "payment", entrypay.RiskReject, "SCORE_60", 100},
		{"a review rule holds", "review_a", "payment", entrypay.RiskReview, "REVIEW_A", 0},
		{"the first review names it", "review_b review_a", "payment", entrypay.RiskReview, "REVIEW_A", 0},
		{"review beats a low score", "review_b score_30", "payment", entrypay.RiskReview, "REVIEW_B", 30},
		{"review beats a rejecting score", "review_b score_40 score_60", "payment", entrypay.RiskReview, "REVIEW_B", 100},
		{"allow beats review", "review_a allow_b", "payment", entrypay.RiskAccept, "ALLOW_B", 0},
		{"allow beats a rejecting score", "score_40 score_60 allow_a", "payment", entrypay.RiskAccept, "ALLOW_A", 100},
		{"the first allow names it", "allow_b allow_a", "payment", entrypay.RiskAccept, "ALLOW_A", 0},
		{"reject beats allow", "allow_a reject_b", "payment", entrypay.RiskReject, "REJECT_B", 0},
		{"the first reject names it", "reject_b reject_a review_a allow_a score_60", "payment", entrypay.RiskReject, "REJECT_A", 60},
		{"a refund rule ignores payments", "refund_only", "payment", entrypay.RiskAccept, "", 0},
		{"payment rules ignore refunds", "reject_a score_60 refund_only", "refund", entrypay.RiskReject, "REFUND_ONLY", 0},
		{"both takes part in refunds", "both", "refund", entrypay.RiskAccept, "BOTH", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := payment(func(s *entrypay.RiskSignals) { s.Kind = tt.kind; s.Client.UserAgent = tt.fire })
			v := evaluate(t, rules, s)
			if v.Outcome != tt.outcome || v.Reason != tt.reason || v.Score != tt.score {
				t.Errorf("got %s %q score %d (fired %v), want %s %q score %d",
					v.Outcome, v.Reason, v.Score, firedNames(v), tt.outcome, tt.reason, tt.score)
			}
			if v.Version != 7 || v.Engine != risk.EngineVersion {
				t.Errorf("version %d engine %q", v.Version, v.Engine)
			}
			// Fired lists every rule that held, in file order.
			for _, f := range v.Fired {
				if !strings.Contains(tt.fire, f.Name) {
					t.Errorf("%s fired unasked", f.Name)
				}
			}
		})
	}
}

func TestLimitsAreFilledIn(t *testing.T) {
	rules := compile(t, `
limits:
  merchants:
    default: {per_payment: 100000, daily: 900000}
    mer_BIG: {per_payment: 5000000}
  wallets:
    GCASH: {max: 2000000, daily: 50000000}
    KAKAOPAY: {min: 1000}
rules: []
`)
	tests := []struct {
		name       string
		merchant   string
		wallet     string
		min, max   int64 // the wallet's own, as the gateway sets them
		wantMerch  [2]int64
		wantWallet [3]int64 // min, max, daily
	}{
		{"merchant of its own", "mer_BIG", "ALIPAY_CN", 10, 0, [2]int64{5000000, 0}, [3]int64{10, 0, 0}},
		{"default merchant", "mer_OTHER", "ALIPAY_CN", 10, 0, [2]int64{100000, 900000}, [3]int64{10, 0, 0}},
		{"wallet max and daily set, min kept", "mer_OTHER", "GCASH", 100, 5000000, [2]int64{100000, 900000}, [3]int64{100, 2000000, 50000000}},
		{"wallet min set, max kept", "mer_OTHER", "KAKAOPAY", 50, 3000000, [2]int64{100000, 900000}, [3]int64{1000, 3000000, 0}},
		{"unknown wallet", "mer_OTHER", "", 0, 0, [2]int64{100000, 900000}, [3]int64{0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := payment(func(s *entrypay.RiskSignals) {
				s.Merchant.ID = tt.merchant
				s.Wallet.Name, s.Wallet.Min, s.Wallet.Max = tt.wallet, tt.min, tt.max
				// Stale values from an earlier evaluation are overwritten.
				s.Merchant.LimitPerPayment, s.Merchant.LimitDaily, s.Wallet.LimitDaily = -5, -5, -5
			})
			evaluate(t, rules, s)
			gotMerch := [2]int64{s.Merchant.LimitPerPayment, s.Merchant.LimitDaily}
			gotWallet := [3]int64{s.Wallet.Min, s.Wallet.Max, s.Wallet.LimitDaily}
			if gotMerch != tt.wantMerch || gotWallet != tt.wantWallet {
				t.Errorf("merchant limits %v, wallet %v; want %v, %v", gotMerch, gotWallet, tt.wantMerch, tt.wantWallet)
			}
		})
	}
}

// TestLimitsDecide: the built-in limit rules see the filled-in limits.
func TestLimitsDecide(t *testing.T) {
	source := strings.Replace(risk.DefaultRules(), "default: {per_payment: 0, daily: 0}",
		"default: {per_payment: 0, daily: 0}\n    mer_01HZX3K8Q2: {per_payment: 10000}", 1)
	source = strings.Replace(source, "wallets: {}", "wallets:\n    KAKAOPAY: {max: 11000}", 1)
	v := evaluate(t, compile(t, source), payment())
	if v.Outcome != entrypay.RiskReject || v.Reason != "MERCHANT_PAYMENT_LIMIT" ||
		strings.Join(firedNames(v), " ") != "merchant_payment_limit wallet_maximum" {
		t.Errorf("verdict %+v", v)
	}
}

func TestDefines(t *testing.T) {
	rules := compile(t, `
lists:
  watched: ["dev_8f2c"]
define:
  burst: velocity.code.count_10m > 20 && small_payment
  small_payment: settlement_amount < 500
  watched_device: client.device_id in lists.watched
  suspicious: burst || (watched_device && night)
  night: hour < 6
rules:
  - name: suspicious
    when: suspicious && kind == "payment"
    action: review
    reason: SUSPICIOUS
`)
	tests := []struct {
		name  string
		s     *entrypay.RiskSignals
		fires bool
	}{
		{"ordinary", payment(), false},
		{"a burst of small payments", payment(func(s *entrypay.RiskSignals) { s.Velocity.Code.Count10m = 21; s.SettlementAmount = 499 }), true},
		{"a burst of large payments", payment(func(s *entrypay.RiskSignals) { s.Velocity.Code.Count10m = 21 }), false},
		{"the watched device at night", payment(func(s *entrypay.RiskSignals) { s.Hour = 3 }), true},
		{"another device at night", payment(func(s *entrypay.RiskSignals) { s.Hour = 3; s.Client.DeviceID = "dev_other" }), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := evaluate(t, rules, tt.s)
			if got := len(v.Fired) == 1; got != tt.fires {
				t.Errorf("fired %v, want fires=%v", firedNames(v), tt.fires)
			}
		})
	}
}

func TestEvaluateErrors(t *testing.T) {
	rules := compile(t, `
rules:
  - name: ok
    when: amount > 0
    action: score
    score: 1
    reason: OK
  - name: divides_by_zero
    when: amount % (merchant.age_days - merchant.age_days) == 0
    action: reject
    reason: NEVER
`)
	_, err := rules.Evaluate(payment())
	var ruleErr *risk.RuleError
	if !errors.As(err, &ruleErr) || ruleErr.Rule != "divides_by_zero" || ruleErr.Line != 8 || ruleErr.Version != 7 {
		t.Fatalf("Evaluate: %v, want a RuleError naming divides_by_zero at line 8", err)
	}
	for _, want := range []string{`rule "divides_by_zero" (line 8) failed`, "integer divide by zero"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}

	for _, tt := range []struct {
		name string
		s    *entrypay.RiskSignals
		want string
	}{
		{"no signals", nil, "no signals"},
		{"no kind", &entrypay.RiskSignals{}, `unknown kind ""`},
		{"unknown kind", payment(func(s *entrypay.RiskSignals) { s.Kind = "capture" }), `unknown kind "capture"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v, err := compile(t, risk.DefaultRules()).Evaluate(tt.s)
			if err == nil || v != nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Evaluate = %v, %v; want an error saying %q", v, err, tt.want)
			}
		})
	}
}

// TestEvaluateConcurrently shares one rule set between goroutines, as the gateway does
// (run with -race).
func TestEvaluateConcurrently(t *testing.T) {
	rules := compile(t, configured(t))
	done := make(chan *entrypay.RiskVerdict)
	for i := range 8 {
		go func() {
			var last *entrypay.RiskVerdict
			for range 200 {
				s := payment(func(s *entrypay.RiskSignals) { s.Hour = i % 24 })
				v, err := rules.Evaluate(s)
				if err != nil {
					t.Error(err)
				}
				last = v
			}
			done <- last
		}()
	}
	for range 8 {
		if v := <-done; v == nil {
			t.Error("no verdict")
		}
	}
}
