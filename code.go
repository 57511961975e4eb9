package entrypay

import (
	"strings"
	"time"
	"unicode/utf8"
)

// CodeStatus says whether an entry code takes payments.
type CodeStatus string

// Entry code statuses.
const (
	CodeActive   CodeStatus = "ACTIVE"
	CodeDisabled CodeStatus = "DISABLED"
)

// CodeLength is the number of characters of an entry code value: 12 characters of
// Crockford base32 are 60 random bits, too many to guess, and short enough that the URL
// fits a small QR symbol.
const CodeLength = 12

// EntryCode is the static QR code a store shows. Its value is opaque and unguessable; the
// QR carries PublicURL + "/C/" + Value in upper case.
type EntryCode struct {
	Value      string
	MerchantID string
	StoreID    string
	// Label tells codes of one store apart ("Table 4", "Counter 2").
	Label string
	// FixedAmount makes a "price tag" code: the customer confirms this amount instead of
	// typing one. Zero for an ordinary code.
	FixedAmount Amount
	Status      CodeStatus
	// ReplacedBy is the code that replaced this one, if any.
	ReplacedBy string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// NewEntryCode is what an operator gives to issue a code.
type NewEntryCode struct {
	StoreID     string
	Label       string
	FixedAmount Amount
}

// EntryCodeQuery lists codes of a merchant or of a store.
type EntryCodeQuery struct {
	MerchantID string
	StoreID    string
}

// NormalizeCode returns the canonical (upper-case) form of a code value as it appears in
// a path, and whether it can be a code at all; paths are matched case-insensitively.
func NormalizeCode(v string) (string, bool) {
	v = strings.ToUpper(strings.TrimSpace(v))
	if len(v) != CodeLength {
		return "", false
	}
	for i := 0; i < len(v); i++ {
		if !strings.ContainsRune(crockford, rune(v[i])) {
			return "", false
		}
	}
	return v, true
}

// Branding is how a merchant's hosted pages look: all optional.
type Branding struct {
	MerchantID  string
	DisplayName string
	// Color is the theme colour, "#rrggbb".
	Color string
	// Greetings are short texts per language tag ("en", "zh-Hant", …).
	Greetings map[string]string
	// PresetAmounts are amounts in minor units offered as one-tap buttons.
	PresetAmounts []int64
	// MaxAmount caps what a customer may type, in minor units; 0 means no cap.
	MaxAmount int64
	Logo      []byte
	LogoType  string
	UpdatedAt time.Time
}

// Languages of the hosted pages. English is always there.
var Languages = []string{"en", "zh-Hans", "zh-Hant", "ko", "th", "id", "ms", "fil", "ja"}

// MaxLogoBytes caps an uploaded logo.
const MaxLogoBytes = 256 << 10

// LogoType recognises a logo's image type from its first bytes: PNG, JPEG, GIF or WebP.
// SVG is refused: it can carry script.
func LogoType(data []byte) (string, bool) {
	switch {
	case len(data) >= 8 && string(data[:8]) == "\x89PNG\r\n\x1a\n":
		return "image/png", true
	case len(data) >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF:
		return "image/jpeg", true
	case len(data) >= 6 && (string(data[:6]) == "GIF87a" || string(data[:6]) == "GIF89a"):
		return "image/gif", true
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return "image/webp", true
	}
	return "", false
}

func validColor(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	for i := 1; i < 7; i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func knownLanguage(tag string) bool {
	for _, l := range Languages {
		if l == tag {
			return true
		}
	}
	return false
}

// check validates branding given a merchant currency's rules.
func (b *Branding) check(currency string) error {
	if b.DisplayName != "" && !validText(b.DisplayName, 64) {
		return Errorf(EInvalid, "display name must be at most 64 characters, no control characters")
	}
	if b.Color != "" && !validColor(b.Color) {
		return Errorf(EInvalid, "colour %q must be #rrggbb", clip(b.Color))
	}
	for lang, text := range b.Greetings {
		if !knownLanguage(lang) {
			return Errorf(EInvalid, "greeting language %q is not one of %s", clip(lang), strings.Join(Languages, ", "))
		}
		if text != "" && (!utf8.ValidString(text) || !validText(text, 140)) {
			return Errorf(EInvalid, "greeting (%s) must be at most 140 characters, no control characters", lang)
		}
	}
	if len(b.PresetAmounts) > 6 {
		return Errorf(EInvalid, "at most 6 preset amounts")
	}
	for _, v := range b.PresetAmounts {
		if err := (Amount{Value: v, Currency: currency}).check("preset amount"); err != nil {
			return err
		}
		if b.MaxAmount > 0 && v > b.MaxAmount {
			return Errorf(EInvalid, "preset amount %s is above the maximum %s", Amount{v, currency}, Amount{b.MaxAmount, currency})
		}
	}
	if b.MaxAmount < 0 {
		return Errorf(EInvalid, "maximum amount must not be negative")
	}
	if len(b.Logo) > 0 {
		if len(b.Logo) > MaxLogoBytes {
			return Errorf(EInvalid, "logo is %d bytes, at most %d", len(b.Logo), MaxLogoBytes)
		}
		t, ok := LogoType(b.Logo)
		if !ok {
			return Errorf(EInvalid, "logo must be a PNG, JPEG, GIF or WebP image")
		}
		b.LogoType = t
	} else {
		b.LogoType = ""
	}
	return nil
}

// CodeURL is what an entry code's QR carries: the public base URL and the path
// /C/<value>, the scheme and host written in upper case so that a URL of digits,
// capitals and /:. encodes in the QR alphanumeric mode and gives a smaller symbol.
// Hosts are case-insensitive, and entrypay matches code paths case-insensitively.
func CodeURL(publicURL, value string) string {
	base := strings.TrimRight(publicURL, "/")
	if i := strings.Index(base, "://"); i >= 0 {
		rest := base[i+3:]
		host, path, _ := strings.Cut(rest, "/")
		base = strings.ToUpper(base[:i+3]+host) + strings.TrimSuffix("/"+path, "/")
	}
	return base + "/C/" + value
}
