package risk_test

import (
	"errors"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/risk"
)

// TestMain shortens the fuzzer's minimization of new inputs (60 s by default) unless
// -fuzzminimizetime is given: it tries O(n²) shorter variants of an input, each a full
// Compile, and would otherwise spend most of a 30 s run minimizing one input.
func TestMain(m *testing.M) {
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.fuzzminimizetime" })
	if !explicit {
		if err := flag.Set("test.fuzzminimizetime", "2s"); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}

// FuzzCompile: no source makes Compile panic or answer outside the contract (an EInvalid
// *entrypay.Error whose lines start "line N: "), and a rule set that compiles evaluates
// any signals without panicking.
func FuzzCompile(f *testing.F) {
	// Small seeds: the fuzzer minimizes every input that finds new code, and minimizing the
	// whole default.yaml would take the fuzzing time (TestDefaultRules covers it).
	f.Add(`review_score: 40
reject_score: 90
lists:
  ips: ["203.0.113.7"]
define:
  small: settlement_amount < 500
limits:
  merchants:
    default: {per_payment: 100, daily: 0}
  wallets:
    GCASH: {max: 20}
rules:
  - name: a
    on: both
    when: client.ip in lists.ips || small && hour < 5
    action: score
    score: 60
    reason: A
`)
	f.Add("define:\n  a: b && amount > 0\n  b: a\nrules: []\n")
	f.Add("lists:\n  a: [x, 1, \"2\"]\nlimits:\n  wallets:\n    GCASH: {min: 1, max: 2, daily: 3}\nrules:\n  - {name: a, when: 'client.ip in lists.a', action: review, reason: A}\n")
	f.Add(oneRule("amount % (merchant.age_days - merchant.age_days) == 0"))
	f.Add(oneRule(`wallet.name == "KAKAO_PAY" || hour >= 24`))
	f.Fuzz(func(t *testing.T, source string) {
		rules, err := engine.Compile(source, 1)
		if err != nil {
			checkRefusal(t, err)
			return
		}
		for _, s := range []*entrypay.RiskSignals{{}, payment(), refund()} {
			checkEvaluate(t, rules, s)
		}
	})
}

// FuzzCondition puts the input in a rule's condition, where random text reaches expr far
// more often than in FuzzCompile, and checks that the analysis is sound: a condition it
// refuses as never true must not hold on any signals.
func FuzzCondition(f *testing.F) {
	for _, when := range []string{
		"amount > 100 && amount < 50", "hour >= 24", "hour in 0..4", `wallet.name == "KAKAO_PAY"`,
		`kind == "refund"`, "refund.payment_amount > 0", "small && hour < 3", "client.ip in lists.ips",
		"any(lists.ips, client.ip startsWith #)", "let r = amount / 3; r > 2.5", `code.status in ["ACTIVE", "X"]`,
		"amount % (merchant.age_days - merchant.age_days) == 0", "weekday == 6 && hour == 23", "1 > 2",
		"velocity.ip.count_10m > 3 || !(hour < 0)", "merchant?.age_days ?? 0 > 5", "$env.hour < 5",
		`channel == "api" && wallet.name in ["GCASH", "DANA"]`, "hour != 3 && hour == 3",
	} {
		f.Add(when, int64(3), int64(12000))
	}
	f.Fuzz(func(t *testing.T, when string, hour, amount int64) {
		if strings.ContainsAny(when, "\r\t\x00") {
			// YAML's business, not the rule language's; FuzzCompile covers it.
			return
		}
		signals := fuzzSignals(hour, amount)
		rules, err := engine.Compile(conditionRule(when), 1)
		if err != nil {
			checkRefusal(t, err)
			if !strings.Contains(err.Error(), "can never") {
				return
			}
			// The same condition with a branch that keeps it alive: compare.
			rules, err := engine.Compile(conditionRule("("+when+") || client.user_agent == \"\\x00never\""), 1)
			if err != nil {
				return
			}
			for _, s := range signals {
				if v, err := rules.Evaluate(s); err == nil && len(v.Fired) > 0 {
					t.Fatalf("%q was refused (%v) but holds for %+v", when, err, s)
				}
			}
			return
		}
		for _, s := range signals {
			checkEvaluate(t, rules, s)
		}
	})
}

// conditionRule is a rule set of one rule (on both) with the given condition, written as a
// literal block so that any text is taken as it is.
func conditionRule(when string) string {
	return "lists:\n  ips: [\"1.2.3.4\", \"10.\"]\ndefine:\n  small: amount < 500\nrules:\n" +
		"  - name: x\n    on: both\n    when: |\n      " + strings.ReplaceAll(when, "\n", "\n      ") +
		"\n    action: score\n    score: 1\n    reason: X\n"
}

// fuzzSignals are the signals a fuzzed rule set is evaluated on: nearly empty ones,
// ordinary ones, and edge values of the enumerated and bounded signals. All keep to the
// contract of entrypay.RiskSignals (channel is api or page, hour 0..23, …), which the
// analysis relies on.
func fuzzSignals(hour, amount int64) []*entrypay.RiskSignals {
	h := int(((hour % 24) + 24) % 24)
	signals := []*entrypay.RiskSignals{
		{Kind: "payment", Channel: "api"}, {Kind: "refund", Channel: "page"}, payment(), refund(),
		payment(func(s *entrypay.RiskSignals) {
			s.Hour, s.Weekday, s.Amount, s.SettlementAmount = h, h%7, amount, amount
		}),
		refund(func(s *entrypay.RiskSignals) { s.Hour, s.Refund.PaymentAmount, s.Wallet.Amount = h, amount, -1 }),
		payment(func(s *entrypay.RiskSignals) { s.Hour, s.Weekday, s.Channel, s.Code = 0, 0, "api", entrypay.RiskCode{} }),
		payment(func(s *entrypay.RiskSignals) { s.Hour, s.Weekday, s.Client.IP = 23, 6, "1.2.3.4" }),
		payment(func(s *entrypay.RiskSignals) {
			s.Wallet.Name, s.Code.Status, s.Amount = "CONNECT_WALLET", "DISABLED", 499
		}),
		payment(func(s *entrypay.RiskSignals) { s.Wallet.Name, s.Code.Status, s.Amount = "", "REPLACED", -amount }),
	}
	for _, w := range []string{"ALIPAY_CN", "ALIPAY_HK", "GCASH", "DANA", "TNG", "TRUEMONEY"} {
		signals = append(signals, payment(func(s *entrypay.RiskSignals) { s.Wallet.Name = w; s.Hour = h }))
	}
	return signals
}

func checkRefusal(t *testing.T, err error) {
	t.Helper()
	e, ok := errors.AsType[*entrypay.Error](err)
	if !ok || e.Code != entrypay.EInvalid {
		t.Fatalf("Compile error %v is not an EInvalid *entrypay.Error", err)
	}
	if !lineFormat.MatchString(e.Message) {
		t.Fatalf("message %q: a line does not start with \"line N: \"", e.Message)
	}
	if strings.Contains(e.Message, "could not be compiled") {
		t.Fatalf("Compile recovered from a panic: %s", e.Message)
	}
}

func checkEvaluate(t *testing.T, rules entrypay.RiskRules, s *entrypay.RiskSignals) {
	t.Helper()
	v, err := rules.Evaluate(s)
	if err != nil {
		if strings.Contains(err.Error(), "panic") {
			t.Fatalf("Evaluate recovered from a panic: %v", err)
		}
		return
	}
	if v.Fired == nil || v.Outcome == "" || v.Engine != risk.EngineVersion {
		t.Fatalf("verdict %+v", v)
	}
}
