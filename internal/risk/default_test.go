package risk_test

import (
	"slices"
	"testing"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/risk"
)

// TestDefaultRulesOutOfTheBox: the built-in set compiles and an ordinary payment and
// refund pass it untouched.
func TestDefaultRulesOutOfTheBox(t *testing.T) {
	rules := compile(t, configured(t))
	for _, s := range []*entrypay.RiskSignals{payment(), refund()} {
		v := evaluate(t, rules, s)
		if v.Outcome != entrypay.RiskAccept || len(v.Fired) != 0 || v.Reason != "" || v.Score != 0 {
			t.Errorf("%s: verdict %+v, want a plain ACCEPT", s.Kind, v)
		}
	}
	v := evaluate(t, compile(t, risk.DefaultRules()), payment())
	if v.Outcome != entrypay.RiskAccept || v.Fired == nil || len(v.Fired) != 0 {
		t.Errorf("default rules: verdict %+v, want ACCEPT with an empty (not nil) Fired", v)
	}
}

// TestDefaultRules fires each built-in rule, and shows it quiet just short of its
// threshold. Names, actions and reasons are a contract with the gateway's tests and with
// operators' dashboards.
func TestDefaultRules(t *testing.T) {
	type change = func(*entrypay.RiskSignals)
	tests := []struct {
		rule   string
		action string
		reason string
		base   func(...change) *entrypay.RiskSignals
		fires  change
		quiet  change // the nearest signals on which the rule does not fire
	}{
		{
			rule: "merchant_payment_limit", action: "reject", reason: "MERCHANT_PAYMENT_LIMIT", base: payment,
			fires: func(s *entrypay.RiskSignals) {
				s.Merchant.ID, s.Merchant.AvgAmount30d, s.SettlementAmount = "mer_LIMITED", 100_000, 500_001
			},
			quiet: func(s *entrypay.RiskSignals) {
				s.Merchant.ID, s.Merchant.AvgAmount30d, s.SettlementAmount = "mer_LIMITED", 100_000, 500_000
			},
		},
		{
			rule: "merchant_daily_limit", action: "reject", reason: "MERCHANT_DAILY_LIMIT", base: payment,
			fires: func(s *entrypay.RiskSignals) { s.Merchant.ID = "mer_LIMITED"; s.Velocity.Merchant.Amount24h = 2000001 },
			// A merchant without limits of its own gets default: none.
			quiet: func(s *entrypay.RiskSignals) { s.Velocity.Merchant.Amount24h = 900_000_000 },
		},
		{
			rule: "wallet_minimum", action: "reject", reason: "WALLET_BELOW_MINIMUM", base: payment,
			fires: func(s *entrypay.RiskSignals) { s.Wallet.Amount = 49 },
			// -1: the wallet amount is unknown, the wallet side will judge.
			quiet: func(s *entrypay.RiskSignals) { s.Wallet.Amount = -1 },
		},
		{
			rule: "wallet_maximum", action: "reject", reason: "WALLET_ABOVE_MAXIMUM", base: payment,
			fires: func(s *entrypay.RiskSignals) { s.Wallet.Max = 2_000_000; s.Wallet.Amount = 2_000_001 },
			quiet: func(s *entrypay.RiskSignals) { s.Wallet.Max = 2_000_000; s.Wallet.Amount = 2_000_000 },
		},
		{
			rule: "wallet_daily_limit", action: "reject", reason: "WALLET_DAILY_LIMIT", base: payment,
			fires: func(s *entrypay.RiskSignals) { s.Wallet.Name = "GCASH"; s.Velocity.Wallet.Amount24h = 10_000_001 },
			quiet: func(s *entrypay.RiskSignals) { s.Wallet.Name = "GCASH"; s.Velocity.Wallet.Amount24h = 10_000_000 },
		},
		{
			rule: "ip_velocity", action: "reject", reason: "VELOCITY_IP", base: payment,
			fires: func(s *entrypay.RiskSignals) { s.Velocity.IP.Count10m = 11 },
			quiet: func(s *entrypay.RiskSignals) { s.Client.IP = ""; s.Velocity.IP.Count10m = 500 },
		},
		{
			rule: "device_velocity", action: "reject", reason: "VELOCITY_DEVICE", base: payment,
			fires: func(s *entrypay.RiskSignals) { s.Velocity.Device.Count10m = 11 },
			quiet: func(s *entrypay.RiskSignals) { s.Velocity.Device.Count10m = 10 },
		},
		{
			rule: "code_burst", action: "review", reason: "VELOCITY_CODE", base: payment,
			fires: func(s *entrypay.RiskSignals) { s.Velocity.Code.Count10m = 31 },
			quiet: func(s *entrypay.RiskSignals) { s.Velocity.Code.Count10m = 30 },
		},
		{
			rule: "blocked_merchant", action: "reject", reason: "BLOCKED_MERCHANT", base: payment,
			fires: func(s *entrypay.RiskSignals) { s.Merchant.ID = "mer_BLOCKED" },
			quiet: func(s *entrypay.RiskSignals) { s.Merchant.ID = "mer_blocked" },
		},
		{
			rule: "blocked_code", action: "reject", reason: "BLOCKED_CODE", base: payment,
			fires: func(s *entrypay.RiskSignals) { s.Code.Value = "EPBLOCKED" },
			quiet: func(s *entrypay.RiskSignals) { s.Code.Value = "EPBLOCKEDX" },
		},
		{
			rule: "blocked_customer", action: "reject", reason: "BLOCKED_CUSTOMER", base: payment,
			fires: func(s *entrypay.RiskSignals) { s.Wallet.CustomerID = "cus_blocked" },
			quiet: func(s *entrypay.RiskSignals) { s.Wallet.CustomerID = "" },
		},
		{
			rule: "blocked_customer", action: "reject", reason: "BLOCKED_CUSTOMER", base: refund,
			fires: func(s *entrypay.RiskSignals) { s.Wallet.CustomerID = "cus_blocked" },
			quiet: func(s *entrypay.RiskSignals) { s.Wallet.CustomerID = "cus_other" },
		},
		{
			rule: "blocked_ip", action: "reject", reason: "BLOCKED_IP", base: payment,
			fires: func(s *entrypay.RiskSignals) { s.Client.IP = "203.0.113.7" },
			quiet: func(s *entrypay.RiskSignals) { s.Client.IP = "203.0.113.70" },
		},
		{
			rule: "blocked_device", action: "reject", reason: "BLOCKED_DEVICE", base: payment,
			fires: func(s *entrypay.RiskSignals) { s.Client.DeviceID = "dev_blocked" },
			quiet: func(s *entrypay.RiskSignals) { s.Client.DeviceID = "" },
		},
		{
			rule: "allowed_customer", action: "allow", reason: "ALLOW_LIST", base: payment,
			fires: func(s *entrypay.RiskSignals) { s.Wallet.CustomerID = "cus_trusted" },
			quiet: func(s *entrypay.RiskSignals) { s.Wallet.CustomerID = "" },
		},
		{
			rule: "allowed_ip", action: "allow", reason: "ALLOW_LIST", base: payment,
			fires: func(s *entrypay.RiskSignals) { s.Client.IP = "192.0.2.1" },
			quiet: func(s *entrypay.RiskSignals) { s.Client.IP = "192.0.2.10" },
		},
		{
			rule: "allowed_device", action: "allow", reason: "ALLOW_LIST", base: payment,
			fires: func(s *entrypay.RiskSignals) { s.Client.DeviceID = "dev_trusted" },
			quiet: func(s *entrypay.RiskSignals) { s.Client.DeviceID = "dev_trusted2" },
		},
		{
			rule: "code_not_active", action: "reject", reason: "CODE_NOT_ACTIVE", base: payment,
			fires: func(s *entrypay.RiskSignals) { s.Code.Status = "REPLACED" },
			// An API payment has no entry code.
			quiet: func(s *entrypay.RiskSignals) { s.Channel = "api"; s.Code = entrypay.RiskCode{} },
		},
		{
			rule: "code_not_active", action: "reject", reason: "CODE_NOT_ACTIVE", base: payment,
			fires: func(s *entrypay.RiskSignals) { s.Code.Status = "DISABLED" },
			quiet: func(s *entrypay.RiskSignals) { s.Code.Status = "ACTIVE" },
		},
		{
			rule: "code_recently_replaced", action: "review", reason: "CODE_RECENTLY_REPLACED", base: payment,
			fires: func(s *entrypay.RiskSignals) { s.Code.IsReplacement = true; s.Code.AgeHours = 23 },
			quiet: func(s *entrypay.RiskSignals) { s.Code.IsReplacement = true; s.Code.AgeHours = 24 },
		},
		{
			rule: "mcc_denied", action: "reject", reason: "MCC_DENIED", base: payment,
			fires: func(s *entrypay.RiskSignals) { s.Merchant.MCC = "7995" },
			quiet: func(s *entrypay.RiskSignals) { s.Merchant.MCC = "7994" },
		},
		{
			rule: "mcc_denied", action: "reject", reason: "MCC_DENIED", base: payment,
			fires: func(s *entrypay.RiskSignals) { s.Store.MCC = "7995" },
			quiet: func(s *entrypay.RiskSignals) { s.Store = entrypay.RiskStore{} },
		},
		{
			rule: "refund_share", action: "review", reason: "REFUND_SHARE", base: refund,
			fires: func(s *entrypay.RiskSignals) {
				s.Refund.MerchantRefunds7d = 350_001
				s.Refund.MerchantVolume7d = 700_000
			},
			quiet: func(s *entrypay.RiskSignals) {
				s.Refund.MerchantRefunds7d = 350_000
				s.Refund.MerchantVolume7d = 700_000
			},
		},
		{
			rule: "unusual_amount", action: "score", reason: "UNUSUAL_AMOUNT", base: payment,
			fires: func(s *entrypay.RiskSignals) { s.SettlementAmount = 100_001 },
			// Too little history to call anything unusual.
			quiet: func(s *entrypay.RiskSignals) { s.SettlementAmount = 100_001; s.Merchant.Count30d = 19 },
		},
		{
			rule: "night_time", action: "score", reason: "NIGHT_TIME", base: payment,
			fires: func(s *entrypay.RiskSignals) { s.Hour = 4 },
			quiet: func(s *entrypay.RiskSignals) { s.Hour = 5 },
		},
	}
	rules := compile(t, configured(t))
	scores := map[string]int{"unusual_amount": 60, "night_time": 10}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			v := evaluate(t, rules, tt.base(tt.fires))
			f, ok := firedRule(v, tt.rule)
			if !ok {
				t.Fatalf("%s did not fire; fired %v", tt.rule, firedNames(v))
			}
			want := entrypay.FiredRule{Name: tt.rule, Action: tt.action, Score: scores[tt.rule], Reason: tt.reason}
			if f != want {
				t.Errorf("fired %+v, want %+v", f, want)
			}
			if got := firedNames(v); len(got) != 1 {
				t.Errorf("fired %v, want only %s", got, tt.rule)
			}
			if v := evaluate(t, rules, tt.base(tt.quiet)); len(v.Fired) != 0 {
				t.Errorf("on the quiet signals, fired %v", firedNames(v))
			}
		})
	}
}

// TestDefaultRulesByKind: payment rules stay out of refunds and the refund rule out of
// payments.
func TestDefaultRulesByKind(t *testing.T) {
	rules := compile(t, configured(t))
	v := evaluate(t, rules, refund(func(s *entrypay.RiskSignals) {
		s.Client.IP = "203.0.113.7"
		s.Velocity.IP.Count10m = 99
		s.Hour = 2
	}))
	if len(v.Fired) != 0 {
		t.Errorf("refund fired payment rules %v", firedNames(v))
	}
	v = evaluate(t, rules, payment(func(s *entrypay.RiskSignals) {
		s.Refund = entrypay.RiskRefund{MerchantRefunds7d: 10, MerchantVolume7d: 0}
	}))
	if slices.Contains(firedNames(v), "refund_share") {
		t.Errorf("payment fired refund_share")
	}
}
