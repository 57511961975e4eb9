package entrypay_test

import (
	"testing"
	"time"

	"github.com/entrypay/entrypay"
)

func TestParseScopes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		bad  bool
	}{
		{"payments", "payments", false},
		{"refunds, payments,refunds", "payments,refunds", false},
		{"all", "codes,payments,refunds,reports", false},
		{"", "", true},
		{" , ", "", true},
		{"payments,admin", "", true},
	} {
		got, err := entrypay.ParseScopes(tc.in)
		if (err != nil) != tc.bad || entrypay.FormatScopes(got) != tc.want {
			t.Errorf("ParseScopes(%q) = %q, %v", tc.in, entrypay.FormatScopes(got), err)
		}
		if err != nil && entrypay.ErrorCodeOf(err) != entrypay.EInvalid {
			t.Errorf("ParseScopes(%q): code %s", tc.in, entrypay.ErrorCodeOf(err))
		}
	}
}

func TestAgentTokenActive(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		tok  entrypay.AgentToken
		want bool
	}{
		{"no expiry", entrypay.AgentToken{}, true},
		{"before expiry", entrypay.AgentToken{ExpiresAt: now.Add(time.Second)}, true},
		{"at expiry", entrypay.AgentToken{ExpiresAt: now}, false},
		{"revoked", entrypay.AgentToken{RevokedAt: now.Add(-time.Hour)}, false},
	} {
		if got := tc.tok.Active(now); got != tc.want {
			t.Errorf("%s: Active = %v", tc.name, got)
		}
	}
	if v := entrypay.NewAgentTokenValue(); len(v) != entrypay.AgentTokenLength || v == entrypay.NewAgentTokenValue() {
		t.Errorf("token %q", v)
	}
}
