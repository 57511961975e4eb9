package antomsig

import (
	"bytes"
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// ErrNoAnswer wraps every failure after which the caller cannot know what the peer did:
// a transport error, a timeout, a non-200 status, an unreadable or unsigned answer. The
// right reaction is to retry with the same idempotency key or to inquire.
var ErrNoAnswer = errors.New("no usable answer from peer")

// MaxResponseBytes caps what a Caller reads from a peer.
const MaxResponseBytes = 1 << 20

// Caller sends signed JSON POSTs to one peer and verifies the peer's signed answers.
type Caller struct {
	HTTP     *http.Client
	BaseURL  string // scheme://host[:port][/prefix], no trailing slash
	ClientID string
	Signer   Signer
	// PeerKey verifies the answers; nil skips verification (Antom merchants need not sign
	// their notification acks).
	PeerKey *rsa.PublicKey
	// RequestTime formats the Request-Time header; nil means a millisecond epoch.
	RequestTime func(time.Time) string
	Now         func() time.Time
}

// Answer is a verified answer from a peer.
type Answer struct {
	Status int
	Body   []byte
}

// Post signs body for path (which is appended to BaseURL and is the signed URI, so it must
// include any prefix of BaseURL's path) and sends it. It returns the body of a 200 answer
// whose signature verifies; anything else is an error wrapping ErrNoAnswer.
func (c *Caller) Post(ctx context.Context, path string, body []byte) (Answer, error) {
	full := c.BaseURL + path
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, full, bytes.NewReader(body))
	if err != nil {
		return Answer{}, fmt.Errorf("build request %s: %w", path, err)
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	ts := FormatMillis(now())
	if c.RequestTime != nil {
		ts = c.RequestTime(now())
	}
	sig, err := c.Signer.HeaderFor(http.MethodPost, req.URL.RequestURI(), c.ClientID, ts, body)
	if err != nil {
		return Answer{}, err
	}
	req.Header.Set("Content-Type", "application/json; charset=UTF-8")
	req.Header.Set("Client-Id", c.ClientID)
	req.Header.Set("Request-Time", ts)
	req.Header.Set("Signature", sig)
	client := c.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return Answer{}, fmt.Errorf("%w: %v", ErrNoAnswer, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return Answer{}, fmt.Errorf("%w: read answer: %v", ErrNoAnswer, err)
	}
	if len(data) > MaxResponseBytes {
		return Answer{}, fmt.Errorf("%w: answer larger than %d bytes", ErrNoAnswer, MaxResponseBytes)
	}
	ans := Answer{Status: resp.StatusCode, Body: data}
	if resp.StatusCode != http.StatusOK {
		return ans, fmt.Errorf("%w: HTTP %d", ErrNoAnswer, resp.StatusCode)
	}
	if c.PeerKey != nil {
		clientID := resp.Header.Get("Client-Id")
		rt := resp.Header.Get("Response-Time")
		if err := VerifyHeader(c.PeerKey, resp.Header.Get("Signature"), http.MethodPost, req.URL.RequestURI(), clientID, rt, data); err != nil {
			return ans, fmt.Errorf("%w: answer signature: %v", ErrNoAnswer, err)
		}
	}
	return ans, nil
}

// Signed is a request whose signature has been checked.
type Signed struct {
	ClientID    string
	RequestTime time.Time
	Body        []byte
}

// KeyLookup finds a signer's public key by client id and key version (0 = latest).
type KeyLookup func(ctx context.Context, clientID string, keyVersion int) (*rsa.PublicKey, error)

// ReadSigned reads at most maxBody bytes of r's body and verifies its Signature header
// with the key lookup returns. It is the plain form used between gateway and wallet side;
// the merchant API does the same steps itself to give each failure its own result code.
func ReadSigned(r *http.Request, maxBody int64, keys KeyLookup) (Signed, error) {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return Signed{}, fmt.Errorf("read body: %w", err)
	}
	if int64(len(data)) > maxBody {
		return Signed{}, fmt.Errorf("body larger than %d bytes", maxBody)
	}
	clientID := r.Header.Get("Client-Id")
	if clientID == "" {
		return Signed{}, errors.New("Client-Id header is missing")
	}
	rt := r.Header.Get("Request-Time")
	t, err := ParseTime(rt)
	if err != nil {
		return Signed{}, fmt.Errorf("Request-Time header: %v", err)
	}
	h, err := ParseHeader(r.Header.Get("Signature"))
	if err != nil {
		return Signed{}, fmt.Errorf("%w: %v", ErrInvalidSignature, err)
	}
	key, err := keys(r.Context(), clientID, h.KeyVersion)
	if err != nil {
		return Signed{}, err
	}
	if err := Verify(key, Content(r.Method, r.URL.RequestURI(), clientID, rt, data), h.Signature); err != nil {
		return Signed{}, err
	}
	return Signed{ClientID: clientID, RequestTime: t, Body: data}, nil
}

// WriteSigned writes a 200 JSON answer to r signed by signer: headers Client-Id,
// Response-Time and Signature over "POST <r's URI>\n<clientID>.<Response-Time>.<body>".
// A nil signer writes the answer unsigned.
func WriteSigned(w http.ResponseWriter, r *http.Request, clientID string, signer *Signer, now time.Time, body []byte) {
	rt := now.Format(ResponseTimeLayout)
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=UTF-8")
	h.Set("Client-Id", clientID)
	h.Set("Response-Time", rt)
	if signer != nil {
		if sig, err := signer.HeaderFor(http.MethodPost, r.URL.RequestURI(), clientID, rt, body); err == nil {
			h.Set("Signature", sig)
		}
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}
