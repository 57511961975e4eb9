// Package fx does entrypay's currency arithmetic: it prices conversions from reference
// rates, converts amounts at a quoted price, and splits and charges amounts, all in
// decimals (never floats) and rounding half-even, with IDR rounded to whole rupiah. It
// also reads and writes the rate sources an operator feeds in: a CSV rates file and the
// ECB's daily reference rates.
//
// Engine implements entrypay.FX. The caller stores rates and quotes; this package keeps
// no state and does no I/O beyond the readers and writers it is given.
package fx

import (
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"
	"github.com/entrypay/entrypay"
)

// DefaultQuoteLifetime is how long a quote stays valid when Config does not say.
const DefaultQuoteLifetime = 10 * time.Minute

const (
	// pricePlaces is how many decimal places a quote's price carries. The merchant sees
	// this price, and Convert uses exactly it, so every conversion can be checked by hand.
	pricePlaces = 8
	// maxSpreadBps caps the spread at 50 %: anything above is a typing error, not pricing.
	maxSpreadBps = 5000
	// maxRateDigits bounds a rate's significant digits and decimal places; reference
	// rates carry 4 to 10, so 20 leaves room while keeping products well inside 34 digits.
	maxRateDigits = 20
	// maxQuoteDigits bounds a quote price given to Convert, which may come from elsewhere
	// (a stored quote, a network's settlementQuote) and so gets decimal128's full width.
	maxQuoteDigits = 34
)

// defaultPivots are the currencies most reference rates are published against: USD for
// the operator's own rates, EUR for the ECB's.
var defaultPivots = []string{"USD", "EUR"}

// rateCtx prices quotes: 34 significant digits (decimal128) and banker's rounding, as
// payment networks round.
var rateCtx = func() *apd.Context {
	c := apd.BaseContext.WithPrecision(34)
	c.Rounding = apd.RoundHalfEven
	return c
}()

// exactCtx converts amounts. Its precision exceeds any int64 (19 digits) times any quote
// price (34 digits), so the product is exact and the only rounding is the final one to
// the currency's minor unit; rounding twice could turn a …49 into a …5 and then round up.
var exactCtx = func() *apd.Context {
	c := apd.BaseContext.WithPrecision(64)
	c.Rounding = apd.RoundHalfEven
	return c
}()

// Config sets up an Engine. The zero Config gives the defaults.
type Config struct {
	// QuoteLifetime is how long a quote is valid from the moment it is given. Zero means
	// DefaultQuoteLifetime.
	QuoteLifetime time.Duration
	// Pivots are the currencies tried, in order, to cross two currencies that have no
	// rate between them. Nil means USD then EUR; an empty, non-nil slice turns crossing off.
	Pivots []string
}

// Engine implements entrypay.FX. Its zero value uses the defaults of Config; an Engine
// is never changed after New, so one can serve any number of goroutines.
type Engine struct {
	lifetime time.Duration
	pivots   []string
}

var _ entrypay.FX = (*Engine)(nil)

// New returns an Engine configured by c. It refuses a negative lifetime and pivots that
// are not ISO 4217 currency codes.
func New(c Config) (*Engine, error) {
	if c.QuoteLifetime < 0 {
		return nil, fmt.Errorf("fx: quote lifetime %v is negative", c.QuoteLifetime)
	}
	e := &Engine{lifetime: c.QuoteLifetime}
	if c.Pivots != nil {
		e.pivots = make([]string, 0, len(c.Pivots))
		for _, p := range c.Pivots {
			if _, ok := entrypay.Digits(p); !ok {
				return nil, fmt.Errorf("fx: pivot %q is not an ISO 4217 currency code", p)
			}
			e.pivots = append(e.pivots, p)
		}
	}
	return e, nil
}

func (e *Engine) quoteLifetime() time.Duration {
	if e == nil || e.lifetime == 0 {
		return DefaultQuoteLifetime
	}
	return e.lifetime
}

func (e *Engine) pivotList() []string {
	if e == nil || e.pivots == nil {
		return defaultPivots
	}
	return e.pivots
}

// Quote prices a conversion of from into to: the quote's price is how many units of to
// one unit of from buys, rounded half-even to 8 decimal places and written plainly
// ("0.12820513", "7.8", "1").
//
// The mid rate comes from the newest rate (by AsOf, then CreatedAt; on a full tie the
// later one in rates) of each ordered pair. Quote looks for, in this order:
//
//   - a rate between from and to: from/to as it is, or to/from inverted; when both
//     exist the newer one is used, the direct one on a tie;
//   - a cross across one of the engine's pivots P: from→P then P→to, each leg found the
//     same way. Among the pivots that work, the one whose older leg is newest wins, so a
//     stale leg never hides behind a fresh one; on a tie the earlier pivot wins.
//
// A direct or inverse rate always beats a cross, however old, because an operator who
// sets a rate for a pair means it. Rates that no path uses are not looked at.
//
// The merchant is paid in to, so the spread lowers the price: price = mid × (1 −
// spreadBps/10000), computed at 34 significant digits, then rounded half-even to 8 places.
// spreadBps must be 0..5000. When from equals to the price is "1" and no spread applies.
//
// Errors are *entrypay.Error naming the pair: ECurrencyNotSupported for an unknown
// currency, for no rate path, and for a price that rounds to zero at 8 places;
// EInvalid for a bad spread or a rate whose price is not a positive plain decimal.
func (e *Engine) Quote(rates []entrypay.Rate, from, to string, spreadBps int64, now time.Time) (*entrypay.Quote, error) {
	pair := from + "/" + to
	for _, code := range []string{from, to} {
		if _, ok := entrypay.Digits(code); !ok {
			return nil, entrypay.Errorf(entrypay.ECurrencyNotSupported, "quote %s: %q is not an ISO 4217 currency code", pair, code)
		}
	}
	if spreadBps < 0 || spreadBps > maxSpreadBps {
		return nil, entrypay.Errorf(entrypay.EInvalid, "quote %s: spread %d bps is outside 0..%d", pair, spreadBps, maxSpreadBps)
	}
	price := "1"
	if from != to {
		mid, err := e.mid(newestRates(rates), from, to)
		if err != nil {
			return nil, err
		}
		p, err := applySpread(mid, spreadBps)
		if err != nil {
			return nil, entrypay.Errorf(entrypay.ECurrencyNotSupported, "quote %s: price %s cannot be written with %d decimal places", pair, mid.Text('g'), pricePlaces)
		}
		if p.IsZero() {
			return nil, entrypay.Errorf(entrypay.ECurrencyNotSupported, "quote %s: price %s rounds to zero at %d decimal places; quote %s/%s instead", pair, mid.Text('g'), pricePlaces, to, from)
		}
		price = p.Text('f')
	}
	return &entrypay.Quote{
		ID:         entrypay.NewID("qt_", now),
		Pair:       pair,
		Price:      price,
		Start:      now,
		Expiry:     now.Add(e.quoteLifetime()),
		Guaranteed: true,
	}, nil
}

// applySpread returns mid × (10000 − spreadBps) / 10000 rounded half-even to
// pricePlaces, without trailing zeros.
func applySpread(mid *apd.Decimal, spreadBps int64) (*apd.Decimal, error) {
	p := new(apd.Decimal)
	// (10000 − s)/10000 is exact as a decimal: coefficient 10000 − s, exponent −4.
	if _, err := rateCtx.Mul(p, mid, apd.New(10000-spreadBps, -4)); err != nil {
		return nil, err
	}
	if _, err := rateCtx.Quantize(p, p, -pricePlaces); err != nil {
		return nil, err
	}
	p.Reduce(p)
	return p, nil
}

// pairKey is an ordered currency pair.
type pairKey struct{ base, quote string }

// newestRates keeps the newest rate of each ordered pair.
func newestRates(rates []entrypay.Rate) map[pairKey]entrypay.Rate {
	m := make(map[pairKey]entrypay.Rate, len(rates))
	for _, r := range rates {
		k := pairKey{r.Base, r.Quote}
		if old, ok := m[k]; !ok || !newer(old, r) {
			m[k] = r
		}
	}
	return m
}

// newer reports whether a is strictly newer than b.
func newer(a, b entrypay.Rate) bool {
	if !a.AsOf.Equal(b.AsOf) {
		return a.AsOf.After(b.AsOf)
	}
	return a.CreatedAt.After(b.CreatedAt)
}

// leg is one step of a rate path: a stored rate, used as it is or inverted.
type leg struct {
	rate    entrypay.Rate
	inverse bool
}

// findLeg finds the rate that prices a in b.
func findLeg(newest map[pairKey]entrypay.Rate, a, b string) (leg, bool) {
	d, okd := newest[pairKey{a, b}]
	i, oki := newest[pairKey{b, a}]
	switch {
	case okd && oki && newer(i, d):
		return leg{i, true}, true
	case okd:
		return leg{d, false}, true
	case oki:
		return leg{i, true}, true
	}
	return leg{}, false
}

// mid finds the path from from to to and multiplies along it.
func (e *Engine) mid(newest map[pairKey]entrypay.Rate, from, to string) (*apd.Decimal, error) {
	pair := from + "/" + to
	if l, ok := findLeg(newest, from, to); ok {
		return l.value(pair)
	}
	var best []leg
	var bestOlder entrypay.Rate
	for _, p := range e.pivotList() {
		if p == from || p == to {
			continue
		}
		l1, ok1 := findLeg(newest, from, p)
		l2, ok2 := findLeg(newest, p, to)
		if !ok1 || !ok2 {
			continue
		}
		older := l1.rate
		if newer(older, l2.rate) {
			older = l2.rate
		}
		if best == nil || newer(older, bestOlder) {
			best, bestOlder = []leg{l1, l2}, older
		}
	}
	if best == nil {
		return nil, entrypay.Errorf(entrypay.ECurrencyNotSupported, "quote %s: no rate between %s and %s, directly or across %s", pair, from, to, strings.Join(e.pivotList(), " or "))
	}
	v1, err := best[0].value(pair)
	if err != nil {
		return nil, err
	}
	v2, err := best[1].value(pair)
	if err != nil {
		return nil, err
	}
	m := new(apd.Decimal)
	if _, err := rateCtx.Mul(m, v1, v2); err != nil {
		return nil, entrypay.Errorf(entrypay.ECurrencyNotSupported, "quote %s: cross rate out of range: %v", pair, err)
	}
	return m, nil
}

// value returns the leg's price, inverted when the rate runs the other way.
func (l leg) value(pair string) (*apd.Decimal, error) {
	p, err := parsePrice(l.rate.Price, maxRateDigits)
	if err != nil {
		return nil, entrypay.Errorf(entrypay.EInvalid, "quote %s: rate %s (source %q) price %q %v", pair, l.rate.Pair(), l.rate.Source, clip(l.rate.Price), err)
	}
	if !l.inverse {
		return p, nil
	}
	inv := new(apd.Decimal)
	if _, err := rateCtx.Quo(inv, apd.New(1, 0), p); err != nil {
		return nil, entrypay.Errorf(entrypay.EInvalid, "quote %s: inverting rate %s: %v", pair, l.rate.Pair(), err)
	}
	return inv, nil
}

// Convert converts a at q's price into q's second currency: a in major units × price,
// rounded half-even to the target currency's minor unit, and for IDR to a whole rupiah
// (a value ending in 00). It uses q.Price exactly as written, so anyone holding the quote
// can reproduce the result. a must be in q's first currency; its value may have any
// sign. Convert does not look at q's expiry: whether a quote may still be used is the
// caller's decision.
//
// Errors are *entrypay.Error: EInvalid for a nil quote, a malformed pair or price, an
// amount in the wrong currency, an IDR amount not ending in 00, or a result beyond int64.
func (e *Engine) Convert(a entrypay.Amount, q *entrypay.Quote) (entrypay.Amount, error) {
	if q == nil {
		return entrypay.Amount{}, entrypay.Errorf(entrypay.EInvalid, "convert %s: no quote", show(a))
	}
	base, target, ok := strings.Cut(q.Pair, "/")
	db, okb := entrypay.Digits(base)
	dt, okt := entrypay.Digits(target)
	if !ok || !okb || !okt {
		return entrypay.Amount{}, entrypay.Errorf(entrypay.EInvalid, "convert with quote %s: pair %q is not BASE/QUOTE in ISO 4217 codes", q.ID, clip(q.Pair))
	}
	if a.Currency != base {
		return entrypay.Amount{}, entrypay.Errorf(entrypay.EInvalid, "convert %d %s with quote %s (%s): the amount must be in %s", a.Value, clip(a.Currency), q.ID, q.Pair, base)
	}
	if _, err := unitOf(a); err != nil {
		return entrypay.Amount{}, err
	}
	price, err := parsePrice(q.Price, maxQuoteDigits)
	if err != nil {
		return entrypay.Amount{}, entrypay.Errorf(entrypay.EInvalid, "convert with quote %s (%s): price %q %v", q.ID, q.Pair, clip(q.Price), err)
	}
	// a.Value minor units of base are a.Value × 10^−db major units; in minor units of
	// the target that is a.Value × price × 10^(dt−db).
	x := apd.New(a.Value, int32(dt-db))
	res, err := exactCtx.Mul(x, x, price)
	if err != nil || res.Inexact() {
		return entrypay.Amount{}, entrypay.Errorf(entrypay.EInvalid, "convert %s at %s (%s): result out of range", a, q.Price, q.Pair)
	}
	v, err := roundToUnit(x, target)
	if err != nil {
		return entrypay.Amount{}, entrypay.Errorf(entrypay.EInvalid, "convert %s at %s (%s): result does not fit in minor units of %s", a, q.Price, q.Pair, target)
	}
	return entrypay.Amount{Value: v, Currency: target}, nil
}

// roundToUnit rounds x, in minor units of code, half-even to an integer, or for IDR to a
// multiple of 100, and returns it as an int64.
func roundToUnit(x *apd.Decimal, code string) (int64, error) {
	exp := int32(0)
	if code == "IDR" {
		exp = 2
	}
	if _, err := exactCtx.Quantize(x, x, exp); err != nil {
		return 0, err
	}
	return x.Int64()
}

// Share returns part/whole of a: a × part ÷ whole, rounded half-even to a's minor unit
// (for IDR to a multiple of 100), computed exactly. Share(a, whole, whole) is a and
// Share(a, 0, whole) is zero, so shares of running totals telescope: for cumulative
// parts 0 = c0 ≤ c1 ≤ … ≤ cn = whole, the differences Share(a, ci, whole) −
// Share(a, ci−1, whole) add up to a exactly. Split a refund or a settlement that way and
// no cent is lost or made, which rounding each part on its own cannot promise.
//
// whole must be positive and part within 0..whole; a's currency must be known, and an
// IDR amount must end in 00. Errors are *entrypay.Error with EInvalid or
// ECurrencyNotSupported.
func (e *Engine) Share(a entrypay.Amount, part, whole int64) (entrypay.Amount, error) {
	if whole <= 0 || part < 0 || part > whole {
		return entrypay.Amount{}, entrypay.Errorf(entrypay.EInvalid, "share %d/%d of %s: need whole > 0 and 0 ≤ part ≤ whole", part, whole, show(a))
	}
	unit, err := unitOf(a)
	if err != nil {
		return entrypay.Amount{}, err
	}
	return entrypay.Amount{Value: mulDivHalfEven(a.Value/unit, part, whole) * unit, Currency: a.Currency}, nil
}

// Fee returns bps basis points of a, rounded half-even to a's minor unit (for IDR to a
// multiple of 100), plus fixed. bps must be 0..10000. fixed must be zero (of any or no
// currency) or a non-negative amount in a's currency. The rate part has a's sign, so a
// negative amount gives a negative rate part.
//
// Errors are *entrypay.Error with EInvalid or ECurrencyNotSupported.
func (e *Engine) Fee(a entrypay.Amount, bps int64, fixed entrypay.Amount) (entrypay.Amount, error) {
	if bps < 0 || bps > 10000 {
		return entrypay.Amount{}, entrypay.Errorf(entrypay.EInvalid, "fee on %s: rate %d bps is outside 0..10000", show(a), bps)
	}
	unit, err := unitOf(a)
	if err != nil {
		return entrypay.Amount{}, err
	}
	if fixed.Value != 0 {
		if fixed.Currency != a.Currency {
			return entrypay.Amount{}, entrypay.Errorf(entrypay.EInvalid, "fee on %s: fixed fee %d %s is in another currency", show(a), fixed.Value, clip(fixed.Currency))
		}
		if fixed.Value < 0 {
			return entrypay.Amount{}, entrypay.Errorf(entrypay.EInvalid, "fee on %s: fixed fee %s is negative", show(a), fixed)
		}
		if fixed.Value%unit != 0 {
			return entrypay.Amount{}, entrypay.Errorf(entrypay.EInvalid, "fee on %s: fixed fee %d IDR must end in 00", show(a), fixed.Value)
		}
	}
	rate := entrypay.Amount{Value: mulDivHalfEven(a.Value/unit, bps, 10000) * unit, Currency: a.Currency}
	sum, err := rate.Add(entrypay.Amount{Value: fixed.Value, Currency: a.Currency})
	if err != nil {
		return entrypay.Amount{}, entrypay.Errorf(entrypay.EInvalid, "fee on %s: %v", show(a), err)
	}
	return sum, nil
}

// unitOf returns the rounding unit of a's currency in minor units: 100 for IDR, whose
// values must end in 00, else 1. It refuses unknown currencies and IDR values that do
// not end in 00.
func unitOf(a entrypay.Amount) (int64, error) {
	if _, ok := entrypay.Digits(a.Currency); !ok {
		return 0, entrypay.Errorf(entrypay.ECurrencyNotSupported, "amount %d %q: not an ISO 4217 currency code", a.Value, clip(a.Currency))
	}
	if a.Currency != "IDR" {
		return 1, nil
	}
	if a.Value%100 != 0 {
		return 0, entrypay.Errorf(entrypay.EInvalid, "amount %d IDR: IDR values must end in 00", a.Value)
	}
	return 100, nil
}

// mulDivHalfEven returns x × m ÷ d rounded half-even, for d > 0 and 0 ≤ m ≤ d, so the
// result is never larger in magnitude than x. The product may need 126 bits, hence big.Int.
func mulDivHalfEven(x, m, d int64) int64 {
	n := new(big.Int).Mul(big.NewInt(x), big.NewInt(m))
	q, r := new(big.Int).QuoRem(n, big.NewInt(d), new(big.Int))
	// QuoRem truncates toward zero, so the remainder has n's sign; compare its double
	// with d to see whether the discarded part is below, at or above one half.
	twice := new(big.Int).Abs(r)
	twice.Lsh(twice, 1)
	switch c := twice.Cmp(big.NewInt(d)); {
	case c > 0, c == 0 && q.Bit(0) == 1:
		q.Add(q, big.NewInt(int64(n.Sign())))
	}
	return q.Int64()
}

// parsePrice reads a price: a plain positive decimal (digits, optionally a point and
// more digits; no sign, exponent or leading zero before other digits) with at most max
// significant digits and max decimal places. Its error reads after the price, as in
// `price "1e3" is not a plain decimal`.
func parsePrice(s string, max int) (*apd.Decimal, error) {
	if s == "" {
		return nil, fmt.Errorf("is empty")
	}
	whole, frac, hasPoint := strings.Cut(s, ".")
	if whole == "" || (hasPoint && frac == "") || !allDigits(whole) || !allDigits(frac) {
		return nil, fmt.Errorf("is not a plain decimal such as 7.8 or 0.0512")
	}
	if len(whole) > 1 && whole[0] == '0' {
		return nil, fmt.Errorf("has a leading zero")
	}
	if len(frac) > max {
		return nil, fmt.Errorf("has more than %d decimal places", max)
	}
	sig := strings.TrimLeft(whole+frac, "0")
	if sig == "" {
		return nil, fmt.Errorf("must be greater than zero")
	}
	if len(sig) > max {
		return nil, fmt.Errorf("has more than %d significant digits", max)
	}
	d, _, err := apd.NewFromString(s)
	if err != nil {
		return nil, fmt.Errorf("is not a decimal: %v", err)
	}
	return d, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// show writes a for an error message: "12.34 USD", or raw minor units when the currency
// is unknown.
func show(a entrypay.Amount) string {
	if _, ok := entrypay.Digits(a.Currency); ok {
		return a.String()
	}
	return fmt.Sprintf("%d %q", a.Value, clip(a.Currency))
}

// clip shortens s for an error message, so that a hostile input cannot fill a log.
func clip(s string) string {
	const n = 40
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
