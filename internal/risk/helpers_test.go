package risk_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/risk"
)

// compile compiles a rule set the test expects to be valid.
func compile(t testing.TB, source string) entrypay.RiskRules {
	t.Helper()
	rules, err := engine.Compile(source, 7)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return rules
}

// evaluate runs the rules and fails the test on an error.
func evaluate(t testing.TB, rules entrypay.RiskRules, s *entrypay.RiskSignals) *entrypay.RiskVerdict {
	t.Helper()
	v, err := rules.Evaluate(s)
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	return v
}

// payment returns the signals of an ordinary payment that no built-in rule objects to: a
// KRW 12,000 Kakao Pay payment through an active entry code, at two in the afternoon, from
// a merchant with a history; options adjust it.
func payment(options ...func(*entrypay.RiskSignals)) *entrypay.RiskSignals {
	s := &entrypay.RiskSignals{
		Kind:               "payment",
		Channel:            "page",
		Amount:             12000,
		Currency:           "KRW",
		SettlementAmount:   12000,
		SettlementCurrency: "KRW",
		Hour:               14,
		Weekday:            3,
		Merchant: entrypay.RiskMerchant{
			ID: "mer_01HZX3K8Q2", MCC: "5812", Region: "KR", AgeDays: 400,
			Count30d: 250, Amount30d: 2_500_000, AvgAmount30d: 10_000,
		},
		Store: entrypay.RiskStore{ID: "sto_01HZX3M1", MCC: "5812", AgeDays: 300},
		Code:  entrypay.RiskCode{Value: "EP7QK2M4", Status: "ACTIVE", AgeHours: 2000},
		Wallet: entrypay.RiskWallet{
			Name: "KAKAOPAY", Currency: "KRW", Amount: 12000, Min: 50, Max: 0,
			CustomerID: "2088001234567890",
		},
		Client: entrypay.RiskClient{
			IP: "198.51.100.20", UserAgent: "Mozilla/5.0 (iPhone) KAKAOTALK 10.4.5 AlipayConnect",
			DeviceID: "dev_8f2c", CookieID: "ck_19ab",
		},
		Velocity: entrypay.RiskVelocity{
			Merchant: entrypay.RiskWindow{Count10m: 3, Count1h: 12, Count24h: 90, Amount1h: 130_000, Amount24h: 950_000},
			Store:    entrypay.RiskWindow{Count10m: 2, Count1h: 8, Count24h: 60, Amount1h: 90_000, Amount24h: 600_000},
			Code:     entrypay.RiskWindow{Count10m: 2, Count1h: 8, Count24h: 60, Amount1h: 90_000, Amount24h: 600_000},
			Wallet:   entrypay.RiskWindow{Count10m: 1, Count1h: 5, Count24h: 40, Amount1h: 60_000, Amount24h: 400_000},
			IP:       entrypay.RiskWindow{Count10m: 1, Count1h: 1, Count24h: 2, Amount1h: 12_000, Amount24h: 20_000},
			Device:   entrypay.RiskWindow{Count10m: 1, Count1h: 1, Count24h: 2, Amount1h: 12_000, Amount24h: 20_000},
		},
	}
	for _, o := range options {
		o(s)
	}
	return s
}

// refund returns the signals of an ordinary refund of the payment above.
func refund(options ...func(*entrypay.RiskSignals)) *entrypay.RiskSignals {
	s := payment(func(s *entrypay.RiskSignals) {
		s.Kind = "refund"
		s.Refund = entrypay.RiskRefund{
			PaymentAmount: 12000, PaymentAgeHours: 30,
			MerchantRefunds7d: 40_000, MerchantVolume7d: 700_000,
		}
	})
	for _, o := range options {
		o(s)
	}
	return s
}

// configured is the built-in rule set with every list holding one entry and limits set,
// so that the list and limit rules can fire.
func configured(t testing.TB) string {
	t.Helper()
	source := risk.DefaultRules()
	for _, r := range []struct{ old, new string }{
		{"blocked_merchants: []", `blocked_merchants: ["mer_BLOCKED"]`},
		{"blocked_codes: []", `blocked_codes: ["EPBLOCKED"]`},
		{"blocked_customers: []", `blocked_customers: ["cus_blocked"]`},
		{"blocked_ips: []", `blocked_ips: ["203.0.113.7"]`},
		{"blocked_devices: []", `blocked_devices: ["dev_blocked"]`},
		{"allowed_customers: []", `allowed_customers: ["cus_trusted"]`},
		{"allowed_ips: []", `allowed_ips: ["192.0.2.1"]`},
		{"allowed_devices: []", `allowed_devices: ["dev_trusted"]`},
		{"default: {per_payment: 0, daily: 0}", "default: {per_payment: 0, daily: 0}\n    mer_LIMITED: {per_payment: 500000, daily: 2000000}"},
		{"wallets: {}", "wallets:\n    GCASH: {min: 0, max: 0, daily: 10000000}"},
	} {
		if !strings.Contains(source, r.old) {
			t.Fatalf("default.yaml no longer contains %q", r.old)
		}
		source = strings.Replace(source, r.old, r.new, 1)
	}
	return source
}

func firedNames(v *entrypay.RiskVerdict) []string {
	var names []string
	for _, f := range v.Fired {
		names = append(names, f.Name)
	}
	return names
}

func firedRule(v *entrypay.RiskVerdict, name string) (entrypay.FiredRule, bool) {
	i := slices.IndexFunc(v.Fired, func(f entrypay.FiredRule) bool { return f.Name == name })
	if i < 0 {
		return entrypay.FiredRule{}, false
	}
	return v.Fired[i], true
}

// engine is the engine under test; its zero value is ready to use.
var engine risk.Engine
