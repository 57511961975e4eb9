package entrypay

import (
	"errors"
	"math"
	"strconv"
	"testing"

	"github.com/bojanz/currency"
)

func TestParseAmount(t *testing.T) {
	tests := []struct {
		value, currency string
		want            Amount
		code            ErrorCode
	}{
		{"599", "USD", Amount{599, "USD"}, ""},
		{"599", "JPY", Amount{599, "JPY"}, ""},
		{"1", "KWD", Amount{1, "KWD"}, ""},
		{"1500000", "IDR", Amount{1500000, "IDR"}, ""},
		{"9223372036854775807", "USD", Amount{}, EInvalid}, // 19 digits: over String(16)
		{"9999999999999999", "USD", Amount{9999999999999999, "USD"}, ""},
		{"0", "USD", Amount{}, EInvalid},
		{"-5", "USD", Amount{}, EInvalid},
		{"+5", "USD", Amount{}, EInvalid},
		{"5.00", "USD", Amount{}, EInvalid},
		{"1e3", "USD", Amount{}, EInvalid},
		{"007", "USD", Amount{}, EInvalid},
		{" 7", "USD", Amount{}, EInvalid},
		{"", "USD", Amount{}, EInvalid},
		{"150050", "IDR", Amount{}, EInvalid},
		{"100", "", Amount{}, EInvalid},
		{"100", "usd", Amount{}, EInvalid},
		{"100", "XYZ", Amount{}, EInvalid},
		{"100", "US", Amount{}, EInvalid},
	}
	for _, tt := range tests {
		got, err := ParseAmount("paymentAmount", tt.value, tt.currency)
		if tt.code != "" {
			if ErrorCodeOf(err) != tt.code {
				t.Errorf("ParseAmount(%q, %q) error = %v, want code %s", tt.value, tt.currency, err, tt.code)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseAmount(%q, %q) = %v, %v; want %v", tt.value, tt.currency, got, err, tt.want)
		}
	}
}

func TestParseAmountNamesField(t *testing.T) {
	_, err := ParseAmount("refundAmount", "x", "USD")
	if msg := ErrorMessage(err); msg == "" || msg[:len("refundAmount.value")] != "refundAmount.value" {
		t.Fatalf("message %q does not start with the field name", msg)
	}
}

// The digits come from bojanz/currency; spot-check the ones the spec names.
func TestDigits(t *testing.T) {
	for code, want := range map[string]int{"JPY": 0, "KRW": 0, "HKD": 2, "USD": 2, "IDR": 2, "KWD": 3, "BHD": 3, "VND": 0, "CLP": 0} {
		if got, ok := Digits(code); !ok || got != want {
			t.Errorf("Digits(%s) = %d, %v; want %d", code, got, ok, want)
		}
	}
	for _, code := range currency.GetCurrencyCodes() {
		if _, ok := Digits(code); !ok {
			t.Errorf("Digits(%s) unknown", code)
		}
	}
}

func TestAmountString(t *testing.T) {
	for a, want := range map[Amount]string{
		{1234, "USD"}: "12.34 USD", {5, "USD"}: "0.05 USD", {1500, "KRW"}: "1500 KRW",
		{1, "KWD"}: "0.001 KWD", {-250, "HKD"}: "-2.50 HKD",
	} {
		if got := a.String(); got != want {
			t.Errorf("%#v.String() = %q, want %q", a, got, want)
		}
	}
	if got := FormatMinor(math.MinInt64, 2); got != "-"+strconv.FormatUint(uint64(math.MaxInt64)+1, 10)[:17]+"."+"08" {
		t.Errorf("FormatMinor(MinInt64) = %q", got)
	}
}

func TestAmountAdd(t *testing.T) {
	if _, err := (Amount{1, "USD"}).Add(Amount{1, "HKD"}); err == nil {
		t.Error("adding different currencies succeeded")
	}
	if _, err := (Amount{math.MaxInt64, "USD"}).Add(Amount{1, "USD"}); err == nil {
		t.Error("overflow not detected")
	}
	if _, err := (Amount{math.MinInt64, "USD"}).Add(Amount{-1, "USD"}); err == nil {
		t.Error("negative overflow not detected")
	}
	if got, err := (Amount{5, "USD"}).Add(Amount{-7, "USD"}); err != nil || got.Value != -2 {
		t.Errorf("5 + -7 = %v, %v", got, err)
	}
}

func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"1", "100", "0", "-1", "99999999999999999999", "1.5", "00", "١٢٣"} {
		f.Add(s, "USD")
		f.Add(s, "IDR")
		f.Add(s, "JPY")
	}
	f.Fuzz(func(t *testing.T, value, code string) {
		a, err := ParseAmount("v", value, code)
		if err != nil {
			if ErrorCodeOf(err) == EInternal {
				t.Fatalf("ParseAmount(%q, %q) = untyped error %v", value, code, err)
			}
			return
		}
		if a.Value <= 0 || a.ValueString() != value || a.Currency != code {
			t.Fatalf("ParseAmount(%q, %q) = %#v", value, code, a)
		}
		if code == "IDR" && a.Value%100 != 0 {
			t.Fatalf("IDR %d accepted", a.Value)
		}
	})
}

func TestParseMajor(t *testing.T) {
	tests := []struct {
		in, currency string
		want         int64
		err          error
	}{
		{"12.50", "HKD", 1250, nil},
		{"12,5", "HKD", 1250, nil},
		{"12", "HKD", 1200, nil},
		{"0.01", "HKD", 1, nil},
		{".5", "HKD", 50, nil},
		{"007.10", "HKD", 710, nil},
		{"1500", "KRW", 1500, nil},
		{"1.234", "KWD", 1234, nil},
		{"15000", "IDR", 1500000, nil},
		{"12.345", "HKD", 0, ErrAmountDecimals},
		{"1500.5", "KRW", 0, ErrAmountDecimals},
		{"15000.50", "IDR", 0, ErrAmountWhole},
		{"0", "HKD", 0, ErrAmountZero},
		{"0.00", "HKD", 0, ErrAmountZero},
		{"", "HKD", 0, ErrAmountFormat},
		{"12.", "HKD", 0, ErrAmountFormat},
		{"1,234.50", "HKD", 0, ErrAmountFormat},
		{"-5", "HKD", 0, ErrAmountFormat},
		{"1e3", "HKD", 0, ErrAmountFormat},
		{"١٢", "HKD", 0, ErrAmountFormat},
		{"999999999999999", "HKD", 0, ErrAmountTooLarge},
		{"99999999999999", "HKD", 9999999999999900, nil},
	}
	for _, tt := range tests {
		got, err := ParseMajor("amount", tt.in, tt.currency)
		if tt.err != nil {
			if !errors.Is(err, tt.err) || ErrorCodeOf(err) != EInvalid {
				t.Errorf("ParseMajor(%q, %s) error = %v, want %v", tt.in, tt.currency, err, tt.err)
			}
			continue
		}
		if err != nil || got != (Amount{tt.want, tt.currency}) {
			t.Errorf("ParseMajor(%q, %s) = %v, %v; want %d", tt.in, tt.currency, got, err, tt.want)
		}
	}
}

func FuzzParseMajor(f *testing.F) {
	for _, s := range []string{"12.50", "12,5", "0", ".5", "1.", "١", "99999999999999.99", "0.001"} {
		f.Add(s, "HKD")
		f.Add(s, "JPY")
		f.Add(s, "IDR")
	}
	f.Fuzz(func(t *testing.T, s, code string) {
		a, err := ParseMajor("amount", s, code)
		if err != nil {
			if ErrorCodeOf(err) != EInvalid {
				t.Fatalf("ParseMajor(%q, %q) = untyped error %v", s, code, err)
			}
			return
		}
		// Whatever is accepted is a valid API amount, and writing it back in major units
		// reads the same.
		if _, err := ParseAmount("v", a.ValueString(), a.Currency); err != nil {
			t.Fatalf("ParseMajor(%q, %q) = %v, not a valid amount: %v", s, code, a, err)
		}
		d, _ := Digits(code)
		back, err := ParseMajor("amount", FormatMinor(a.Value, d), code)
		if err != nil || back != a {
			t.Fatalf("round trip of %v via %q: %v, %v", a, FormatMinor(a.Value, d), back, err)
		}
	})
}
