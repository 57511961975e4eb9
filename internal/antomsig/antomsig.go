// Package antomsig implements the request signing scheme shared by Antom's merchant API
// and the Alipay+ acquirer protocol: SHA256withRSA over
//
//	<METHOD> <URI>\n<Client-Id>.<Time>.<Body>
//
// base64-encoded, then URL-escaped, and carried in a Signature header of the form
// "algorithm=RSA256,keyVersion=1,signature=...". Every side of entrypay (merchant API,
// wallet connector, sandbox, merchant client) signs and verifies through this package.
package antomsig

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Algorithm is the only signature algorithm the scheme defines.
const Algorithm = "RSA256"

// ErrInvalidSignature reports a signature that does not verify against the content and key.
var ErrInvalidSignature = errors.New("signature does not verify")

// Content returns the exact bytes that are signed: "<METHOD> <URI>\n<clientID>.<time>.<body>".
// uri is the request path plus query as sent; timestamp is the Request-Time or Response-Time
// header value as sent.
func Content(method, uri, clientID, timestamp string, body []byte) []byte {
	b := make([]byte, 0, len(method)+len(uri)+len(clientID)+len(timestamp)+len(body)+4)
	b = append(b, method...)
	b = append(b, ' ')
	b = append(b, uri...)
	b = append(b, '\n')
	b = append(b, clientID...)
	b = append(b, '.')
	b = append(b, timestamp...)
	b = append(b, '.')
	b = append(b, body...)
	return b
}

// signs counts the private-key operations of each key, for the benchmark and the
// metrics: RSA signing is what a payment costs, so it is counted rather than guessed.
var signs sync.Map // *rsa.PrivateKey → *atomic.Int64

// SignCount returns how many signatures key has made in this process.
func SignCount(key *rsa.PrivateKey) int64 {
	if n, ok := signs.Load(key); ok {
		return n.(*atomic.Int64).Load()
	}
	return 0
}

func countSign(key *rsa.PrivateKey) {
	n, ok := signs.Load(key)
	if !ok {
		n, _ = signs.LoadOrStore(key, new(atomic.Int64))
	}
	n.(*atomic.Int64).Add(1)
}

// Sign signs content with key and returns the URL-escaped base64 signature, ready for the
// signature= field of the header.
func Sign(key *rsa.PrivateKey, content []byte) (string, error) {
	digest := sha256.Sum256(content)
	countSign(key)
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	return url.QueryEscape(base64.StdEncoding.EncodeToString(sig)), nil
}

// Verify checks an URL-escaped base64 signature (as found in the header) over content.
// Escapes are decoded case-insensitively; an unescaped signature is accepted too.
func Verify(key *rsa.PublicKey, content []byte, signature string) error {
	raw, err := decodeSignature(signature)
	if err != nil {
		return err
	}
	digest := sha256.Sum256(content)
	if err := rsa.VerifyPKCS1v15(key, crypto.SHA256, digest[:], raw); err != nil {
		return ErrInvalidSignature
	}
	return nil
}

func decodeSignature(signature string) ([]byte, error) {
	s := strings.TrimSpace(signature)
	if s == "" {
		return nil, fmt.Errorf("%w: empty signature", ErrInvalidSignature)
	}
	// PathUnescape, not QueryUnescape: a literal '+' in an unescaped base64 value must stay '+'.
	// Hex escapes are case-insensitive in both.
	unescaped, err := url.PathUnescape(s)
	if err != nil {
		return nil, fmt.Errorf("%w: bad URL escape", ErrInvalidSignature)
	}
	raw, err := base64.StdEncoding.DecodeString(unescaped)
	if err != nil {
		// Some senders drop the padding.
		raw, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(unescaped, "="))
		if err != nil {
			return nil, fmt.Errorf("%w: bad base64", ErrInvalidSignature)
		}
	}
	return raw, nil
}

// Header is a parsed Signature header.
type Header struct {
	Algorithm string
	// KeyVersion is the signer's key version; 0 when the header does not name one
	// (the receiver then uses the signer's latest key).
	KeyVersion int
	Signature  string
}

// String formats h as a Signature header value in the form the official SDKs send.
func (h Header) String() string {
	alg := h.Algorithm
	if alg == "" {
		alg = Algorithm
	}
	v := h.KeyVersion
	if v == 0 {
		v = 1
	}
	return "algorithm=" + alg + ",keyVersion=" + strconv.Itoa(v) + ",signature=" + h.Signature
}

// ParseHeader parses a Signature header leniently: pairs separated by commas with optional
// spaces, keys matched case-insensitively, the signature value taken verbatim (it may itself
// contain '=' when a sender forgot to escape it).
func ParseHeader(value string) (Header, error) {
	var h Header
	if strings.TrimSpace(value) == "" {
		return h, errors.New("Signature header is empty")
	}
	for part := range strings.SplitSeq(value, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return h, fmt.Errorf("Signature header: %q is not key=value", truncate(part, 40))
		}
		k = strings.TrimSpace(k)
		v = strings.TrimSpace(v)
		switch strings.ToLower(k) {
		case "algorithm":
			h.Algorithm = v
		case "keyversion":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 1<<20 {
				return h, fmt.Errorf("Signature header: keyVersion %q is not a version number", truncate(v, 20))
			}
			h.KeyVersion = n
		case "signature":
			h.Signature = v
		}
	}
	if h.Signature == "" {
		return h, errors.New("Signature header has no signature")
	}
	if h.Algorithm != "" && !strings.EqualFold(h.Algorithm, Algorithm) {
		return h, fmt.Errorf("Signature header: algorithm %q is not supported, use %s", truncate(h.Algorithm, 20), Algorithm)
	}
	if h.Algorithm == "" {
		h.Algorithm = Algorithm
	}
	return h, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// ParsePrivateKey reads an RSA private key given as PEM (PKCS#8 or PKCS#1) or as
// Antom-style base64 PKCS#8 DER without armour.
func ParsePrivateKey(data []byte) (*rsa.PrivateKey, error) {
	der, err := keyDER(data, "PRIVATE KEY", "RSA PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("private key is %T, want RSA", k)
		}
		return rk, nil
	}
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return k, nil
	}
	return nil, errors.New("private key is neither PKCS#8 nor PKCS#1 RSA")
}

// ParsePublicKey reads an RSA public key given as PEM (X.509 SubjectPublicKeyInfo or PKCS#1)
// or as Antom-style base64 X.509 DER without armour.
func ParsePublicKey(data []byte) (*rsa.PublicKey, error) {
	der, err := keyDER(data, "PUBLIC KEY", "RSA PUBLIC KEY")
	if err != nil {
		return nil, err
	}
	if k, err := x509.ParsePKIXPublicKey(der); err == nil {
		rk, ok := k.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("public key is %T, want RSA", k)
		}
		return rk, nil
	}
	if k, err := x509.ParsePKCS1PublicKey(der); err == nil {
		return k, nil
	}
	return nil, errors.New("public key is neither X.509 SubjectPublicKeyInfo nor PKCS#1 RSA")
}

func keyDER(data []byte, pemTypes ...string) ([]byte, error) {
	text := strings.TrimSpace(string(data))
	if text == "" {
		return nil, errors.New("key is empty")
	}
	if strings.HasPrefix(text, "-----BEGIN") {
		block, _ := pem.Decode([]byte(text))
		if block == nil {
			return nil, errors.New("key: malformed PEM")
		}
		for _, t := range pemTypes {
			if block.Type == t {
				return block.Bytes, nil
			}
		}
		return nil, fmt.Errorf("key: PEM block %q, want one of %v", block.Type, pemTypes)
	}
	// Base64 DER, possibly wrapped over several lines.
	compact := strings.Join(strings.Fields(text), "")
	der, err := base64.StdEncoding.DecodeString(compact)
	if err != nil {
		return nil, errors.New("key is neither PEM nor base64 DER")
	}
	return der, nil
}

// EncodePublicKey returns key as base64 X.509 SubjectPublicKeyInfo DER, the form merchants
// paste into their Antom configuration.
func EncodePublicKey(key *rsa.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		// Marshalling a valid RSA public key cannot fail.
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

// EncodePrivateKey returns key as base64 PKCS#8 DER.
func EncodePrivateKey(key *rsa.PrivateKey) string {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

// PublicKeyPEM returns key as a PEM "PUBLIC KEY" block.
func PublicKeyPEM(key *rsa.PublicKey) []byte {
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// PrivateKeyPEM returns key as a PEM "PRIVATE KEY" (PKCS#8) block.
func PrivateKeyPEM(key *rsa.PrivateKey) []byte {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// GenerateKey creates a 2048-bit RSA key, the size Antom and Alipay+ use.
func GenerateKey() (*rsa.PrivateKey, error) {
	return rsa.GenerateKey(rand.Reader, 2048)
}

// Signer signs messages as one party: its client id, key and key version.
type Signer struct {
	Key        *rsa.PrivateKey
	KeyVersion int
}

// HeaderFor signs method/uri/clientID/timestamp/body and returns the Signature header value.
func (s Signer) HeaderFor(method, uri, clientID, timestamp string, body []byte) (string, error) {
	sig, err := Sign(s.Key, Content(method, uri, clientID, timestamp, body))
	if err != nil {
		return "", err
	}
	return Header{Algorithm: Algorithm, KeyVersion: s.KeyVersion, Signature: sig}.String(), nil
}

// VerifyHeader parses a Signature header value and verifies it over the given message.
func VerifyHeader(key *rsa.PublicKey, header, method, uri, clientID, timestamp string, body []byte) error {
	h, err := ParseHeader(header)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidSignature, err)
	}
	return Verify(key, Content(method, uri, clientID, timestamp, body), h.Signature)
}
