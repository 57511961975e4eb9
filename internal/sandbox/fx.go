package sandbox

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"time"

	"github.com/bojanz/currency"
	"github.com/cockroachdb/apd/v3"
)

// rates.json holds sandbox reference rates, not market data: they are fixed so that tests
// can predict every charge, and plausible enough that the cashier page reads sensibly.
//
//go:embed rates.json
var ratesJSON []byte

// quotePlaces is how many decimal places quotePrice is shown with.
const quotePlaces = 8

// quoteLifetime is how long a quote is valid after it is given.
const quoteLifetime = 10 * time.Minute

// decimalCtx is the context for every FX calculation: 34 significant digits (decimal128),
// banker's rounding, as payment networks round.
var decimalCtx = func() *apd.Context {
	c := apd.BaseContext.WithPrecision(34)
	c.Rounding = apd.RoundHalfEven
	return c
}()

// rateTable converts between currencies through their price in USD.
type rateTable struct {
	perUSD map[string]*apd.Decimal
}

func parseRates(data []byte) (*rateTable, error) {
	var raw struct {
		Comment string            `json:"comment"`
		PerUSD  map[string]string `json:"perUSD"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("rates: %w", err)
	}
	t := &rateTable{perUSD: make(map[string]*apd.Decimal, len(raw.PerUSD))}
	for code, v := range raw.PerUSD {
		if _, ok := currency.GetDigits(code); !ok {
			return nil, fmt.Errorf("rates: %q is not an ISO 4217 currency", code)
		}
		d, _, err := apd.NewFromString(v)
		if err != nil || d.Sign() <= 0 {
			return nil, fmt.Errorf("rates: %s: %q is not a positive decimal", code, v)
		}
		t.perUSD[code] = d
	}
	return t, nil
}

func builtinRates() *rateTable {
	t, err := parseRates(ratesJSON)
	if err != nil {
		panic(err)
	}
	return t
}

// rate returns how many units of to one unit of from buys.
func (t *rateTable) rate(from, to string) (*apd.Decimal, error) {
	f, ok := t.perUSD[from]
	if !ok {
		return nil, fmt.Errorf("no sandbox rate for %s", from)
	}
	g, ok := t.perUSD[to]
	if !ok {
		return nil, fmt.Errorf("no sandbox rate for %s", to)
	}
	r := new(apd.Decimal)
	if _, err := decimalCtx.Quo(r, g, f); err != nil {
		return nil, fmt.Errorf("rate %s/%s: %w", from, to, err)
	}
	return r, nil
}

// convertMinor converts minor units of from into minor units of to at rate, rounding half-even
// to to's ISO 4217 digits, and for IDR to a whole rupiah (a value ending in "00"), as
// Alipay+ requires.
func convertMinor(minor int64, from, to string, rate *apd.Decimal) (int64, error) {
	fd, ok := currency.GetDigits(from)
	if !ok {
		return 0, fmt.Errorf("unknown currency %q", from)
	}
	td, ok := currency.GetDigits(to)
	if !ok {
		return 0, fmt.Errorf("unknown currency %q", to)
	}
	major := apd.New(minor, -int32(fd))
	v := new(apd.Decimal)
	if _, err := decimalCtx.Mul(v, major, rate); err != nil {
		return 0, fmt.Errorf("convert %s to %s: %w", from, to, err)
	}
	exp := -int32(td)
	if to == "IDR" {
		exp = 0
	}
	if _, err := decimalCtx.Quantize(v, v, exp); err != nil {
		return 0, fmt.Errorf("convert %s to %s: %w", from, to, err)
	}
	// Shift the major-unit value to minor units: multiplying by 10^digits is exact.
	v.Exponent += int32(td)
	n, err := v.Int64()
	if err != nil {
		return 0, fmt.Errorf("convert %s to %s: %w", from, to, err)
	}
	return n, nil
}

// quotePrice formats rate as Alipay+ shows it: a decimal string with quotePlaces places.
func quotePrice(rate *apd.Decimal) string {
	q := new(apd.Decimal)
	if _, err := decimalCtx.Quantize(q, rate, -quotePlaces); err != nil {
		// Only a rate beyond 26 integer digits could fail; show it unrounded.
		return rate.Text('f')
	}
	return q.Text('f')
}

// amountText formats minor units with the currency's ISO digits and the English grouping,
// e.g. "1,234.50 HKD" or "1,500 KRW".
func amountText(minor int64, code string) string {
	a, err := currency.NewAmountFromInt64(minor, code)
	if err != nil {
		return fmt.Sprintf("%d (minor units) %s", minor, code)
	}
	f := currency.NewFormatter(currency.NewLocale("en"))
	f.CurrencyDisplay = currency.DisplayNone
	return f.Format(a) + " " + code
}
