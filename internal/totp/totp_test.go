package totp

import (
	"strings"
	"testing"
	"time"
)

// RFC 6238 appendix B: the SHA-1 test key "12345678901234567890", 8 digits there; its
// last six are the 6-digit codes.
func TestRFC6238(t *testing.T) {
	const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" // base32 of 12345678901234567890
	for _, tc := range []struct {
		unix int64
		code string
	}{{59, "287082"}, {1111111109, "081804"}, {1234567890, "005924"}, {2000000000, "279037"}} {
		got, err := Codes{}.Code(secret, time.Unix(tc.unix, 0))
		if err != nil || got != tc.code {
			t.Errorf("code at %d = %q, %v; want %s", tc.unix, got, err, tc.code)
		}
		step, ok := Codes{}.Step(secret, tc.code, time.Unix(tc.unix, 0))
		if !ok || step != tc.unix/30 {
			t.Errorf("Step at %d = %d, %v", tc.unix, step, ok)
		}
	}
}

func TestStep(t *testing.T) {
	secret, uri, err := Codes{Issuer: "entrypay"}.NewSecret("owner@shop.example")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(uri, "otpauth://totp/entrypay:owner@shop.example?") || !strings.Contains(uri, "secret="+secret) {
		t.Errorf("uri %q", uri)
	}
	now := time.Date(2026, 11, 26, 12, 0, 10, 0, time.UTC)
	code, _ := Codes{}.Code(secret, now)
	for _, tc := range []struct {
		name string
		code string
		at   time.Time
		ok   bool
	}{
		{"now", code, now, true},
		{"30 s late", code, now.Add(30 * time.Second), true},
		{"30 s early", code, now.Add(-30 * time.Second), true},
		{"90 s late", code, now.Add(90 * time.Second), false},
		{"wrong", "000000", now, code == "000000"},
		{"short", code[:5], now, false},
		{"empty", "", now, false},
	} {
		if _, ok := (Codes{}).Step(secret, tc.code, tc.at); ok != tc.ok {
			t.Errorf("%s: ok %v, want %v", tc.name, ok, tc.ok)
		}
	}
}
