package sandbox

import (
	"testing"

	"github.com/bojanz/currency"
)

func TestConvertMinor(t *testing.T) {
	rates := builtinRates()
	tests := []struct {
		name      string
		minor     int64
		from, to  string
		want      int64
		wantQuote string
	}{
		{"USD to KRW rounds half to even, up", 100, "USD", "KRW", 1376, "1375.50000000"},
		{"USD to KRW rounds half to even, down", 300, "USD", "KRW", 4126, "1375.50000000"},
		{"USD to IDR is a whole rupiah", 123, "USD", "IDR", 1998800, "16250.00000000"},
		{"HKD to PHP", 10000, "HKD", "PHP", 71913, "7.19129878"},
		{"JPY (0 digits) to CNY", 1000, "JPY", "CNY", 4750, "0.04750413"},
		{"KRW to HKD, rate below 0.01", 1500, "KRW", "HKD", 852, "0.00568157"},
		{"USD to PHP", 1234, "USD", "PHP", 69351, "56.20000000"},
		{"same currency", 1234, "PHP", "PHP", 1234, "1.00000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := rates.rate(tt.from, tt.to)
			if err != nil {
				t.Fatal(err)
			}
			got, err := convertMinor(tt.minor, tt.from, tt.to, r)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("convertMinor(%d %s → %s) = %d, want %d", tt.minor, tt.from, tt.to, got, tt.want)
			}
			if q := quotePrice(r); q != tt.wantQuote {
				t.Errorf("quotePrice = %s, want %s", q, tt.wantQuote)
			}
		})
	}
}

func TestRatesCoverWallets(t *testing.T) {
	rates := builtinRates()
	for _, code := range []string{"USD", "CNY", "HKD", "PHP", "KRW", "THB", "MYR", "IDR", "SGD", "JPY", "EUR", "GBP", "AUD", "TWD", "MOP"} {
		if _, ok := rates.perUSD[code]; !ok {
			t.Errorf("rates.json has no rate for %s", code)
		}
		if _, ok := currency.GetDigits(code); !ok {
			t.Errorf("%s is unknown to bojanz/currency", code)
		}
	}
	if _, err := rates.rate("USD", "XXX"); err == nil {
		t.Error("rate to an unknown currency did not fail")
	}
}

func TestAmountText(t *testing.T) {
	tests := []struct {
		minor int64
		code  string
		want  string
	}{
		{1234, "HKD", "12.34 HKD"},
		{1500, "KRW", "1,500 KRW"},
		{123456789, "USD", "1,234,567.89 USD"},
		{1998800, "IDR", "19,988.00 IDR"},
		{5, "JPY", "5 JPY"},
	}
	for _, tt := range tests {
		if got := amountText(tt.minor, tt.code); got != tt.want {
			t.Errorf("amountText(%d, %s) = %q, want %q", tt.minor, tt.code, got, tt.want)
		}
	}
}
