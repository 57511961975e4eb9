package entrypay

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// The operator console's rules: onboarding merchants, their review, pricing, limits,
// time zone and status, and exchange-rate uploads. Every change is made by an operator
// and audited in its own transaction.

// operator refuses anyone but an operator (who belongs to no merchant).
// merchantAudit is the audit entry of an operator's change to a merchant: the merchant is
// its subject and its merchant, so the merchant's own audit log lists it.
func merchantAudit(by *User, action, merchantID, detail string) *AuditEntry {
	a := auditBy(by, time.Time{}, action, merchantID, detail)
	a.MerchantID = merchantID
	return a
}

// OnboardMerchant creates a merchant as CreateMerchant does, for an operator, and
// audits it (merchant_created).
func (g *Gateway) OnboardMerchant(ctx context.Context, by *User, in NewMerchant) (*Merchant, error) {
	if err := asOperator(by); err != nil {
		return nil, err
	}
	return g.createMerchant(ctx, in, merchantAudit(by, AuditMerchantCreated, "", ""))
}

// ConsoleMerchants lists every merchant (not the partner accounts), by name.
func (g *Gateway) ConsoleMerchants(ctx context.Context) ([]*Merchant, error) {
	return g.accounts(ctx, KindMerchant)
}

// accounts lists the accounts of one kind, by name: partners have their own pages.
func (g *Gateway) accounts(ctx context.Context, kind MerchantKind) ([]*Merchant, error) {
	var ms []*Merchant
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		ms, err = tx.Merchants(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	var out []*Merchant
	for _, m := range ms {
		if m.IsPartner() == (kind == KindPartner) {
			out = append(out, m)
		}
	}
	return out, nil
}

// changeMerchant locks a merchant, lets change modify it and, when change names an
// audit action, stores it and the audit entry in one transaction. An action of ""
// means nothing changed: nothing is written.
func (g *Gateway) changeMerchant(ctx context.Context, by *User, id string, change func(tx Tx, m *Merchant) (action, detail string, err error)) (*Merchant, error) {
	if err := asOperator(by); err != nil {
		return nil, err
	}
	now := g.now()
	var m *Merchant
	err := g.cfg.DB.InTx(ctx, func(tx Tx) error {
		var err error
		if m, err = tx.MerchantForUpdate(ctx, id); err != nil {
			return notFound(err, ENotFound, "no merchant %q", clip(id))
		}
		action, detail, err := change(tx, m)
		if err != nil || action == "" {
			return err
		}
		if err := tx.UpdateMerchant(ctx, m); err != nil {
			return err
		}
		a := merchantAudit(by, action, m.ID, detail)
		a.At = now
		return tx.InsertAuditEntry(ctx, a)
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// SetKYB records the outcome of a merchant's KYB review; a rejection needs a note.
func (g *Gateway) SetKYB(ctx context.Context, by *User, id string, status KYBStatus, note string) (*Merchant, error) {
	note = strings.TrimSpace(note)
	switch {
	case !status.Valid():
		return nil, Errorf(EInvalid, "KYB status %q must be pending, approved or rejected", clip(string(status)))
	case status == KYBRejected && note == "":
		return nil, Errorf(EInvalid, "note is required when rejecting: say why")
	case note != "" && !validText(note, 500):
		return nil, Errorf(EInvalid, "note must be at most 500 characters, without control characters")
	}
	return g.changeMerchant(ctx, by, id, func(_ Tx, m *Merchant) (string, string, error) {
		if m.KYBStatus == status && m.KYBNote == note {
			return "", "", nil
		}
		detail := fmt.Sprintf("%s → %s", kybOf(m), status)
		if note != "" {
			detail += ": " + note
		}
		m.KYBStatus, m.KYBNote = status, note
		return AuditKYBChanged, detail, nil
	})
}

// kybOf is a merchant's KYB status; merchants from before the review existed are pending.
func kybOf(m *Merchant) KYBStatus {
	if m.KYBStatus == "" {
		return KYBPending
	}
	return m.KYBStatus
}

// SetSettlementCurrency changes the currency a merchant is paid out in. A fixed fee or
// limits, which are amounts in the old currency, must be removed first.
func (g *Gateway) SetSettlementCurrency(ctx context.Context, by *User, id, currency string) (*Merchant, error) {
	if _, ok := Digits(currency); !ok {
		return nil, Errorf(EInvalid, "settlement currency %q is not an ISO 4217 code", clip(currency))
	}
	return g.changeMerchant(ctx, by, id, func(tx Tx, m *Merchant) (string, string, error) {
		if m.SettlementCurrency == currency {
			return "", "", nil
		}
		pricing, err := pricingOf(ctx, tx, m.ID)
		if err != nil {
			return "", "", err
		}
		if pricing.FixedFee.Value != 0 {
			return "", "", Errorf(EInvalid, "settlement currency: the fixed fee is %s; set it to 0 before changing the currency", pricing.FixedFee)
		}
		if m.MaxPayment != 0 || m.MaxDaily != 0 {
			return "", "", Errorf(EInvalid, "settlement currency: the limits are amounts of %s; clear them before changing the currency", m.SettlementCurrency)
		}
		detail := m.SettlementCurrency + " → " + currency
		m.SettlementCurrency = currency
		return AuditSettlementCurrency, detail, nil
	})
}

// SetPricingAsOperator sets a merchant's pricing as SetPricing does, and audits it
// (pricing_changed).
func (g *Gateway) SetPricingAsOperator(ctx context.Context, by *User, p Pricing) (*Pricing, error) {
	if err := asOperator(by); err != nil {
		return nil, err
	}
	fixed := "none"
	if p.FixedFee.Value != 0 {
		fixed = p.FixedFee.String()
	}
	detail := fmt.Sprintf("discount rate %d bps, fixed fee %s, refunds return the fee: %t, FX spread %d bps", p.DiscountRateBps, fixed, p.RefundFeeReturned, p.FXSpreadBps)
	return g.setPricing(ctx, p, merchantAudit(by, AuditPricingChanged, p.MerchantID, detail))
}

// maxLimit is the largest limit: the largest amount value the API carries (16 digits).
const maxLimit = 9_999_999_999_999_999

// SetLimits sets a merchant's per-payment and daily maximum, in minor units of its
// settlement currency (0: no limit).
func (g *Gateway) SetLimits(ctx context.Context, by *User, id string, maxPayment, maxDaily int64) (*Merchant, error) {
	switch {
	case maxPayment < 0 || maxPayment > maxLimit:
		return nil, Errorf(EInvalid, "per-payment maximum must be between 0 (no limit) and %d minor units", int64(maxLimit))
	case maxDaily < 0 || maxDaily > maxLimit:
		return nil, Errorf(EInvalid, "daily maximum must be between 0 (no limit) and %d minor units", int64(maxLimit))
	case maxPayment > 0 && maxDaily > 0 && maxPayment > maxDaily:
		return nil, Errorf(EInvalid, "per-payment maximum is more than the daily maximum")
	}
	return g.changeMerchant(ctx, by, id, func(_ Tx, m *Merchant) (string, string, error) {
		if m.MaxPayment == maxPayment && m.MaxDaily == maxDaily {
			return "", "", nil
		}
		limit := func(v int64) string {
			if v == 0 {
				return "none"
			}
			return Amount{Value: v, Currency: m.SettlementCurrency}.String()
		}
		detail := fmt.Sprintf("per payment %s (was %s), daily %s (was %s)", limit(maxPayment), limit(m.MaxPayment), limit(maxDaily), limit(m.MaxDaily))
		m.MaxPayment, m.MaxDaily = maxPayment, maxDaily
		return AuditLimitsChanged, detail, nil
	})
}

// SetTimeZone sets a merchant's time zone, an IANA name.
func (g *Gateway) SetTimeZone(ctx context.Context, by *User, id, name string) (*Merchant, error) {
	if err := CheckTimeZone(name); err != nil {
		return nil, err
	}
	return g.changeMerchant(ctx, by, id, func(_ Tx, m *Merchant) (string, string, error) {
		if m.TimeZone == name {
			return "", "", nil
		}
		detail := firstNonEmpty(m.TimeZone, "UTC") + " → " + name
		m.TimeZone = name
		return AuditTimeZoneChanged, detail, nil
	})
}

// SetMerchantEnabled enables or disables a merchant. A disabled merchant's API calls
// and payments are refused with INVALID_MERCHANT_STATUS.
func (g *Gateway) SetMerchantEnabled(ctx context.Context, by *User, id string, enabled bool, reason string) (*Merchant, error) {
	reason = strings.TrimSpace(reason)
	if reason != "" && !validText(reason, 500) {
		return nil, Errorf(EInvalid, "reason must be at most 500 characters, without control characters")
	}
	return g.changeMerchant(ctx, by, id, func(_ Tx, m *Merchant) (string, string, error) {
		if m.Disabled == !enabled {
			return "", "", nil
		}
		m.Disabled = !enabled
		if enabled {
			return AuditMerchantEnabled, reason, nil
		}
		return AuditMerchantDisabled, reason, nil
	})
}

// UploadRates stores a set of exchange rates as AddRates does (all or none), for an
// operator, and audits it (fx_rates_uploaded).
func (g *Gateway) UploadRates(ctx context.Context, by *User, rates []Rate) error {
	if err := asOperator(by); err != nil {
		return err
	}
	if len(rates) == 0 {
		return Errorf(EInvalid, "rates: there are none")
	}
	pairs := make([]string, 0, len(rates))
	for i, r := range rates {
		if i == 20 {
			pairs = append(pairs, fmt.Sprintf("and %d more", len(rates)-i))
			break
		}
		pairs = append(pairs, r.Pair()+" "+clip(r.Price))
	}
	detail := fmt.Sprintf("%d rates: %s", len(rates), strings.Join(pairs, ", "))
	return g.addRates(ctx, rates, merchantAudit(by, AuditRatesUploaded, "", detail))
}

// RateSets returns the newest limit sets of stored rates, newest first. Rates are never
// overwritten: every set stays, and the newest rate of each pair is the one in force.
func (g *Gateway) RateSets(ctx context.Context, limit int) ([]RateSet, error) {
	var out []RateSet
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		out, err = tx.RateSets(ctx, limit)
		return err
	})
	return out, err
}

// WalletStats counts payments by network, wallet and status, and the wallet calls with
// an unknown outcome, over [from, to).
func (g *Gateway) WalletStats(ctx context.Context, from, to time.Time) ([]WalletStats, error) {
	var out []WalletStats
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		out, err = tx.WalletStats(ctx, from, to)
		return err
	})
	return out, err
}

// checkLimits refuses a new payment that would take the merchant over its per-payment
// or daily maximum. With a daily maximum the merchant's row is locked, so that
// concurrent payments are counted one after the other.
func (g *Gateway) checkLimits(ctx context.Context, tx Tx, m *Merchant, p *Payment, now time.Time) error {
	if m.MaxPayment == 0 && m.MaxDaily == 0 {
		return nil
	}
	if m.MaxDaily > 0 {
		cur, err := tx.MerchantForUpdate(ctx, m.ID)
		if err != nil {
			return err
		}
		if cur.Disabled {
			return merchantDisabled(cur)
		}
		m = cur
	}
	value, err := g.inSettlementCurrency(ctx, tx, m, p, now)
	if err != nil {
		return err
	}
	limit := func(v int64) Amount { return Amount{Value: v, Currency: m.SettlementCurrency} }
	if m.MaxPayment > 0 && value > m.MaxPayment {
		return Errorf(EAmountLimit, "paymentAmount %s is over the merchant's limit of %s a payment", p.Amount, limit(m.MaxPayment))
	}
	if m.MaxDaily == 0 {
		return nil
	}
	from := startOfDay(now, m.Location())
	used, err := tx.SettlementVolume(ctx, m.ID, m.SettlementCurrency, from, from.AddDate(0, 0, 1))
	if err != nil {
		return err
	}
	if used+value > m.MaxDaily {
		return Errorf(EAmountLimit, "paymentAmount %s would take today's payments over the merchant's daily limit of %s", p.Amount, limit(m.MaxDaily))
	}
	return nil
}

// inSettlementCurrency is the payment's value in the merchant's settlement currency, in
// which its limits are set: the settlement amount, or a conversion at the newest rate
// (no spread) when the request asked for another settlement currency.
func (g *Gateway) inSettlementCurrency(ctx context.Context, tx Tx, m *Merchant, p *Payment, now time.Time) (int64, error) {
	switch m.SettlementCurrency {
	case p.SettlementAmount.Currency:
		return p.SettlementAmount.Value, nil
	case p.Amount.Currency:
		return p.Amount.Value, nil
	}
	fail := func(err error) error {
		return &Error{Code: ECurrencyNotSupported, Message: fmt.Sprintf("no exchange rate from %s to %s to check the merchant's limits", p.Amount.Currency, m.SettlementCurrency), Err: err}
	}
	if g.cfg.FX == nil {
		return 0, fail(nil)
	}
	rates, err := tx.LatestRates(ctx)
	if err != nil {
		return 0, err
	}
	q, err := g.cfg.FX.Quote(rates, p.Amount.Currency, m.SettlementCurrency, 0, now)
	if err != nil {
		return 0, fail(err)
	}
	a, err := g.cfg.FX.Convert(p.Amount, q)
	if err != nil {
		return 0, fail(err)
	}
	return a.Value, nil
}

// merchantDisabled is the refusal of a disabled merchant's calls.
func merchantDisabled(m *Merchant) error {
	return Errorf(EMerchantStatus, "merchant %s is disabled and cannot take payments; contact entrypay", m.ClientID)
}
