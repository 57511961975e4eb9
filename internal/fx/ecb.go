package fx

import (
	"encoding/xml"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/entrypay/entrypay"
)

// ecbEnvelopeSpace is the namespace of the gesmes:Envelope root of the ECB's
// eurofxref files; checking it tells an ECB file from any other XML.
const ecbEnvelopeSpace = "http://www.gesmes.org/xml/2002-08-01"

// ecbEnvelope is eurofxref-daily.xml and eurofxref-hist.xml: an outer Cube holding one
// Cube per day, each holding one Cube per currency.
type ecbEnvelope struct {
	XMLName xml.Name
	Cube    struct {
		Days []struct {
			Time  string `xml:"time,attr"`
			Rates []struct {
				Currency string `xml:"currency,attr"`
				Rate     string `xml:"rate,attr"`
			} `xml:"Cube"`
		} `xml:"Cube"`
	} `xml:"Cube"`
}

// ecbZone is where the ECB fixes its rates. time.LoadLocation needs the system's tzdata
// (or a main package importing time/tzdata); without it, CET's winter offset is used,
// an hour off in summer, which moves AsOf but never the order of two days.
var ecbZone = sync.OnceValue(func() *time.Location {
	if loc, err := time.LoadLocation("Europe/Berlin"); err == nil {
		return loc
	}
	return time.FixedZone("CET", 60*60)
})

// ParseECB reads the ECB's euro foreign exchange reference rates, as published in
// eurofxref-daily.xml or, with several days, eurofxref-hist.xml and
// eurofxref-hist-90d.xml. Each currency of each day becomes Rate{Base: "EUR", Quote:
// the currency, Price: the rate as written, Source: "ecb", AsOf: that day at 16:00
// Europe/Berlin (the ECB's fixing time), CreatedAt: now}, in the file's order.
//
// The whole file is refused, with an *entrypay.Error (EInvalid), when it is not
// well-formed XML, not an ECB envelope, has no rates, or has a day without a valid date,
// a currency entrypay.Digits does not know, a currency twice in a day, or a rate that
// is not a positive plain decimal. The ECB's history goes back to 1999 and lists
// currencies since withdrawn (CYP, SIT, HRK, BGN, …), which makes a full
// eurofxref-hist.xml refused; the daily and 90-day files of 2026 list current codes only.
func ParseECB(r io.Reader, now time.Time) ([]entrypay.Rate, error) {
	bad := func(format string, args ...any) error {
		return entrypay.Errorf(entrypay.EInvalid, "ECB rates: %s", fmt.Sprintf(format, args...))
	}
	var env ecbEnvelope
	if err := xml.NewDecoder(r).Decode(&env); err != nil {
		return nil, &entrypay.Error{Code: entrypay.EInvalid, Message: fmt.Sprintf("ECB rates: not readable XML: %v", err), Err: err}
	}
	if env.XMLName.Space != ecbEnvelopeSpace || env.XMLName.Local != "Envelope" {
		return nil, bad("root element is %q in %q, not the ECB's gesmes:Envelope", clip(env.XMLName.Local), clip(env.XMLName.Space))
	}
	var rates []entrypay.Rate
	seen := map[string]bool{} // day and currency
	for _, day := range env.Cube.Days {
		date, err := time.Parse(time.DateOnly, day.Time)
		if err != nil {
			return nil, bad("day %q is not a date such as 2026-11-25", clip(day.Time))
		}
		asOf := time.Date(date.Year(), date.Month(), date.Day(), 16, 0, 0, 0, ecbZone())
		for _, x := range day.Rates {
			if _, ok := entrypay.Digits(x.Currency); !ok {
				return nil, bad("%s: currency %q is not an ISO 4217 code entrypay knows", day.Time, clip(x.Currency))
			}
			rate := entrypay.Rate{Base: "EUR", Quote: x.Currency, Price: x.Rate, Source: "ecb", AsOf: asOf, CreatedAt: now}
			if msg := rateProblem(rate); msg != "" {
				return nil, bad("%s: %s", day.Time, msg)
			}
			key := day.Time + " " + x.Currency
			if seen[key] {
				return nil, bad("%s: %s is listed twice", day.Time, x.Currency)
			}
			seen[key] = true
			rates = append(rates, rate)
		}
	}
	if len(rates) == 0 {
		return nil, bad("no rates in the file")
	}
	return rates, nil
}
