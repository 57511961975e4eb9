package fx

import (
	"bytes"
	"math"
	"math/big"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/entrypay/entrypay"
)

func FuzzParseRatesFile(f *testing.F) {
	if data, err := os.ReadFile("testdata/rates.csv"); err == nil {
		f.Add(data)
	}
	for _, s := range []string{
		"base,quote,price\nUSD,HKD,7.8\n",
		"base,quote,price,as_of\nUSD,HKD,7.8,2026-11-25T10:00:00.5+05:45\nEUR,USD,1.0512,\n",
		"\ufeffbase,quote,price,as_of\r\nUSD,HKD,0.00000001,1970-01-01\r\n",
		"base,quote,price,as_of\nUSD,HKD,1e3,\n",
		"# only a comment\n",
	} {
		f.Add([]byte(s))
	}
	fuzzNow := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		rates, err := ParseRatesFile(bytes.NewReader(data), "file", fuzzNow)
		if err != nil {
			if rates != nil {
				t.Fatalf("rates returned with error %v", err)
			}
			if code := entrypay.ErrorCodeOf(err); code != entrypay.EInvalid {
				t.Fatalf("error code %s: %v", code, err)
			}
			return
		}
		if len(rates) == 0 {
			t.Fatal("no rates and no error")
		}
		for _, r := range rates {
			if err := CheckRate(r); err != nil {
				t.Fatalf("accepted an invalid rate: %v", err)
			}
			if r.Source != "file" || r.AsOf.After(fuzzNow.Add(futureSlack)) {
				t.Fatalf("rate %+v", r)
			}
		}
		var buf bytes.Buffer
		if err := FormatRatesFile(&buf, rates); err != nil {
			t.Fatalf("cannot write what was read: %v", err)
		}
		again, err := ParseRatesFile(bytes.NewReader(buf.Bytes()), "file", fuzzNow)
		if err != nil {
			t.Fatalf("cannot read what was written: %v\n%s", err, buf.Bytes())
		}
		sameRates(t, again, rates)
	})
}

// fuzzCurrencies covers every rounding case: 0, 2 and 3 digits, and IDR's whole rupiah.
var fuzzCurrencies = []string{"USD", "HKD", "JPY", "KRW", "KWD", "BHD", "IDR", "EUR"}

// plainPrice is what Convert must accept as a price, written independently of parsePrice.
var plainPrice = regexp.MustCompile(`^(0|[1-9][0-9]*)(\.[0-9]+)?$`)

func FuzzConvert(f *testing.F) {
	f.Add(int64(10000), "0.97573170", uint8(0), uint8(1))
	f.Add(int64(5), "0.5", uint8(1), uint8(0))
	f.Add(int64(123), "16612.5", uint8(0), uint8(6))
	f.Add(int64(1234), "3.2561", uint8(4), uint8(0))
	f.Add(int64(math.MaxInt64), "1", uint8(0), uint8(1))
	f.Add(int64(math.MinInt64), "1", uint8(2), uint8(3))
	f.Add(int64(-7), "9.5", uint8(2), uint8(3))
	f.Add(int64(1), "1e3", uint8(0), uint8(2))
	var e Engine
	f.Fuzz(func(t *testing.T, value int64, price string, fi, ti uint8) {
		from := fuzzCurrencies[int(fi)%len(fuzzCurrencies)]
		to := fuzzCurrencies[int(ti)%len(fuzzCurrencies)]
		q := &entrypay.Quote{ID: "qt_fuzz", Pair: from + "/" + to, Price: price}
		a := entrypay.Amount{Value: value, Currency: from}
		got, err := e.Convert(a, q)

		want, ok := convertOracle(value, price, from, to)
		if !ok {
			if err == nil {
				t.Fatalf("%s at %q (%s) = %d, want an error", a, price, q.Pair, got.Value)
			}
			if code := entrypay.ErrorCodeOf(err); code != entrypay.EInvalid {
				t.Fatalf("error code %s: %v", code, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("%s at %q (%s): %v, want %d", a, price, q.Pair, err, want)
		}
		if got.Currency != to || got.Value != want {
			t.Fatalf("%s at %q (%s) = %d %s, want %d", a, price, q.Pair, got.Value, got.Currency, want)
		}
		if to == "IDR" && got.Value%100 != 0 {
			t.Fatalf("IDR result %d does not end in 00", got.Value)
		}
		df, _ := entrypay.Digits(from)
		dt, _ := entrypay.Digits(to)
		if price == "1" && df == dt && (to != "IDR" || value%100 == 0) && got.Value != value {
			t.Fatalf("price 1 from %s to %s changed %d into %d", from, to, value, got.Value)
		}
	})
}

// convertOracle converts with big.Rat, independently of apd: value minor units of from ×
// price × 10^(digits(to) − digits(from)), rounded half-even to the unit of to. ok is
// false when Convert must refuse: an unacceptable price, an IDR value not ending in 00,
// or a result beyond int64.
func convertOracle(value int64, price, from, to string) (int64, bool) {
	if !plainPrice.MatchString(price) {
		return 0, false
	}
	whole, frac, _ := strings.Cut(price, ".")
	sig := strings.TrimLeft(whole+frac, "0")
	if sig == "" || len(sig) > maxQuoteDigits || len(frac) > maxQuoteDigits {
		return 0, false
	}
	if from == "IDR" && value%100 != 0 {
		return 0, false
	}
	p, ok := new(big.Rat).SetString(price)
	if !ok {
		return 0, false
	}
	df, _ := entrypay.Digits(from)
	dt, _ := entrypay.Digits(to)
	unit := int64(1)
	if to == "IDR" {
		unit = 100
	}
	x := new(big.Rat).Mul(new(big.Rat).SetInt64(value), p)
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(dt-df))), nil)
	if dt >= df {
		x.Mul(x, new(big.Rat).SetInt(scale))
	} else {
		x.Quo(x, new(big.Rat).SetInt(scale))
	}
	x.Quo(x, new(big.Rat).SetInt64(unit))
	// Round half-even: floor(x + 1/2), then step back when x + 1/2 was an odd integer.
	half := new(big.Rat).Add(x, big.NewRat(1, 2))
	n := new(big.Int).Div(half.Num(), half.Denom()) // Euclidean: floor for a positive denominator
	if half.IsInt() && n.Bit(0) == 1 {
		n.Sub(n, big.NewInt(1))
	}
	n.Mul(n, big.NewInt(unit))
	if !n.IsInt64() {
		return 0, false
	}
	return n.Int64(), true
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func TestConvertOracle(t *testing.T) {
	// The oracle itself, on the hand-worked cases of TestConvert.
	for _, c := range []struct {
		value           int64
		price, from, to string
		want            int64
	}{
		{10000, "0.97573170", "MOP", "HKD", 9757},
		{5, "0.5", "HKD", "USD", 2},
		{7, "0.5", "HKD", "USD", 4},
		{-5, "0.5", "HKD", "USD", -2},
		{-7, "0.5", "HKD", "USD", -4},
		{123, "16612.5", "USD", "IDR", 2043300},
		{1234, "3.2561", "KWD", "USD", 402},
		{3, "9.5", "JPY", "KRW", 28},
	} {
		got, ok := convertOracle(c.value, c.price, c.from, c.to)
		if !ok || got != c.want {
			t.Errorf("oracle %d %s at %s → %s = %d %v, want %d", c.value, c.from, c.price, c.to, got, ok, c.want)
		}
	}
}
