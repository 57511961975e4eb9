package fx

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/entrypay/entrypay"
)

func parseECBFile(t *testing.T, name string) []entrypay.Rate {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rates, err := ParseECB(f, now)
	if err != nil {
		t.Fatal(err)
	}
	return rates
}

func TestParseECBDaily(t *testing.T) {
	rates := parseECBFile(t, "testdata/eurofxref-daily.xml")
	if len(rates) != 29 {
		t.Fatalf("%d rates, want 29", len(rates))
	}
	// 16:00 in Berlin on 25 November is 16:00+01:00 (CET, winter) = 15:00 UTC, with or
	// without tzdata.
	wantAsOf := time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC)
	byCode := map[string]entrypay.Rate{}
	for _, r := range rates {
		if r.Base != "EUR" || r.Source != "ecb" || !r.AsOf.Equal(wantAsOf) || !r.CreatedAt.Equal(now) {
			t.Errorf("rate %+v", r)
		}
		byCode[r.Quote] = r
	}
	for code, price := range map[string]string{
		"USD": "1.0512", "JPY": "162.37", "KRW": "1528.64", "HKD": "8.1832", "CNY": "7.4805",
		"PHP": "61.982", "THB": "35.512", "MYR": "4.5880", "IDR": "17521.06", "SGD": "1.4023", "GBP": "0.83650",
	} {
		if got := byCode[code].Price; got != price {
			t.Errorf("EUR/%s = %q, want %s", code, got, price)
		}
	}

	// The ECB's rates cross through EUR: HKD→JPY = 162.37 / 8.1832 = 19.841871150…
	var e Engine
	q, err := e.Quote(rates, "HKD", "JPY", 0, now)
	if err != nil {
		t.Fatal(err)
	}
	if q.Price != "19.84187115" {
		t.Errorf("HKD/JPY %s, want 19.84187115", q.Price)
	}
	// USD→KRW = 1528.64 / 1.0512 = 1454.185692541…
	q, err = e.Quote(rates, "USD", "KRW", 0, now)
	if err != nil {
		t.Fatal(err)
	}
	if q.Price != "1454.18569254" {
		t.Errorf("USD/KRW %s, want 1454.18569254", q.Price)
	}
}

func TestParseECBHistory(t *testing.T) {
	rates := parseECBFile(t, "testdata/eurofxref-hist-90d.xml")
	if len(rates) != 9 {
		t.Fatalf("%d rates, want 9", len(rates))
	}
	// 3 July is summer time: 16:00 CEST = 14:00 UTC when tzdata is there; the fallback
	// zone is CET all year, giving 15:00 UTC.
	wantHour := 14
	if _, err := time.LoadLocation("Europe/Berlin"); err != nil {
		wantHour = 15
	}
	first := rates[0]
	if first.Quote != "USD" || first.Price != "1.0795" || !first.AsOf.Equal(time.Date(2026, 7, 3, wantHour, 0, 0, 0, time.UTC)) {
		t.Errorf("first rate %+v", first)
	}
	last := rates[8]
	if last.Quote != "HKD" || last.Price != "8.4280" || !last.AsOf.Equal(time.Date(2026, 7, 1, wantHour, 0, 0, 0, time.UTC)) {
		t.Errorf("last rate %+v", last)
	}
	// The newest day prices the quote: EUR→USD on 3 July.
	var e Engine
	q, err := e.Quote(rates, "EUR", "USD", 0, now)
	if err != nil {
		t.Fatal(err)
	}
	if q.Price != "1.0795" {
		t.Errorf("EUR/USD %s, want 1.0795 (3 July)", q.Price)
	}
}

func TestParseECBRefuses(t *testing.T) {
	const open = `<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
<gesmes:subject>Reference rates</gesmes:subject><Cube>`
	const close = `</Cube></gesmes:Envelope>`
	day := func(cubes string) string { return open + `<Cube time="2026-11-25">` + cubes + `</Cube>` + close }
	tests := []struct {
		name    string
		xml     string
		mention string
	}{
		{"empty", "", "not readable XML"},
		{"not XML", "base,quote,price\nEUR,USD,1.05\n", "not readable XML"},
		{"JSON", `{"rates":{"USD":1.05}}`, "not readable XML"},
		{"truncated", open + `<Cube time="2026-11-25"><Cube currency="USD" rate="1.0512"/>`, "not readable XML"},
		{"mismatched tags", open + `<Cube time="2026-11-25"></Cubes>` + close, "not readable XML"},
		{"another root", `<rss version="2.0"><channel><Cube><Cube time="2026-11-25"><Cube currency="USD" rate="1"/></Cube></Cube></channel></rss>`, "not the ECB's"},
		{"envelope without namespace", `<Envelope><Cube><Cube time="2026-11-25"><Cube currency="USD" rate="1"/></Cube></Cube></Envelope>`, "not the ECB's"},
		{"no rates", open + close, "no rates"},
		{"a day without rates", day(""), "no rates"},
		{"no time", open + `<Cube><Cube currency="USD" rate="1.0512"/></Cube>` + close, `day "" is not a date`},
		{"bad time", open + `<Cube time="25.11.2026"><Cube currency="USD" rate="1.0512"/></Cube>` + close, `day "25.11.2026"`},
		{"comma rate", day(`<Cube currency="USD" rate="1,0512"/>`), `price "1,0512"`},
		{"negative rate", day(`<Cube currency="USD" rate="-1.0512"/>`), `price "-1.0512"`},
		{"empty rate", day(`<Cube currency="USD" rate=""/>`), `price "" is empty`},
		{"exponent rate", day(`<Cube currency="JPY" rate="1.6237E2"/>`), `price "1.6237E2"`},
		{"withdrawn currency", day(`<Cube currency="USD" rate="1.0512"/><Cube currency="HRK" rate="7.5345"/>`), `2026-11-25: currency "HRK"`},
		{"lower-case currency", day(`<Cube currency="usd" rate="1.0512"/>`), `currency "usd"`},
		{"EUR against itself", day(`<Cube currency="EUR" rate="1"/>`), "both EUR"},
		{"currency twice", day(`<Cube currency="USD" rate="1.0512"/><Cube currency="USD" rate="1.0513"/>`), "USD is listed twice"},
		{"day twice", open + `<Cube time="2026-11-25"><Cube currency="USD" rate="1.0512"/></Cube><Cube time="2026-11-25"><Cube currency="USD" rate="1.0512"/></Cube>` + close, "listed twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rates, err := ParseECB(strings.NewReader(tt.xml), now)
			if rates != nil {
				t.Errorf("%d rates returned with the error", len(rates))
			}
			wantCode(t, err, entrypay.EInvalid, "ECB rates", tt.mention)
		})
	}
}
