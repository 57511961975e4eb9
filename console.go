package entrypay

import "time"

// Audit actions of the operator console.
const (
	AuditMerchantCreated    = "merchant_created"
	AuditKYBChanged         = "kyb_changed"
	AuditPricingChanged     = "pricing_changed"
	AuditLimitsChanged      = "limits_changed"
	AuditMerchantEnabled    = "merchant_enabled"
	AuditMerchantDisabled   = "merchant_disabled"
	AuditTimeZoneChanged    = "timezone_changed"
	AuditSettlementCurrency = "settlement_currency_changed"
	AuditRatesUploaded      = "fx_rates_uploaded"
)

// WalletStats is what a wallet did over a period: its payments by status, and the calls
// to the wallet side whose outcome was unknown (no answer, a timeout, an unverifiable
// answer), which entrypay then had to resolve by inquiry or retry.
type WalletStats struct {
	Network    string
	Wallet     string
	Processing int
	Success    int
	Fail       int
	Cancelled  int
	NoAnswer   int
}

// Payments is the number of payments counted.
func (s WalletStats) Payments() int { return s.Processing + s.Success + s.Fail + s.Cancelled }

// Add adds o's counts to s.
func (s *WalletStats) Add(o WalletStats) {
	s.Processing += o.Processing
	s.Success += o.Success
	s.Fail += o.Fail
	s.Cancelled += o.Cancelled
	s.NoAnswer += o.NoAnswer
}

// Health thresholds: a network (or wallet) with at least HealthMinPayments payments over
// the period is unhealthy when its failed payments and unknown-outcome calls together
// reach HealthBadPercent of its payments. Fewer payments are too few to judge.
const (
	HealthMinPayments = 10
	HealthBadPercent  = 25
)

// Health says how a network or wallet looks from its stats: "healthy", "unhealthy" or
// "too few payments".
func (s WalletStats) Health() string {
	n := s.Payments()
	switch {
	case n < HealthMinPayments:
		return "too few payments"
	case (s.Fail+s.NoAnswer)*100 >= HealthBadPercent*n:
		return "unhealthy"
	}
	return "healthy"
}

// SuccessPermille is the share of decided payments (SUCCESS or FAIL) that succeeded, in
// thousandths; -1 when none was decided.
func (s WalletStats) SuccessPermille() int {
	decided := s.Success + s.Fail
	if decided == 0 {
		return -1
	}
	return s.Success * 1000 / decided
}

// RateSet is the rates stored together by one upload or import.
type RateSet struct {
	CreatedAt time.Time
	Rates     []Rate
}
