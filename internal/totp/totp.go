// Package totp is the dashboard's second factor: RFC 6238 time-based one-time codes (30 s
// steps, 6 digits, SHA-1, what every authenticator app reads from an otpauth:// URI),
// through github.com/pquerna/otp.
package totp

import (
	"crypto/subtle"
	"fmt"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

const period = 30

var opts = totp.ValidateOpts{Period: period, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// Codes makes secrets and checks codes; its zero value is ready.
type Codes struct {
	// Issuer names the service in the authenticator app ("entrypay").
	Issuer string
}

// NewSecret returns a new random secret (base32) for account, and the otpauth:// URI an
// authenticator app scans.
func (c Codes) NewSecret(account string) (secret, uri string, err error) {
	issuer := c.Issuer
	if issuer == "" {
		issuer = "entrypay"
	}
	k, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Period: period, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return "", "", fmt.Errorf("totp secret: %w", err)
	}
	return k.Secret(), k.URL(), nil
}

// Step checks code against secret at t, allowing one step of clock drift either way, and
// returns the time step the code belongs to: the caller refuses a step it has already
// accepted, so that a code is used once.
func (Codes) Step(secret, code string, t time.Time) (int64, bool) {
	if len(code) != 6 {
		return 0, false
	}
	now := t.Unix() / period
	for _, step := range []int64{now - 1, now, now + 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*period, 0), opts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

// Code returns the code of secret at t (for tests and the CLI).
func (Codes) Code(secret string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, t, opts)
}
