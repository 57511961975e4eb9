package fx

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/entrypay/entrypay"
)

var (
	day1 = time.Date(2026, 11, 24, 16, 0, 0, 0, time.UTC)
	day2 = time.Date(2026, 11, 25, 16, 0, 0, 0, time.UTC)
	now  = time.Date(2026, 11, 25, 18, 30, 0, 0, time.UTC)
)

// rate is a test rate as of day2, created at day2.
func rate(base, quote, price string) entrypay.Rate {
	return entrypay.Rate{Base: base, Quote: quote, Price: price, Source: "test", AsOf: day2, CreatedAt: day2}
}

func asOf(r entrypay.Rate, t time.Time) entrypay.Rate { r.AsOf = t; return r }

func createdAt(r entrypay.Rate, t time.Time) entrypay.Rate { r.CreatedAt = t; return r }

// wantCode fails unless err is an *entrypay.Error with code and a message containing
// each of parts.
func wantCode(t *testing.T, err error, code entrypay.ErrorCode, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s", code)
	}
	if got := entrypay.ErrorCodeOf(err); got != code {
		t.Fatalf("error code %s (%v), want %s", got, err, code)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not mention %q", err, p)
		}
	}
}

func TestQuotePrice(t *testing.T) {
	usdHKD := rate("USD", "HKD", "7.8")
	usdPHP := rate("USD", "PHP", "56.09")
	tests := []struct {
		name      string
		rates     []entrypay.Rate
		from, to  string
		spreadBps int64
		want      string
	}{
		{"direct", []entrypay.Rate{usdHKD}, "USD", "HKD", 0, "7.8"},
		// 1 / 7.8 = 0.128205128205…; the 9th place is 1, so it rounds down.
		{"inverse", []entrypay.Rate{usdHKD}, "HKD", "USD", 0, "0.12820513"},
		// HKD→USD→PHP: (1 / 7.8) × 56.09 = 56.09 / 7.8 = 7.191025641…
		{"cross via USD", []entrypay.Rate{usdHKD, usdPHP}, "HKD", "PHP", 0, "7.19102564"},
		// PHP→USD→HKD: (1 / 56.09) × 7.8 = 0.139062221430…
		{"cross both legs inverse and direct", []entrypay.Rate{usdHKD, usdPHP}, "PHP", "HKD", 0, "0.13906222"},
		// 7.8 × (1 − 100/10000) = 7.8 × 0.99 = 7.722.
		{"spread 100 bps direct", []entrypay.Rate{usdHKD}, "USD", "HKD", 100, "7.722"},
		// 7.191025641025641… × 0.99 = 7.119115384615384…
		{"spread 100 bps cross", []entrypay.Rate{usdHKD, usdPHP}, "HKD", "PHP", 100, "7.11911538"},
		// 7.8 × 0.5 = 3.9: the largest spread allowed.
		{"spread 5000 bps", []entrypay.Rate{usdHKD}, "USD", "HKD", 5000, "3.9"},
		{"same currency ignores spread and rates", nil, "USD", "USD", 100, "1"},
		{"newest by AsOf wins whatever the order", []entrypay.Rate{
			rate("USD", "HKD", "7.85"), asOf(rate("USD", "HKD", "7.8"), day1),
		}, "USD", "HKD", 0, "7.85"},
		{"same AsOf: newest CreatedAt wins", []entrypay.Rate{
			createdAt(rate("USD", "HKD", "7.81"), now), rate("USD", "HKD", "7.8"),
		}, "USD", "HKD", 0, "7.81"},
		{"full tie: the later rate wins", []entrypay.Rate{
			rate("USD", "HKD", "7.8"), rate("USD", "HKD", "7.82"),
		}, "USD", "HKD", 0, "7.82"},
		// The newer HKD/USD 0.128 beats the older USD/HKD: 1 / 0.128 = 7.8125.
		{"newer inverse beats older direct", []entrypay.Rate{
			asOf(rate("USD", "HKD", "7.8"), day1), rate("HKD", "USD", "0.128"),
		}, "USD", "HKD", 0, "7.8125"},
		{"direct wins an AsOf tie with inverse", []entrypay.Rate{
			rate("HKD", "USD", "0.128"), rate("USD", "HKD", "7.8"),
		}, "USD", "HKD", 0, "7.8"},
		// The EUR legs are both newer than the older USD leg: 61.982 / 8.1832 = 7.574298562…
		{"pivot with the newest legs wins", []entrypay.Rate{
			asOf(usdHKD, day1), usdPHP, rate("EUR", "HKD", "8.1832"), rate("EUR", "PHP", "61.982"),
		}, "HKD", "PHP", 0, "7.57429856"},
		{"pivot tie: the first pivot (USD) wins", []entrypay.Rate{
			usdHKD, usdPHP, rate("EUR", "HKD", "8.1832"), rate("EUR", "PHP", "61.982"),
		}, "HKD", "PHP", 0, "7.19102564"},
		{"an old direct rate beats a fresh cross", []entrypay.Rate{
			asOf(rate("HKD", "PHP", "7.0"), day1), usdHKD, usdPHP,
		}, "HKD", "PHP", 0, "7"},
		{"unused bad rate is not looked at", []entrypay.Rate{
			usdHKD, rate("USD", "THB", "1e3"), rate("XYZ", "USD", "1"),
		}, "USD", "HKD", 0, "7.8"},
		// 0.000000006 rounds half-even to 0.00000001 at 8 places.
		{"tiny price keeps one unit in the 8th place", []entrypay.Rate{
			rate("VND", "KWD", "0.000000006"),
		}, "VND", "KWD", 0, "0.00000001"},
		{"large price", []entrypay.Rate{rate("KWD", "VND", "85000.123456789")}, "KWD", "VND", 0, "85000.12345679"},
	}
	var e Engine
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := e.Quote(tt.rates, tt.from, tt.to, tt.spreadBps, now)
			if err != nil {
				t.Fatal(err)
			}
			if q.Price != tt.want {
				t.Errorf("price %s, want %s", q.Price, tt.want)
			}
			if q.Pair != tt.from+"/"+tt.to {
				t.Errorf("pair %s", q.Pair)
			}
		})
	}
}

func TestQuoteFields(t *testing.T) {
	var e Engine
	q, err := e.Quote([]entrypay.Rate{rate("USD", "HKD", "7.8")}, "HKD", "USD", 0, now)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(q.ID, "qt_") || len(q.ID) != len("qt_")+26 {
		t.Errorf("id %q", q.ID)
	}
	if q.Pair != "HKD/USD" || !q.Start.Equal(now) || !q.Expiry.Equal(now.Add(10*time.Minute)) || !q.Guaranteed {
		t.Errorf("quote %+v", q)
	}
	q2, _ := e.Quote(nil, "USD", "USD", 0, now)
	if q2.ID == q.ID {
		t.Error("two quotes share an id")
	}

	short, err := New(Config{QuoteLifetime: 90 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	q, _ = short.Quote(nil, "USD", "USD", 0, now)
	if !q.Expiry.Equal(now.Add(90 * time.Second)) {
		t.Errorf("expiry %v with a 90 s lifetime", q.Expiry)
	}
}

func TestQuoteErrors(t *testing.T) {
	usdHKD := rate("USD", "HKD", "7.8")
	tests := []struct {
		name      string
		rates     []entrypay.Rate
		from, to  string
		spreadBps int64
		code      entrypay.ErrorCode
		mention   []string
	}{
		{"unknown from", []entrypay.Rate{usdHKD}, "XYZ", "HKD", 0, entrypay.ECurrencyNotSupported, []string{"XYZ/HKD", `"XYZ"`}},
		{"lower-case to", []entrypay.Rate{usdHKD}, "HKD", "usd", 0, entrypay.ECurrencyNotSupported, []string{"HKD/usd"}},
		{"empty code", nil, "", "USD", 0, entrypay.ECurrencyNotSupported, []string{"/USD"}},
		{"negative spread", []entrypay.Rate{usdHKD}, "USD", "HKD", -1, entrypay.EInvalid, []string{"USD/HKD", "-1 bps"}},
		{"spread above 50 %", []entrypay.Rate{usdHKD}, "USD", "HKD", 5001, entrypay.EInvalid, []string{"5001 bps"}},
		{"no rates", nil, "HKD", "PHP", 0, entrypay.ECurrencyNotSupported, []string{"HKD/PHP", "no rate"}},
		{"one leg only", []entrypay.Rate{usdHKD}, "HKD", "THB", 0, entrypay.ECurrencyNotSupported, []string{"HKD/THB", "USD or EUR"}},
		{"legs across different pivots", []entrypay.Rate{usdHKD, rate("EUR", "THB", "35.5")}, "HKD", "THB", 0, entrypay.ECurrencyNotSupported, []string{"HKD/THB"}},
		{"exponent price", []entrypay.Rate{rate("USD", "HKD", "7.8e0")}, "USD", "HKD", 0, entrypay.EInvalid, []string{"USD/HKD", `"7.8e0"`, "plain decimal"}},
		{"zero price", []entrypay.Rate{rate("USD", "HKD", "0.00")}, "HKD", "USD", 0, entrypay.EInvalid, []string{"greater than zero"}},
		{"negative price", []entrypay.Rate{rate("USD", "HKD", "-7.8")}, "USD", "HKD", 0, entrypay.EInvalid, []string{`"-7.8"`}},
		{"bad newest rate is not skipped for an older good one", []entrypay.Rate{
			asOf(usdHKD, day1), rate("USD", "HKD", "seven"),
		}, "USD", "HKD", 0, entrypay.EInvalid, []string{`"seven"`}},
		{"bad leg of a cross", []entrypay.Rate{usdHKD, rate("USD", "PHP", "NaN")}, "HKD", "PHP", 0, entrypay.EInvalid, []string{"HKD/PHP", "USD/PHP"}},
		// 0.000000004 rounds half-even to 0 at 8 places: a quote of zero would give
		// the merchant nothing, so the pair must be quoted the other way round.
		{"price rounds to zero", []entrypay.Rate{rate("VND", "KWD", "0.000000004")}, "VND", "KWD", 0, entrypay.ECurrencyNotSupported, []string{"rounds to zero", "KWD/VND"}},
	}
	var e Engine
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := e.Quote(tt.rates, tt.from, tt.to, tt.spreadBps, now)
			if q != nil {
				t.Errorf("quote %+v with an error", q)
			}
			wantCode(t, err, tt.code, tt.mention...)
		})
	}
}

func TestNewPivots(t *testing.T) {
	rates := []entrypay.Rate{rate("USD", "HKD", "7.8"), rate("USD", "PHP", "56.09"), rate("EUR", "HKD", "8.1832"), rate("EUR", "PHP", "61.982")}
	tests := []struct {
		pivots []string
		want   string // "" when no quote is possible
	}{
		{nil, "7.19102564"},
		{[]string{"EUR"}, "7.57429856"},
		{[]string{"EUR", "USD"}, "7.57429856"},
		{[]string{"JPY"}, ""},
		{[]string{}, ""},
	}
	for _, tt := range tests {
		e, err := New(Config{Pivots: tt.pivots})
		if err != nil {
			t.Fatal(err)
		}
		q, err := e.Quote(rates, "HKD", "PHP", 0, now)
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("pivots %q: price %s, want no path", tt.pivots, q.Price)
		case tt.want != "" && err != nil:
			t.Errorf("pivots %q: %v", tt.pivots, err)
		case tt.want != "" && q.Price != tt.want:
			t.Errorf("pivots %q: price %s, want %s", tt.pivots, q.Price, tt.want)
		}
	}
	if _, err := New(Config{Pivots: []string{"usd"}}); err == nil {
		t.Error("New accepted pivot usd")
	}
	if _, err := New(Config{QuoteLifetime: -time.Second}); err == nil {
		t.Error("New accepted a negative lifetime")
	}
}

func TestConvert(t *testing.T) {
	tests := []struct {
		name  string
		a     entrypay.Amount
		pair  string
		price string
		want  int64
	}{
		// The Antom fixture: MOP 100.00 at 0.97573170 = HKD 97.573170 → 97.57.
		{"antom MOP to HKD", entrypay.Amount{Value: 10000, Currency: "MOP"}, "MOP/HKD", "0.97573170", 9757},
		// HKD 100.00 × 0.12820513 = USD 12.820513 → 12.82.
		{"2 digits", entrypay.Amount{Value: 10000, Currency: "HKD"}, "HKD/USD", "0.12820513", 1282},
		// USD 12.34 × 1452.3 = KRW 17921.382 → 17921.
		{"to KRW, 0 digits", entrypay.Amount{Value: 1234, Currency: "USD"}, "USD/KRW", "1452.3", 17921},
		// HKD 100.00 × 19.8418 = JPY 1984.18 → 1984.
		{"to JPY, 0 digits", entrypay.Amount{Value: 10000, Currency: "HKD"}, "HKD/JPY", "19.8418", 1984},
		// JPY 1000 × 0.04215 = USD 42.15 exactly.
		{"from JPY", entrypay.Amount{Value: 1000, Currency: "JPY"}, "JPY/USD", "0.04215", 4215},
		// USD 100.00 × 0.30712345 = KWD 30.712345 → 30.712.
		{"to KWD, 3 digits", entrypay.Amount{Value: 10000, Currency: "USD"}, "USD/KWD", "0.30712345", 30712},
		// KWD 1.234 × 3.2561 = USD 4.0180274 → 4.02.
		{"from KWD", entrypay.Amount{Value: 1234, Currency: "KWD"}, "KWD/USD", "3.2561", 402},
		// USD 1.23 × 16612.5 = IDR 20433.375 → 20433 whole rupiah = 2043300 minor.
		{"to IDR, whole rupiah", entrypay.Amount{Value: 123, Currency: "USD"}, "USD/IDR", "16612.5", 2043300},
		// IDR 10000 × 0.0000625 = USD 0.625 → 0.62 (tie, 2 is even).
		{"from IDR", entrypay.Amount{Value: 1000000, Currency: "IDR"}, "IDR/USD", "0.0000625", 62},
		// Half-even ties at the rounding digit, price 0.5 between two 2-digit currencies:
		// 0.05 × 0.5 = 0.025 → 0.02; 0.07 × 0.5 = 0.035 → 0.04; 0.01 → 0.005 → 0.00;
		// 0.03 → 0.015 → 0.02.
		{"tie 2.5 → 2", entrypay.Amount{Value: 5, Currency: "HKD"}, "HKD/USD", "0.5", 2},
		{"tie 3.5 → 4", entrypay.Amount{Value: 7, Currency: "HKD"}, "HKD/USD", "0.5", 4},
		{"tie 0.5 → 0", entrypay.Amount{Value: 1, Currency: "HKD"}, "HKD/USD", "0.5", 0},
		{"tie 1.5 → 2", entrypay.Amount{Value: 3, Currency: "HKD"}, "HKD/USD", "0.5", 2},
		{"tie −2.5 → −2", entrypay.Amount{Value: -5, Currency: "HKD"}, "HKD/USD", "0.5", -2},
		{"tie −3.5 → −4", entrypay.Amount{Value: -7, Currency: "HKD"}, "HKD/USD", "0.5", -4},
		// Not a tie: 2.5000001 rounds up.
		{"just above a tie", entrypay.Amount{Value: 5, Currency: "HKD"}, "HKD/USD", "0.50000002", 3},
		// JPY 1 × 9.5 = KRW 9.5 → 10; JPY 3 × 9.5 = 28.5 → 28.
		{"0-digit tie up", entrypay.Amount{Value: 1, Currency: "JPY"}, "JPY/KRW", "9.5", 10},
		{"0-digit tie down", entrypay.Amount{Value: 3, Currency: "JPY"}, "JPY/KRW", "9.5", 28},
		// USD 1.00 × 16000.5 = IDR 16000.5 → 16000; × 16001.5 = 16001.5 → 16002.
		{"IDR tie down", entrypay.Amount{Value: 100, Currency: "USD"}, "USD/IDR", "16000.5", 1600000},
		{"IDR tie up", entrypay.Amount{Value: 100, Currency: "USD"}, "USD/IDR", "16001.5", 1600200},
		{"price 1 is the identity", entrypay.Amount{Value: 123456789, Currency: "USD"}, "USD/HKD", "1", 123456789},
		{"same pair", entrypay.Amount{Value: 599, Currency: "USD"}, "USD/USD", "1", 599},
		{"zero", entrypay.Amount{Value: 0, Currency: "USD"}, "USD/JPY", "150.25", 0},
		// The largest amount at price 1 between same-digit currencies is still exact.
		{"max int64", entrypay.Amount{Value: math.MaxInt64, Currency: "USD"}, "USD/HKD", "1", math.MaxInt64},
		// USD 0.01 at a 34-digit price: 0.01 × 1.234…(34 digits) = 0.01234… → JPY 0.
		{"34-digit price", entrypay.Amount{Value: 1, Currency: "USD"}, "USD/JPY", "1.234567890123456789012345678901234", 0},
	}
	var e Engine
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := &entrypay.Quote{ID: "qt_test", Pair: tt.pair, Price: tt.price}
			got, err := e.Convert(tt.a, q)
			if err != nil {
				t.Fatal(err)
			}
			_, target, _ := strings.Cut(tt.pair, "/")
			if got != (entrypay.Amount{Value: tt.want, Currency: target}) {
				t.Errorf("%s at %s = %d %s, want %d %s", tt.a, tt.price, got.Value, got.Currency, tt.want, target)
			}
		})
	}
}

func TestConvertQuotedPrice(t *testing.T) {
	// Convert uses the 8-place price the merchant sees, not the 34-digit mid, and on a
	// large amount the two differ: HKD 100,000,000.00 × 0.12820513 = USD 12,820,513.00,
	// whereas HKD 100,000,000.00 ÷ 7.8 = USD 12,820,512.82.
	var e Engine
	q, err := e.Quote([]entrypay.Rate{rate("USD", "HKD", "7.8")}, "HKD", "USD", 0, now)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.Convert(entrypay.Amount{Value: 10_000_000_000, Currency: "HKD"}, q)
	if err != nil {
		t.Fatal(err)
	}
	if got.Value != 1_282_051_300 {
		t.Errorf("got %s, want 12820513.00 USD", got)
	}
}

func TestConvertErrors(t *testing.T) {
	tests := []struct {
		name    string
		a       entrypay.Amount
		q       *entrypay.Quote
		mention string
	}{
		{"nil quote", entrypay.Amount{Value: 100, Currency: "USD"}, nil, "no quote"},
		{"wrong currency", entrypay.Amount{Value: 100, Currency: "HKD"}, &entrypay.Quote{Pair: "USD/KRW", Price: "1452.3"}, "must be in USD"},
		{"the quote's second currency", entrypay.Amount{Value: 100, Currency: "KRW"}, &entrypay.Quote{Pair: "USD/KRW", Price: "1452.3"}, "must be in USD"},
		{"pair without slash", entrypay.Amount{Value: 100, Currency: "USD"}, &entrypay.Quote{Pair: "USDKRW", Price: "1452.3"}, "BASE/QUOTE"},
		{"pair with unknown code", entrypay.Amount{Value: 100, Currency: "USD"}, &entrypay.Quote{Pair: "USD/XYZ", Price: "1"}, "BASE/QUOTE"},
		{"exponent price", entrypay.Amount{Value: 100, Currency: "USD"}, &entrypay.Quote{Pair: "USD/KRW", Price: "1.4523e3"}, "plain decimal"},
		{"negative price", entrypay.Amount{Value: 100, Currency: "USD"}, &entrypay.Quote{Pair: "USD/KRW", Price: "-1"}, "plain decimal"},
		{"zero price", entrypay.Amount{Value: 100, Currency: "USD"}, &entrypay.Quote{Pair: "USD/KRW", Price: "0"}, "greater than zero"},
		{"empty price", entrypay.Amount{Value: 100, Currency: "USD"}, &entrypay.Quote{Pair: "USD/KRW"}, "empty"},
		{"35-digit price", entrypay.Amount{Value: 100, Currency: "USD"}, &entrypay.Quote{Pair: "USD/KRW", Price: "1.2345678901234567890123456789012345"}, "more than 34"},
		{"IDR not ending in 00", entrypay.Amount{Value: 12345, Currency: "IDR"}, &entrypay.Quote{Pair: "IDR/USD", Price: "0.0000625"}, "end in 00"},
		// USD 92,233,720,368,547,758.07 × 16000 does not fit in int64 minor units.
		{"overflow", entrypay.Amount{Value: math.MaxInt64, Currency: "USD"}, &entrypay.Quote{Pair: "USD/IDR", Price: "16000"}, "does not fit"},
		// USD 0.01 × 10^20 = KWD 10^18 = 10^21 minor units, past int64's 9.2 × 10^18.
		{"overflow by one digit", entrypay.Amount{Value: 1, Currency: "USD"}, &entrypay.Quote{Pair: "USD/KWD", Price: "100000000000000000000"}, "does not fit"},
	}
	var e Engine
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.Convert(tt.a, tt.q)
			if got != (entrypay.Amount{}) {
				t.Errorf("got %+v with an error", got)
			}
			wantCode(t, err, entrypay.EInvalid, tt.mention)
		})
	}
}

func TestShare(t *testing.T) {
	usd := func(v int64) entrypay.Amount { return entrypay.Amount{Value: v, Currency: "USD"} }
	idr := func(v int64) entrypay.Amount { return entrypay.Amount{Value: v, Currency: "IDR"} }
	tests := []struct {
		name        string
		a           entrypay.Amount
		part, whole int64
		want        int64
	}{
		{"a third", usd(10000), 1, 3, 3333},    // 3333.33…
		{"two thirds", usd(10000), 2, 3, 6667}, // 6666.66…
		{"tie 2.5 → 2", usd(5), 1, 2, 2},       // 2.5
		{"tie 3.5 → 4", usd(7), 1, 2, 4},       // 3.5
		{"tie −3.5 → −4", usd(-7), 1, 2, -4},   // −3.5
		{"none", usd(10000), 0, 7, 0},
		{"all", usd(10001), 7, 7, 10001},
		{"JPY", entrypay.Amount{Value: 1000, Currency: "JPY"}, 1, 3, 333},
		{"IDR to whole rupiah", idr(10000), 1, 3, 3300}, // 100 rupiah / 3 = 33.3 → 33
		{"IDR tie", idr(500), 1, 2, 200},                // 5 rupiah / 2 = 2.5 → 2
		// 9223372036854775807 / 2 = 4611686018427387903.5 → …904 (even); the product
		// needs more than 64 bits.
		{"max int64", usd(math.MaxInt64), 1, 2, 4611686018427387904},
		{"max int64 large parts", usd(math.MaxInt64), math.MaxInt64 - 1, math.MaxInt64, math.MaxInt64 - 1},
	}
	var e Engine
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.Share(tt.a, tt.part, tt.whole)
			if err != nil {
				t.Fatal(err)
			}
			if got != (entrypay.Amount{Value: tt.want, Currency: tt.a.Currency}) {
				t.Errorf("Share(%s, %d, %d) = %d, want %d", tt.a, tt.part, tt.whole, got.Value, tt.want)
			}
		})
	}
}

func TestShareErrors(t *testing.T) {
	tests := []struct {
		name        string
		a           entrypay.Amount
		part, whole int64
		code        entrypay.ErrorCode
	}{
		{"zero whole", entrypay.Amount{Value: 100, Currency: "USD"}, 0, 0, entrypay.EInvalid},
		{"negative whole", entrypay.Amount{Value: 100, Currency: "USD"}, -1, -2, entrypay.EInvalid},
		{"negative part", entrypay.Amount{Value: 100, Currency: "USD"}, -1, 2, entrypay.EInvalid},
		{"part above whole", entrypay.Amount{Value: 100, Currency: "USD"}, 3, 2, entrypay.EInvalid},
		{"IDR not ending in 00", entrypay.Amount{Value: 150, Currency: "IDR"}, 1, 2, entrypay.EInvalid},
		{"unknown currency", entrypay.Amount{Value: 100, Currency: "XYZ"}, 1, 2, entrypay.ECurrencyNotSupported},
	}
	var e Engine
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.Share(tt.a, tt.part, tt.whole)
			wantCode(t, err, tt.code)
		})
	}
}

// TestShareTelescopes checks the property partial refunds and splits rely on: shares of
// running totals, differenced, add up to the whole amount with nothing lost or made.
func TestShareTelescopes(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	currencies := []string{"USD", "JPY", "KWD", "IDR"}
	var e Engine
	for i := range 2000 {
		code := currencies[i%len(currencies)]
		var value int64
		switch i % 3 {
		case 0:
			value = r.Int64N(1_000_000)
		case 1:
			value = r.Int64N(math.MaxInt64/2) - r.Int64N(math.MaxInt64/2)
		case 2:
			value = -r.Int64N(10_000)
		}
		if code == "IDR" {
			value -= value % 100
		}
		a := entrypay.Amount{Value: value, Currency: code}
		n := 1 + r.IntN(12)
		parts := make([]int64, n)
		var whole int64
		for j := range parts {
			parts[j] = r.Int64N(1 << uint(r.IntN(40)+1))
			whole += parts[j]
		}
		if whole == 0 {
			continue
		}
		var sum, prev, cum int64
		for _, p := range parts {
			cum += p
			s, err := e.Share(a, cum, whole)
			if err != nil {
				t.Fatalf("Share(%s, %d, %d): %v", a, cum, whole, err)
			}
			piece := s.Value - prev
			if code == "IDR" && piece%100 != 0 {
				t.Fatalf("IDR piece %d does not end in 00", piece)
			}
			sum += piece
			prev = s.Value
		}
		if sum != a.Value {
			t.Fatalf("%s split %v: pieces add up to %d", a, parts, sum)
		}
	}
}

func TestFee(t *testing.T) {
	usd := func(v int64) entrypay.Amount { return entrypay.Amount{Value: v, Currency: "USD"} }
	idr := func(v int64) entrypay.Amount { return entrypay.Amount{Value: v, Currency: "IDR"} }
	tests := []struct {
		name  string
		a     entrypay.Amount
		bps   int64
		fixed entrypay.Amount
		want  int64
	}{
		{"250 bps of 100.00", usd(10000), 250, entrypay.Amount{}, 250},
		{"with fixed 3.00", usd(10000), 250, usd(300), 550},
		{"zero fixed of another currency", usd(10000), 250, entrypay.Amount{Currency: "HKD"}, 250},
		{"round up", usd(1234), 250, entrypay.Amount{}, 31},         // 30.85 → 31
		{"tie to even down", usd(1220), 250, entrypay.Amount{}, 30}, // 30.5 → 30
		{"tie to even up", usd(1260), 250, entrypay.Amount{}, 32},   // 31.5 → 32
		{"negative amount", usd(-1260), 250, entrypay.Amount{}, -32},
		{"JPY", entrypay.Amount{Value: 1000, Currency: "JPY"}, 290, entrypay.Amount{}, 29},
		{"KWD", entrypay.Amount{Value: 12345, Currency: "KWD"}, 175, entrypay.Amount{}, 216}, // 216.0375
		{"IDR whole rupiah", idr(1000000), 250, idr(100000), 125000},                         // 250 + 1000 rupiah
		{"IDR tie", idr(10000), 250, entrypay.Amount{}, 200},                                 // 2.5 rupiah → 2
		{"IDR round up", idr(10000), 150, entrypay.Amount{}, 200},                            // 1.5 rupiah → 2
		{"zero bps", usd(10000), 0, usd(30), 30},
		{"all of it", usd(10000), 10000, usd(30), 10030},
	}
	var e Engine
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.Fee(tt.a, tt.bps, tt.fixed)
			if err != nil {
				t.Fatal(err)
			}
			if got != (entrypay.Amount{Value: tt.want, Currency: tt.a.Currency}) {
				t.Errorf("Fee(%s, %d, %v) = %+v, want %d", tt.a, tt.bps, tt.fixed, got, tt.want)
			}
		})
	}
}

func TestFeeErrors(t *testing.T) {
	usd := func(v int64) entrypay.Amount { return entrypay.Amount{Value: v, Currency: "USD"} }
	tests := []struct {
		name  string
		a     entrypay.Amount
		bps   int64
		fixed entrypay.Amount
		code  entrypay.ErrorCode
	}{
		{"negative bps", usd(100), -1, entrypay.Amount{}, entrypay.EInvalid},
		{"bps above 100 %", usd(100), 10001, entrypay.Amount{}, entrypay.EInvalid},
		{"fixed in another currency", usd(100), 250, entrypay.Amount{Value: 300, Currency: "HKD"}, entrypay.EInvalid},
		{"fixed without currency", usd(100), 250, entrypay.Amount{Value: 300}, entrypay.EInvalid},
		{"negative fixed", usd(100), 250, usd(-1), entrypay.EInvalid},
		{"IDR fixed not ending in 00", entrypay.Amount{Value: 10000, Currency: "IDR"}, 250, entrypay.Amount{Value: 150, Currency: "IDR"}, entrypay.EInvalid},
		{"IDR amount not ending in 00", entrypay.Amount{Value: 10050, Currency: "IDR"}, 250, entrypay.Amount{}, entrypay.EInvalid},
		{"unknown currency", entrypay.Amount{Value: 100, Currency: "usd"}, 250, entrypay.Amount{}, entrypay.ECurrencyNotSupported},
		{"overflow", usd(math.MaxInt64), 10000, usd(1), entrypay.EInvalid},
	}
	var e Engine
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.Fee(tt.a, tt.bps, tt.fixed)
			wantCode(t, err, tt.code)
		})
	}
}

// TestConcurrentUse runs an engine from many goroutines under -race: Engine holds no
// mutable state, and the apd contexts are shared read-only.
func TestConcurrentUse(t *testing.T) {
	e, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	rates := []entrypay.Rate{rate("USD", "HKD", "7.8"), rate("USD", "PHP", "56.09")}
	done := make(chan error)
	for range 8 {
		go func() {
			for range 100 {
				q, err := e.Quote(rates, "HKD", "PHP", 100, now)
				if err != nil {
					done <- err
					return
				}
				if _, err := e.Convert(entrypay.Amount{Value: 10000, Currency: "HKD"}, q); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
