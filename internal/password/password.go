// Package password hashes dashboard passwords with argon2id (RFC 9106) at OWASP's
// parameters and encodes them in the PHC string format:
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
//
// with salt and hash in unpadded standard base64.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters.
type Params struct {
	// Memory in KiB, Time the number of passes, Threads the parallelism.
	Memory  uint32
	Time    uint32
	Threads uint8
}

// OWASP is the OWASP Password Storage Cheat Sheet's argon2id configuration.
var OWASP = Params{Memory: 19456, Time: 2, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
)

// Hasher implements entrypay.PasswordHasher.
type Hasher struct {
	// Params for new hashes; the zero value means OWASP. Verify reads the parameters of
	// each hash from its encoding, so old hashes keep working after a change.
	Params Params
}

// Hash returns the PHC string of password with a fresh random salt.
func (h Hasher) Hash(password string) (string, error) {
	p := h.Params
	if p == (Params{}) {
		p = OWASP
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// ErrFormat is returned for an encoded hash Verify does not understand.
var ErrFormat = errors.New("not an argon2id PHC string")

// Verify reports whether password matches encoded, comparing in constant time.
func (Hasher) Verify(encoded, password string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return false, ErrFormat
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, ErrFormat
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil || p.Memory == 0 || p.Time == 0 || p.Threads == 0 || p.Memory > 1<<22 || p.Time > 100 {
		return false, ErrFormat
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return false, ErrFormat
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) < 16 || len(want) > 64 {
		return false, ErrFormat
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
