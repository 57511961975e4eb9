package fx

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/entrypay/entrypay"
)

func TestParseRatesFile(t *testing.T) {
	f, err := os.Open("testdata/rates.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rates, err := ParseRatesFile(f, "", now)
	if err != nil {
		t.Fatal(err)
	}
	manila := time.FixedZone("", 8*60*60)
	want := []entrypay.Rate{
		{Base: "USD", Quote: "HKD", Price: "7.8", AsOf: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)},
		{Base: "USD", Quote: "PHP", Price: "56.09", AsOf: time.Date(2026, 11, 25, 9, 0, 0, 0, manila)},
		{Base: "USD", Quote: "KRW", Price: "1452.30", AsOf: time.Date(2026, 11, 25, 9, 0, 0, 0, manila)},
		{Base: "HKD", Quote: "MOP", Price: "1.03", AsOf: now},
	}
	if len(rates) != len(want) {
		t.Fatalf("%d rates, want %d: %+v", len(rates), len(want), rates)
	}
	for i, w := range want {
		got := rates[i]
		if got.Base != w.Base || got.Quote != w.Quote || got.Price != w.Price || !got.AsOf.Equal(w.AsOf) {
			t.Errorf("rate %d = %s %s %s, want %s %s %s", i, got.Pair(), got.Price, got.AsOf, w.Pair(), w.Price, w.AsOf)
		}
		if got.Source != "file" || !got.CreatedAt.Equal(now) {
			t.Errorf("rate %d source %q created %v", i, got.Source, got.CreatedAt)
		}
	}

	// The parsed rates price quotes: HKD→PHP crosses USD (the HKD/MOP line is not a leg).
	var e Engine
	q, err := e.Quote(rates, "HKD", "PHP", 0, now)
	if err != nil {
		t.Fatal(err)
	}
	if q.Price != "7.19102564" {
		t.Errorf("HKD/PHP %s, want 7.19102564", q.Price)
	}
}

func TestParseRatesFileForms(t *testing.T) {
	tests := []struct {
		name string
		file string
		want []string // "BASE/QUOTE PRICE AS_OF(RFC 3339 UTC)"
	}{
		{"header without as_of", "base,quote,price\nUSD,HKD,7.8\n", []string{"USD/HKD 7.8 2026-11-25T18:30:00Z"}},
		{"upper-case header, spaces, CRLF, BOM and no final newline",
			"\ufeffBASE, Quote ,PRICE,As_Of\r\n USD , HKD , 7.80 , 2026-11-24 \r\nEUR,USD,1.0512,2026-11-24T16:00:00+01:00",
			[]string{"USD/HKD 7.80 2026-11-24T00:00:00Z", "EUR/USD 1.0512 2026-11-24T15:00:00Z"}},
		{"comments before the header and indented", "# rates\n  # more\n\nbase,quote,price,as_of\n\n   # between\nUSD,JPY,150.25,\n",
			[]string{"USD/JPY 150.25 2026-11-25T18:30:00Z"}},
		{"history of one pair", "base,quote,price,as_of\nUSD,HKD,7.8,2026-11-24\nUSD,HKD,7.81,2026-11-25\n",
			[]string{"USD/HKD 7.8 2026-11-24T00:00:00Z", "USD/HKD 7.81 2026-11-25T00:00:00Z"}},
		{"fractional seconds", "base,quote,price,as_of\nUSD,HKD,7.8,2026-11-25T10:00:00.123456789Z\n",
			[]string{"USD/HKD 7.8 2026-11-25T10:00:00.123456789Z"}},
		{"as_of up to a day ahead", "base,quote,price,as_of\nUSD,HKD,7.8,2026-11-26\n", []string{"USD/HKD 7.8 2026-11-26T00:00:00Z"}},
		{"small and long prices", "base,quote,price\nIDR,USD,0.0000625\nUSD,VND,12345678901234567890\nUSD,EUR,0.12345678901234567890\n",
			[]string{"IDR/USD 0.0000625 2026-11-25T18:30:00Z", "USD/VND 12345678901234567890 2026-11-25T18:30:00Z", "USD/EUR 0.12345678901234567890 2026-11-25T18:30:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rates, err := ParseRatesFile(strings.NewReader(tt.file), "admin", now)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rates {
				got = append(got, r.Pair()+" "+r.Price+" "+r.AsOf.UTC().Format(time.RFC3339Nano))
				if r.Source != "admin" {
					t.Errorf("source %q", r.Source)
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestParseRatesFileRefuses(t *testing.T) {
	const h = "base,quote,price,as_of\n"
	tests := []struct {
		name    string
		file    string
		mention string // besides the line number
		line    int    // 0: the error names no line
	}{
		{"empty file", "", "no header", 0},
		{"comments only", "# nothing\n\n", "no header", 0},
		{"header only", h + "# none yet\n", "no rates", 0},
		{"wrong header", "from,to,rate\nUSD,HKD,7.8\n", "header", 1},
		{"data before header", "USD,HKD,7.8\nbase,quote,price\n", "header", 1},
		{"too few fields", h + "USD,HKD,7.8,2026-11-25\nUSD,PHP\n", "2 fields, but the header has 4", 3},
		{"too many fields", "base,quote,price\nUSD,HKD,7.8,2026-11-25\n", "4 fields, but the header has 3", 2},
		{"comma decimal", h + "USD,HKD,7,8,2026-11-25\n", "5 fields", 2},
		{"unknown base", h + "XYZ,HKD,7.8,\n", `base "XYZ" is not an ISO 4217`, 2},
		{"lower-case quote", "# c\n" + h + "USD,hkd,7.8,\n", `quote "hkd"`, 3},
		{"empty code", h + ",HKD,7.8,\n", `base ""`, 2},
		{"same currency", h + "USD,USD,1,\n", "both USD", 2},
		{"exponent", h + "USD,JPY,1e3,\n", `price "1e3" is not a plain decimal`, 2},
		{"negative", h + "USD,HKD,-7.8,\n", `"-7.8" is not a plain decimal`, 2},
		{"plus sign", h + "USD,HKD,+7.8,\n", "plain decimal", 2},
		{"zero", h + "USD,HKD,0.000,\n", "greater than zero", 2},
		{"empty price", h + "USD,HKD,,\n", `price "" is empty`, 2},
		{"leading point", h + "USD,HKD,.8,\n", "plain decimal", 2},
		{"trailing point", h + "USD,HKD,7.,\n", "plain decimal", 2},
		{"leading zero", h + "USD,HKD,07.8,\n", "leading zero", 2},
		{"thousands separator", h + "USD,IDR,16_612.5,\n", "plain decimal", 2},
		{"NaN", h + "USD,HKD,NaN,\n", "plain decimal", 2},
		{"Infinity", h + "USD,HKD,Infinity,\n", "plain decimal", 2},
		{"hex", h + "USD,HKD,0x1F,\n", "plain decimal", 2},
		{"21 significant digits", h + "USD,VND,123456789012345678901,\n", "more than 20 significant digits", 2},
		{"21 decimal places", h + "USD,EUR,0.000000000000000000001,\n", "more than 20 decimal places", 2},
		{"bad as_of", h + "USD,HKD,7.8,25/11/2026\n", "neither RFC 3339", 2},
		{"as_of without zone", h + "USD,HKD,7.8,2026-11-25T10:00:00\n", "neither RFC 3339", 2},
		{"as_of in the future", h + "USD,HKD,7.8,2026-11-27\n", "in the future", 2},
		{"as_of before 1970", h + "USD,HKD,7.8,1969-12-31\n", "before 1970", 2},
		{"duplicate", h + "USD,HKD,7.8,2026-11-25\n# again\nUSD,HKD,7.81,2026-11-25T08:00:00+08:00\n", "repeats line 2", 4},
		{"duplicate with default as_of", h + "USD,HKD,7.8,\nUSD,HKD,7.8,\n", "repeats line 2", 3},
		{"bad line after good ones", h + "USD,HKD,7.8,\nUSD,PHP,56.09,\nUSD,THB,thirty,\n", "thirty", 4},
		{"long line", h + "USD,HKD,7.8," + strings.Repeat(" ", maxLineBytes) + "\n", "longer than", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rates, err := ParseRatesFile(strings.NewReader(tt.file), "file", now)
			if rates != nil {
				t.Errorf("%d rates returned with the error", len(rates))
			}
			var mention []string
			if tt.line > 0 {
				mention = append(mention, "line "+strconv.Itoa(tt.line)+":")
			}
			wantCode(t, err, entrypay.EInvalid, append(mention, tt.mention)...)
		})
	}
}

// failingReader returns some bytes and then an error, as a dropped upload does.
type failingReader struct{ done bool }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.done {
		return 0, errors.New("connection reset")
	}
	r.done = true
	return copy(p, "base,quote,price\nUSD,HKD,7.8\n"), nil
}

func TestParseRatesFileReadError(t *testing.T) {
	rates, err := ParseRatesFile(&failingReader{}, "file", now)
	if rates != nil || err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("rates %v, error %v", rates, err)
	}
}

func TestFormatRatesFileRoundTrip(t *testing.T) {
	data, err := os.ReadFile("testdata/rates.csv")
	if err != nil {
		t.Fatal(err)
	}
	rates, err := ParseRatesFile(bytes.NewReader(data), "file", now)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := FormatRatesFile(&buf, rates); err != nil {
		t.Fatal(err)
	}
	const want = `base,quote,price,as_of
USD,HKD,7.8,2026-11-25T00:00:00Z
USD,PHP,56.09,2026-11-25T01:00:00Z
USD,KRW,1452.30,2026-11-25T01:00:00Z
HKD,MOP,1.03,2026-11-25T18:30:00Z
`
	if buf.String() != want {
		t.Errorf("wrote\n%s\nwant\n%s", buf.String(), want)
	}
	again, err := ParseRatesFile(&buf, "file", now)
	if err != nil {
		t.Fatal(err)
	}
	sameRates(t, again, rates)
}

// sameRates fails unless got and want hold the same rates, times compared as instants.
func sameRates(t *testing.T, got, want []entrypay.Rate) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d rates, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Base != w.Base || g.Quote != w.Quote || g.Price != w.Price || g.Source != w.Source ||
			!g.AsOf.Equal(w.AsOf) || !g.CreatedAt.Equal(w.CreatedAt) {
			t.Fatalf("rate %d = %+v, want %+v", i, g, w)
		}
	}
}

func TestFormatRatesFileRefuses(t *testing.T) {
	good := rate("USD", "HKD", "7.8")
	tests := []struct {
		name    string
		rates   []entrypay.Rate
		mention string
	}{
		{"bad price", []entrypay.Rate{good, rate("USD", "PHP", "5.6e1")}, "rate 2"},
		{"unknown currency", []entrypay.Rate{rate("USD", "ABC", "1")}, "ABC"},
		{"zero AsOf", []entrypay.Rate{asOf(good, time.Time{})}, "outside 1970..9999"},
		{"AsOf past 9999", []entrypay.Rate{asOf(good, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))}, "outside 1970..9999"},
		{"duplicate", []entrypay.Rate{good, createdAt(good, now)}, "repeats rate 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := FormatRatesFile(&buf, tt.rates)
			if err == nil || !strings.Contains(err.Error(), tt.mention) {
				t.Fatalf("error %v, want one mentioning %q", err, tt.mention)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %q before refusing", buf.String())
			}
		})
	}
}

func TestCheckRate(t *testing.T) {
	if err := CheckRate(rate("USD", "HKD", "7.8")); err != nil {
		t.Error(err)
	}
	wantCode(t, CheckRate(rate("USD", "XYZ", "7.8")), entrypay.ECurrencyNotSupported, "USD/XYZ")
	wantCode(t, CheckRate(rate("USD", "HKD", "7.8.0")), entrypay.EInvalid, "USD/HKD", "plain decimal")
}
