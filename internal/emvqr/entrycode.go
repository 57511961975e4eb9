package emvqr

import (
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/bojanz/currency"
)

// DefaultGUID is the globally unique identifier StaticEntryCode writes in template 26
// when Merchant.GUID is empty.
const DefaultGUID = "COM.ENTRYPAY"

// Merchant is what a static entry code tells a wallet about the merchant.
type Merchant struct {
	// GUID names who defines the rest of template 26 (sub-object 00): a reverse domain
	// name, an AID or a hyphen-less UUID; 1–32 printable ASCII characters. Empty means
	// DefaultGUID.
	GUID string
	// URL is the entry-code URL (template 26, sub-object 01), such as
	// "HTTPS://EP.IO/C/7QK2M9XRT4BD".
	URL string
	// MCC is the ISO 18245 merchant category code, four digits (ID 52).
	MCC string
	// Currency is the ISO 4217 alphabetic code; the payload carries the numeric code (ID 53).
	Currency string
	// Country is the ISO 3166-1 alpha-2 code in upper case (ID 58).
	Country string
	// Name (ID 59, at most 25 characters) and City (ID 60, at most 15) must be
	// printable ASCII, the EMV "Alphanumeric Special" set.
	Name string
	City string
	// Language (two letters, ISO 639), NameAlt (at most 25 characters) and CityAlt (at
	// most 15, optional) form template 64, where any script is allowed. Leave all three
	// empty to omit the template.
	Language string
	NameAlt  string
	CityAlt  string
}

// Field limits from the EMV MPM data object table.
const (
	maxGUID = 32
	maxName = 25
	maxCity = 15
)

// StaticEntryCode returns the EMV MPM payload of a static entry code: 00 "01", 01 "11"
// (static), template 26 {00 GUID, 01 URL}, 52 MCC, 53 numeric currency, 58 country,
// 59 name, 60 city, optionally template 64 {00 language, 01 name, 02 city}, and 63 CRC.
// It carries no amount (54): the customer enters it.
//
// Too long or badly formed fields are errors, never truncated. Template 26 holds at
// most 99 characters, so the URL may be at most 91 characters minus the GUID's length
// (79 with DefaultGUID).
func StaticEntryCode(m Merchant) (string, error) {
	if m.GUID == "" {
		m.GUID = DefaultGUID
	}
	if err := m.validate(); err != nil {
		return "", err
	}
	num, _ := currency.GetNumericCode(m.Currency) // validate checked it
	objs := []Object{
		{ID: "00", Value: "01"},
		{ID: "01", Value: "11"},
		{ID: "26", Sub: []Object{{ID: "00", Value: m.GUID}, {ID: "01", Value: m.URL}}},
		{ID: "52", Value: m.MCC},
		{ID: "53", Value: num},
		{ID: "58", Value: m.Country},
		{ID: "59", Value: m.Name},
		{ID: "60", Value: m.City},
	}
	if m.Language != "" {
		lang := []Object{{ID: "00", Value: m.Language}, {ID: "01", Value: m.NameAlt}}
		if m.CityAlt != "" {
			lang = append(lang, Object{ID: "02", Value: m.CityAlt})
		}
		objs = append(objs, Object{ID: "64", Sub: lang})
	}
	return Encode(objs)
}

// ParseEntryCode reads a static entry code back into a Merchant. It accepts any valid
// MPM payload with format indicator "01", point of initiation "11", no amount, the
// merchant account in template 26 and the fields StaticEntryCode writes, all within the
// same limits; other data objects are ignored.
func ParseEntryCode(s string) (Merchant, error) {
	p, err := Parse(s)
	if err != nil {
		return Merchant{}, err
	}
	value := func(id string) string {
		o, _ := p.Get(id)
		return o.Value
	}
	if v := value("00"); v != "01" {
		return Merchant{}, fmt.Errorf("emvqr: payload format indicator is %q, want \"01\"", v)
	}
	if v := value("01"); v != "11" {
		return Merchant{}, fmt.Errorf("emvqr: point of initiation is %q, want \"11\" (static)", v)
	}
	if _, ok := p.Get("54"); ok {
		return Merchant{}, errors.New("emvqr: a static entry code carries no amount (ID 54)")
	}
	acct, ok := p.Get("26")
	if !ok {
		return Merchant{}, errors.New("emvqr: no merchant account template 26")
	}
	guid, _ := acct.Get("00")
	url, _ := acct.Get("01")
	m := Merchant{
		GUID:    guid.Value,
		URL:     url.Value,
		MCC:     value("52"),
		Country: value("58"),
		Name:    value("59"),
		City:    value("60"),
	}
	num := value("53")
	if num == "" {
		return Merchant{}, errors.New("emvqr: no transaction currency (ID 53)")
	}
	if m.Currency, ok = currencyForNumeric(num); !ok {
		return Merchant{}, fmt.Errorf("emvqr: unknown ISO 4217 numeric currency %q (ID 53)", num)
	}
	if lang, ok := p.Get("64"); ok {
		for _, f := range []struct {
			id  string
			dst *string
		}{{"00", &m.Language}, {"01", &m.NameAlt}, {"02", &m.CityAlt}} {
			o, _ := lang.Get(f.id)
			*f.dst = o.Value
		}
		if m.Language == "" {
			return Merchant{}, errors.New("emvqr: template 64 has no language (64.00)")
		}
	}
	if err := m.validate(); err != nil {
		return Merchant{}, err
	}
	return m, nil
}

// currencyForNumeric looks the alphabetic code up on each call rather than caching a
// table, so currencies added with currency.Register are found too.
func currencyForNumeric(num string) (string, bool) {
	for _, code := range currency.GetCurrencyCodes() {
		if n, ok := currency.GetNumericCode(code); ok && n == num {
			return code, true
		}
	}
	return "", false
}

func (m Merchant) validate() error {
	if err := checkText("GUID (26.00)", m.GUID, maxGUID, true); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(m.URL); n > MaxLength {
		return fmt.Errorf("emvqr: URL is %d characters; an EMV data object holds at most %d", n, MaxLength)
	}
	if err := checkText("URL (26.01)", m.URL, MaxLength, true); err != nil {
		return err
	}
	// Template 26 is itself one data object: both sub-objects with their 4-character
	// headers must fit in 99 characters.
	if n := 4 + len(m.GUID) + 4 + len(m.URL); n > MaxLength {
		return fmt.Errorf("emvqr: merchant account template 26 would be %d characters, at most %d: with GUID %q the URL can have at most %d characters, it has %d",
			n, MaxLength, m.GUID, MaxLength-8-len(m.GUID), len(m.URL))
	}
	if !isDigits(m.MCC, 4) {
		return fmt.Errorf("emvqr: merchant category code %q (ID 52) is not four digits", m.MCC)
	}
	if _, ok := currency.GetNumericCode(m.Currency); !ok {
		return fmt.Errorf("emvqr: unknown ISO 4217 currency %q (ID 53)", m.Currency)
	}
	if len(m.Country) != 2 || !isUpperAlpha(m.Country) {
		return fmt.Errorf("emvqr: country %q (ID 58) is not two upper-case letters", m.Country)
	}
	if err := checkText("merchant name (ID 59)", m.Name, maxName, true); err != nil {
		return err
	}
	if err := checkText("merchant city (ID 60)", m.City, maxCity, true); err != nil {
		return err
	}
	if m.Language == "" && m.NameAlt == "" && m.CityAlt == "" {
		return nil
	}
	if len(m.Language) != 2 || !isAlpha(m.Language) {
		return fmt.Errorf("emvqr: language %q (64.00) is not two letters (ISO 639)", m.Language)
	}
	if err := checkText("alternate merchant name (64.01)", m.NameAlt, maxName, false); err != nil {
		return err
	}
	if m.CityAlt != "" {
		return checkText("alternate merchant city (64.02)", m.CityAlt, maxCity, false)
	}
	return nil
}

// checkText checks that s has 1 to limit characters, printable ASCII when ascii is set
// (root-level text) and otherwise any graphic Unicode character (template 64).
func checkText(field, s string, limit int, ascii bool) error {
	if s == "" {
		return fmt.Errorf("emvqr: %s is empty", field)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("emvqr: %s is not valid UTF-8", field)
	}
	if n := utf8.RuneCountInString(s); n > limit {
		return fmt.Errorf("emvqr: %s is %d characters, at most %d allowed", field, n, limit)
	}
	i := 0
	for _, c := range s {
		if ascii && (c < 0x20 || c > 0x7E) {
			return fmt.Errorf("emvqr: %s has %q at character %d, outside printable ASCII (other scripts go in template 64)", field, c, i)
		}
		if !unicode.IsGraphic(c) {
			return fmt.Errorf("emvqr: %s has non-printing character %U at character %d", field, c, i)
		}
		i++
	}
	return nil
}

func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isUpperAlpha(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func isAlpha(s string) bool {
	for i := 0; i < len(s); i++ {
		if (s[i] < 'A' || s[i] > 'Z') && (s[i] < 'a' || s[i] > 'z') {
			return false
		}
	}
	return true
}
