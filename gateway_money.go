package entrypay

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// fx is the configured decimal arithmetic; money movements need it.
func (g *Gateway) fx() (FX, error) {
	if g.cfg.FX == nil {
		return nil, errors.New("gateway has no FX engine configured")
	}
	return g.cfg.FX, nil
}

// pricingOf returns the merchant's pricing, or none (no fees, no spread).
func pricingOf(ctx context.Context, tx Tx, merchantID string) (*Pricing, error) {
	p, err := tx.Pricing(ctx, merchantID)
	if errors.Is(err, ErrNotFound) {
		return &Pricing{MerchantID: merchantID}, nil
	}
	return p, err
}

// lockSettlement takes the settlement quote of a new payment when the merchant is
// settled in another currency: guaranteed until the payment expires, it becomes the
// payment's settlement rate when the payment succeeds.
func (g *Gateway) lockSettlement(ctx context.Context, tx Tx, p *Payment, now time.Time) error {
	if p.SettlementCurrency == p.Amount.Currency {
		p.SettlementAmount, p.SettlementQuote = p.Amount, nil
		return nil
	}
	if g.cfg.FX == nil {
		return Errorf(ECurrencyNotSupported, "no conversion from %s to the settlement currency %s is configured", p.Amount.Currency, p.SettlementCurrency)
	}
	pricing, err := pricingOf(ctx, tx, p.MerchantID)
	if err != nil {
		return err
	}
	rates, err := tx.LatestRates(ctx)
	if err != nil {
		return err
	}
	q, err := g.cfg.FX.Quote(rates, p.Amount.Currency, p.SettlementCurrency, pricing.FXSpreadBps, now)
	if err != nil {
		return &Error{Code: ECurrencyNotSupported, Message: fmt.Sprintf("no exchange rate from %s to the settlement currency %s", p.Amount.Currency, p.SettlementCurrency), Err: err}
	}
	if q.Expiry.Before(p.ExpiresAt) {
		q.Expiry = p.ExpiresAt
	}
	q.Start, q.Expiry = q.Start.UTC().Truncate(time.Microsecond), q.Expiry.UTC().Truncate(time.Microsecond)
	amount, err := g.cfg.FX.Convert(p.Amount, q)
	if err != nil {
		return err
	}
	p.SettlementQuote, p.SettlementAmount = q, amount
	return nil
}

// booking is where an entry goes: the clearing day of the event (the time the wallet side
// gives, so that both sides put a transaction on the same day) and the merchant's
// settlement batch of that day, created with the day's first entry. An event reported
// after its day was closed goes to the current day.
func (g *Gateway) booking(ctx context.Context, tx Tx, merchantID, currency string, at, now time.Time) (date, batchID string, err error) {
	if at.IsZero() || at.After(now) {
		at = now
	}
	for _, t := range []time.Time{at, now} {
		date = g.cfg.Clearing.Date(t)
		batchID = BatchID(merchantID, currency, date)
		b, err := tx.Batch(ctx, batchID, false)
		switch {
		case errors.Is(err, ErrNotFound):
			value, err := g.cfg.Clearing.ValueDate(date)
			if err != nil {
				return "", "", err
			}
			return date, batchID, tx.EnsureBatch(ctx, &SettlementBatch{
				ID: batchID, MerchantID: merchantID, Currency: currency, ClearingDate: date, ValueDate: value,
				Status: BatchOpen, CreatedAt: now,
			})
		case err != nil:
			return "", "", err
		case b.Status == BatchOpen:
			return date, batchID, nil
		}
	}
	return "", "", fmt.Errorf("settlement batch %s of today is already closed", batchID)
}

// postAll books entries in one clearing day and batch.
func (g *Gateway) postAll(ctx context.Context, tx Tx, merchantID, currency, paymentID, refundID string, at, now time.Time, entries ...*JournalEntry) error {
	date, batchID, err := g.booking(ctx, tx, merchantID, currency, at, now)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e == nil {
			continue
		}
		e.ClearingDate, e.BatchID = date, batchID
		if err := g.post(ctx, tx, e, paymentID, refundID, now); err != nil {
			return err
		}
	}
	return nil
}

// bookPayment records a payment's success: the wallet side owes its amount, the merchant
// is owed its settlement amount at the locked quote, less entrypay's fee.
func (g *Gateway) bookPayment(ctx context.Context, tx Tx, p *Payment, now time.Time) error {
	pricing, err := pricingOf(ctx, tx, p.MerchantID)
	if err != nil {
		return err
	}
	settled := p.SettlementAmount
	if settled == (Amount{}) {
		settled = p.Amount // payments created before settlement amounts existed
	}
	fixed := pricing.FixedFee
	if fixed.Currency != settled.Currency {
		fixed = Amount{}
	}
	fx, err := g.fx()
	if err != nil {
		return err
	}
	if p.Fee, err = fx.Fee(settled, pricing.DiscountRateBps, fixed); err != nil {
		return err
	}
	m := merchantPayable(p.MerchantID)
	entries := []*JournalEntry{entry(EntryPayment, debit(walletReceivable(p.Network), p.Amount), credit(m, p.Amount))}
	if settled.Currency != p.Amount.Currency {
		entries = append(entries, entry(EntryConversion,
			debit(m, p.Amount), credit(AccountFXPosition, p.Amount),
			debit(AccountFXPosition, settled), credit(m, settled)))
	}
	if p.Fee.Value > 0 {
		entries = append(entries, entry(EntryFee, debit(m, p.Fee), credit(AccountFeeRevenue, p.Fee)))
	}
	return g.postAll(ctx, tx, p.MerchantID, settled.Currency, p.ID, "", p.PaidAt, now, entries...)
}

// reverseBooking undoes everything booked for a paid payment, for a cancel.
func (g *Gateway) reverseBooking(ctx context.Context, tx Tx, p *Payment, now time.Time) error {
	booked, err := tx.JournalEntries(ctx, p.ID)
	if err != nil {
		return err
	}
	rev := &JournalEntry{Kind: EntryCancelReversal}
	for _, e := range booked {
		switch e.Kind {
		case EntryPayment, EntryConversion, EntryFee:
			rev.Postings = append(rev.Postings, reversed("", e).Postings...)
		}
	}
	if len(rev.Postings) == 0 {
		return fmt.Errorf("cancel of %s: nothing was booked", p.ID)
	}
	currency := p.SettlementAmount.Currency
	if currency == "" {
		currency = p.Amount.Currency
	}
	return g.postAll(ctx, tx, p.MerchantID, currency, p.ID, "", now, now, rev)
}

// priceRefund fixes a new refund's settlement amount and returned fee: cumulative shares
// of the payment's, so that refunds that add up to the payment take back exactly its
// settlement amount and fee.
func (g *Gateway) priceRefund(ctx context.Context, tx Tx, p *Payment, r *Refund, before int64) error {
	settled := p.SettlementAmount
	if settled == (Amount{}) {
		settled = p.Amount
	}
	fx, err := g.fx()
	if err != nil {
		return err
	}
	cut := func(a Amount) (Amount, error) {
		if a.Value == 0 {
			return a, nil
		}
		hi, err := fx.Share(a, before+r.Amount.Value, p.Amount.Value)
		if err != nil {
			return Amount{}, err
		}
		lo, err := fx.Share(a, before, p.Amount.Value)
		if err != nil {
			return Amount{}, err
		}
		return Amount{Value: hi.Value - lo.Value, Currency: a.Currency}, nil
	}
	if r.SettlementAmount, err = cut(settled); err != nil {
		return err
	}
	pricing, err := pricingOf(ctx, tx, p.MerchantID)
	if err != nil {
		return err
	}
	r.FeeReturned = Amount{Currency: settled.Currency}
	if pricing.RefundFeeReturned && p.Fee.Value > 0 {
		if r.FeeReturned, err = cut(p.Fee); err != nil {
			return err
		}
	}
	return nil
}

// reserveRefund sets the refund's settlement amount aside from what the merchant is owed
// while the wallet side does the refund.
func (g *Gateway) reserveRefund(ctx context.Context, tx Tx, p *Payment, r *Refund, now time.Time) error {
	if r.SettlementAmount.Value == 0 {
		return nil
	}
	e := entry(EntryRefundReserve, debit(merchantPayable(p.MerchantID), r.SettlementAmount), credit(AccountRefundsInTransit(p.Network), r.SettlementAmount))
	return g.postAll(ctx, tx, p.MerchantID, r.SettlementAmount.Currency, p.ID, r.ID, now, now, e)
}

// bookRefund records a refund the wallet side has done: the reserved amount leaves, the
// wallet side owes that much less, and the fee share goes back to the merchant.
func (g *Gateway) bookRefund(ctx context.Context, tx Tx, p *Payment, r *Refund, now time.Time) error {
	transit := AccountRefundsInTransit(p.Network)
	var e *JournalEntry
	switch {
	case r.SettlementAmount.Value == 0:
		// Nothing was reserved (a refund too small to move the settlement amount): the
		// wallet side's refund comes out of entrypay's currency position.
		e = entry(EntryRefund, debit(AccountFXPosition, r.Amount), credit(walletReceivable(p.Network), r.Amount))
	case r.SettlementAmount.Currency == r.Amount.Currency:
		e = entry(EntryRefund, debit(transit, r.Amount), credit(walletReceivable(p.Network), r.Amount))
	default:
		e = entry(EntryRefund,
			debit(transit, r.SettlementAmount), credit(AccountFXPosition, r.SettlementAmount),
			debit(AccountFXPosition, r.Amount), credit(walletReceivable(p.Network), r.Amount))
	}
	var feeBack *JournalEntry
	if r.FeeReturned.Value > 0 {
		feeBack = entry(EntryFeeReturn, debit(AccountFeeRevenue, r.FeeReturned), credit(merchantPayable(p.MerchantID), r.FeeReturned))
	}
	currency := r.SettlementAmount.Currency
	if currency == "" {
		currency = r.Amount.Currency
	}
	return g.postAll(ctx, tx, p.MerchantID, currency, p.ID, r.ID, r.RefundedAt, now, e, feeBack)
}

// releaseRefund gives a failed refund's reserved amount back to the merchant.
func (g *Gateway) releaseRefund(ctx context.Context, tx Tx, p *Payment, r *Refund, now time.Time) error {
	if r.SettlementAmount.Value == 0 {
		return nil
	}
	e := entry(EntryRefundRelease, debit(AccountRefundsInTransit(p.Network), r.SettlementAmount), credit(merchantPayable(p.MerchantID), r.SettlementAmount))
	return g.postAll(ctx, tx, p.MerchantID, r.SettlementAmount.Currency, p.ID, r.ID, now, now, e)
}

// SetPricing sets what a merchant pays: discount rate and fixed fee on payments, whether
// refunds give the rate back, and the FX spread.
func (g *Gateway) SetPricing(ctx context.Context, p Pricing) (*Pricing, error) {
	return g.setPricing(ctx, p, nil)
}

// setPricing is SetPricing that also writes audit, when given, in the same transaction.
func (g *Gateway) setPricing(ctx context.Context, p Pricing, audit *AuditEntry) (*Pricing, error) {
	switch {
	case p.DiscountRateBps < 0 || p.DiscountRateBps > 10000:
		return nil, Errorf(EInvalid, "discount rate %d bps must be between 0 and 10000", p.DiscountRateBps)
	case p.FXSpreadBps < 0 || p.FXSpreadBps > 5000:
		return nil, Errorf(EInvalid, "FX spread %d bps must be between 0 and 5000", p.FXSpreadBps)
	case p.FixedFee.Value < 0:
		return nil, Errorf(EInvalid, "fixed fee must not be negative")
	}
	err := g.cfg.DB.InTx(ctx, func(tx Tx) error {
		m, err := tx.Merchant(ctx, p.MerchantID)
		if err != nil {
			return notFound(err, EInvalid, "merchant %q does not exist", clip(p.MerchantID))
		}
		if p.FixedFee.Value != 0 && p.FixedFee.Currency != m.SettlementCurrency {
			return Errorf(EInvalid, "fixed fee must be in the settlement currency %s", m.SettlementCurrency)
		}
		if p.FixedFee.Value == 0 {
			p.FixedFee = Amount{}
		}
		p.UpdatedAt = g.now()
		if err := tx.PutPricing(ctx, &p); err != nil {
			return err
		}
		if audit == nil {
			return nil
		}
		audit.At = p.UpdatedAt
		return tx.InsertAuditEntry(ctx, audit)
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// PricingOf returns a merchant's pricing (none set: no fees, no spread).
func (g *Gateway) PricingOf(ctx context.Context, merchantID string) (*Pricing, error) {
	var p *Pricing
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		p, err = pricingOf(ctx, tx, merchantID)
		return err
	})
	return p, err
}

// AddRates stores exchange rates from any source; the newest rate of a pair is used.
// Every rate is checked first, and one bad rate stores none.
func (g *Gateway) AddRates(ctx context.Context, rates []Rate) error {
	return g.addRates(ctx, rates, nil)
}

// addRates is AddRates that also writes audit, when given, in the same transaction.
func (g *Gateway) addRates(ctx context.Context, rates []Rate, audit *AuditEntry) error {
	now := g.now()
	for i := range rates {
		r := &rates[i]
		if _, ok := Digits(r.Base); !ok {
			return Errorf(EInvalid, "rate %d: base %q is not an ISO 4217 code", i+1, clip(r.Base))
		}
		if _, ok := Digits(r.Quote); !ok {
			return Errorf(EInvalid, "rate %d: quote %q is not an ISO 4217 code", i+1, clip(r.Quote))
		}
		if r.Base == r.Quote {
			return Errorf(EInvalid, "rate %d: %s/%s converts a currency to itself", i+1, r.Base, r.Quote)
		}
		if !positiveDecimal(r.Price) {
			return Errorf(EInvalid, "rate %d (%s): price %q must be a positive decimal", i+1, r.Pair(), clip(r.Price))
		}
		if r.AsOf.IsZero() {
			r.AsOf = now
		}
		r.AsOf = r.AsOf.UTC().Truncate(time.Microsecond)
		r.CreatedAt = now
	}
	return g.cfg.DB.InTx(ctx, func(tx Tx) error {
		if err := tx.InsertRates(ctx, rates); err != nil {
			return err
		}
		if audit == nil {
			return nil
		}
		audit.At = now
		return tx.InsertAuditEntry(ctx, audit)
	})
}

// Rates returns the rates in force: the newest of every pair.
func (g *Gateway) Rates(ctx context.Context) ([]Rate, error) {
	var out []Rate
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		out, err = tx.LatestRates(ctx)
		return err
	})
	return out, err
}

// positiveDecimal accepts plain decimals greater than zero: "7.8", "0.0125".
func positiveDecimal(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	dot, nonzero := false, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '1' && c <= '9':
			nonzero = true
		case c == '0':
		case c == '.' && !dot && i > 0 && i < len(s)-1:
			dot = true
		default:
			return false
		}
	}
	return nonzero
}
