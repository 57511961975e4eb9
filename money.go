package entrypay

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/bojanz/currency"
)

// Amount is a sum of money in minor units of an ISO 4217 currency: USD 5.99 is
// {599, "USD"}, JPY 599 is {599, "JPY"}. It never holds a float.
type Amount struct {
	Value    int64  `json:"value"`
	Currency string `json:"currency"`
}

// maxValueDigits is the length limit of Antom's String(16) amount value.
const maxValueDigits = 16

// Digits returns the ISO 4217 number of minor-unit digits of code, from the maintained
// CLDR/ISO data of bojanz/currency rather than a table typed by hand.
func Digits(code string) (int, bool) {
	if len(code) != 3 || !currency.IsValid(code) {
		return 0, false
	}
	d, ok := currency.GetDigits(code)
	return int(d), ok
}

// ParseAmount reads an amount as it travels in the API: value a string of decimal digits
// in minor units, currency an ISO 4217 alphabetic code. It refuses zero, signs, decimals,
// leading zeros, values that overflow, unknown currencies and IDR values not ending in 00.
// field names the JSON field in error messages.
func ParseAmount(field, value, code string) (Amount, error) {
	if code == "" {
		return Amount{}, Errorf(EInvalid, "%s.currency is required", field)
	}
	if _, ok := Digits(code); !ok {
		return Amount{}, Errorf(EInvalid, "%s.currency %q is not an ISO 4217 currency code", field, clip(code))
	}
	if value == "" {
		return Amount{}, Errorf(EInvalid, "%s.value is required", field)
	}
	for i := 0; i < len(value); i++ {
		if value[i] < '0' || value[i] > '9' {
			return Amount{}, Errorf(EInvalid, "%s.value %q must be a positive integer in minor units of %s", field, clip(value), code)
		}
	}
	if len(value) > maxValueDigits {
		return Amount{}, Errorf(EInvalid, "%s.value has more than %d digits", field, maxValueDigits)
	}
	if value[0] == '0' {
		return Amount{}, Errorf(EInvalid, "%s.value %q must be a positive integer without leading zeros", field, clip(value))
	}
	v, err := strconv.ParseInt(value, 10, 64)
	if err != nil {
		return Amount{}, Errorf(EInvalid, "%s.value %q is out of range", field, clip(value))
	}
	a := Amount{Value: v, Currency: code}
	if err := a.check(field); err != nil {
		return Amount{}, err
	}
	return a, nil
}

// check applies the rules every amount obeys.
func (a Amount) check(field string) error {
	if a.Value <= 0 {
		return Errorf(EInvalid, "%s.value must be greater than zero", field)
	}
	if a.Currency == "IDR" && a.Value%100 != 0 {
		return Errorf(EInvalid, "%s.value %d: IDR amounts must end in 00", field, a.Value)
	}
	return nil
}

// String formats a as "12.34 USD" using the currency's minor-unit digits.
func (a Amount) String() string {
	d, _ := Digits(a.Currency)
	return FormatMinor(a.Value, d) + " " + a.Currency
}

// FormatMinor writes v minor units with d decimal digits ("1234", 2 → "12.34").
func FormatMinor(v int64, d int) string {
	neg := v < 0
	var u uint64
	if neg {
		u = uint64(-(v + 1)) + 1
	} else {
		u = uint64(v)
	}
	s := strconv.FormatUint(u, 10)
	if d > 0 {
		for len(s) <= d {
			s = "0" + s
		}
		s = s[:len(s)-d] + "." + s[len(s)-d:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// Add returns a+b, refusing different currencies and overflow.
func (a Amount) Add(b Amount) (Amount, error) {
	if a.Currency != b.Currency {
		return Amount{}, fmt.Errorf("add %s to %s: different currencies", b.Currency, a.Currency)
	}
	if (b.Value > 0 && a.Value > math.MaxInt64-b.Value) || (b.Value < 0 && a.Value < math.MinInt64-b.Value) {
		return Amount{}, fmt.Errorf("add %d to %d: overflow", b.Value, a.Value)
	}
	return Amount{Value: a.Value + b.Value, Currency: a.Currency}, nil
}

// ValueString is the API form of the value: decimal minor units.
func (a Amount) ValueString() string { return strconv.FormatInt(a.Value, 10) }

func clip(s string) string {
	const n = 40
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Reasons a typed amount is refused; the hosted page shows each in the customer's language.
var (
	ErrAmountFormat   = errors.New("not a number")
	ErrAmountDecimals = errors.New("too many decimal places")
	ErrAmountZero     = errors.New("not more than zero")
	ErrAmountTooLarge = errors.New("too large")
	ErrAmountWhole    = errors.New("must be a whole amount")
)

// ParseMajor reads an amount a person typed in major units, "12.50", "12,50" or "1500",
// for a currency: digits with at most one decimal separator, at most the currency's
// minor-unit digits after it, no signs, no thousands separators (they are ambiguous
// between locales). IDR takes whole rupiah only (its minor units must end in 00).
func ParseMajor(field, s, code string) (Amount, error) {
	digits, ok := Digits(code)
	if !ok {
		return Amount{}, Errorf(EInvalid, "%s: currency %q is not an ISO 4217 code", field, clip(code))
	}
	bad := func(reason error) (Amount, error) {
		return Amount{}, &Error{Code: EInvalid, Message: fmt.Sprintf("%s %q: %v", field, clip(s), reason), Err: reason}
	}
	s = strings.TrimSpace(s)
	whole, frac, hasSep := strings.Cut(strings.Replace(s, ",", ".", 1), ".")
	if whole == "" && frac == "" || strings.ContainsAny(frac, ".,") {
		return bad(ErrAmountFormat)
	}
	for _, part := range []string{whole, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return bad(ErrAmountFormat)
			}
		}
	}
	if hasSep && frac == "" {
		return bad(ErrAmountFormat)
	}
	frac = strings.TrimRight(frac, "0")
	if len(frac) > digits {
		return bad(ErrAmountDecimals)
	}
	whole = strings.TrimLeft(whole, "0")
	if len(whole)+digits > maxValueDigits {
		return bad(ErrAmountTooLarge)
	}
	minor := whole + frac + strings.Repeat("0", digits-len(frac))
	minor = strings.TrimLeft(minor, "0")
	if minor == "" {
		return bad(ErrAmountZero)
	}
	v, err := strconv.ParseInt(minor, 10, 64)
	if err != nil {
		return bad(ErrAmountTooLarge)
	}
	if code == "IDR" && v%100 != 0 {
		return bad(ErrAmountWhole)
	}
	return Amount{Value: v, Currency: code}, nil
}

// RegionCurrency is the currency of an ISO 3166-1 region (HK → HKD), from CLDR data.
func RegionCurrency(region string) (string, bool) {
	return currency.ForCountryCode(strings.ToUpper(region))
}
