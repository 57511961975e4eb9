package alipayplus_test

import (
	"bytes"
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/alipayplus"
	"github.com/entrypay/entrypay/internal/antomsig"
	"github.com/entrypay/entrypay/internal/sandbox"
)

// Keys are generated once per test binary: RSA generation dominates test time otherwise.
// walletKey is the wallet side's (the sandbox's, or Alipay+'s in the handler tests),
// gatewayKey entrypay's, strangerKey nobody's.
var walletKey, gatewayKey, strangerKey *rsa.PrivateKey

const (
	acqClientID = "ENTRYPAY_ACQ_TEST"
	// hkUA is AlipayHK's in-app browser.
	hkUA    = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 AlipayClientHK/10.5.0 AlipayConnect"
	gcashUA = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 GCash/5.80.0 AlipayConnect"
	// The sandbox customer of ALIPAY_HK, the second wallet of the built-in table.
	hkCustomerID = "2088000000000002"
	hkPspID      = "1022160000000000000"
)

func TestMain(m *testing.M) {
	var wg sync.WaitGroup
	keys := []**rsa.PrivateKey{&walletKey, &gatewayKey, &strangerKey}
	errs := make([]error, len(keys))
	for i, k := range keys {
		wg.Go(func() { *k, errs[i] = antomsig.GenerateKey() })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	goleak.VerifyTestMain(m)
}

// now is when every test happens: the sandbox, the client and the handler share it.
var now = time.Date(2026, 3, 14, 10, 0, 0, 0, time.FixedZone("UTC+8", 8*3600))

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var discard = slog.New(slog.DiscardHandler)

// recorder is a Recorder that keeps what it is given and answers err.
type recorder struct {
	mu   sync.Mutex
	got  []entrypay.WalletResult
	err  error
	seen chan entrypay.WalletResult
}

func newRecorder() *recorder { return &recorder{seen: make(chan entrypay.WalletResult, 64)} }

func (r *recorder) ApplyWalletResult(_ context.Context, res entrypay.WalletResult) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, res)
	select {
	case r.seen <- res:
	default:
	}
	return r.err
}

func (r *recorder) results() []entrypay.WalletResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]entrypay.WalletResult(nil), r.got...)
}

// env is the real sandbox served over HTTP, entrypay's notification handler next to it,
// and a client pointed at the sandbox as entrypay points one at Alipay+.
type env struct {
	t      *testing.T
	clock  *clock
	sb     *sandbox.Sandbox
	srv    *httptest.Server
	rec    *recorder
	client *alipayplus.Client

	mu   sync.Mutex
	sent map[string][]byte // the last body posted to each sandbox path
}

func setup(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, clock: &clock{t: now}, rec: newRecorder()}
	mux := http.NewServeMux()
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	notifyHTTP := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{}}
	t.Cleanup(notifyHTTP.CloseIdleConnections)
	e.sb = sandbox.New(sandbox.Config{
		BasePath:   "/sandbox",
		PublicURL:  e.srv.URL,
		Key:        walletKey,
		KeyVersion: 1,
		Acquirers: func(_ context.Context, clientID string, _ int) (*rsa.PublicKey, error) {
			if clientID != acqClientID {
				return nil, fmt.Errorf("unknown acquirer %q", clientID)
			}
			return &gatewayKey.PublicKey, nil
		},
		HTTP: notifyHTTP,
		Now:  e.clock.Now,
	})
	t.Cleanup(func() { _ = e.sb.Close() }) // runs before the server's Close: releases held answers
	// Mounted as the gateway mounts it: no prefix stripping, the signed URI includes it.
	mux.Handle("/sandbox/", e.tee(e.sb.Handler()))
	mux.Handle("POST /alipayplus/sandbox/notifyPayment", &alipayplus.NotifyHandler{
		ClientID:   acqClientID,
		PeerKey:    e.sb.PublicKey(),
		Key:        gatewayKey,
		KeyVersion: 1,
		Recorder:   e.rec,
		Now:        e.clock.Now,
		Log:        discard,
	})
	e.client = e.newClient(nil)
	return e
}

// tee keeps the body of each request before next serves it.
func (e *env) tee(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		e.mu.Lock()
		if e.sent == nil {
			e.sent = map[string][]byte{}
		}
		e.sent[r.URL.Path] = body
		e.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// lastSent returns the last body posted to the sandbox API at path.
func (e *env) lastSent(path string) []byte {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.sent["/sandbox"+path]
}

// newClient returns a client of the sandbox as entrypay configures one; mod changes the
// configuration first.
func (e *env) newClient(mod func(*alipayplus.Config)) *alipayplus.Client {
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{}}
	e.t.Cleanup(hc.CloseIdleConnections)
	cfg := alipayplus.Config{
		Endpoint:   e.srv.URL + "/sandbox",
		ClientID:   acqClientID,
		Key:        gatewayKey,
		KeyVersion: 1,
		PeerKey:    e.sb.PublicKey(),
		NotifyURL:  e.srv.URL + "/alipayplus/sandbox/notifyPayment",
		HTTP:       hc,
		Now:        e.clock.Now,
	}
	if mod != nil {
		mod(&cfg)
		if cfg.HTTP != hc {
			e.t.Cleanup(cfg.HTTP.CloseIdleConnections)
		}
	}
	return alipayplus.NewClient(cfg)
}

var testMerchant = &entrypay.Merchant{
	ID:                 "mer_test1",
	ClientID:           "SANDBOX_5Y3A2N2YEB3T01234",
	Name:               "Demo Noodle Bar",
	MCC:                "5812",
	Region:             "HK",
	SettlementCurrency: "USD",
}

// newPayment returns a PROCESSING payment of USD 10.00 from AlipayHK, made now and
// expiring in ten minutes; mods change it.
func newPayment(id string, mods ...func(*entrypay.Payment)) *entrypay.Payment {
	p := &entrypay.Payment{
		ID:                 id,
		MerchantID:         testMerchant.ID,
		RequestID:          "order-" + id,
		Amount:             entrypay.Amount{Value: 1000, Currency: "USD"},
		Status:             entrypay.PaymentProcessing,
		ReferenceOrderID:   "order-" + id,
		OrderDescription:   "Two noodle soups",
		OrderAmount:        entrypay.Amount{Value: 1000, Currency: "USD"},
		Store:              entrypay.StoreRef{ReferenceID: "S1", Name: "Central"},
		Wallet:             "ALIPAY_HK",
		UserAgent:          hkUA,
		ClientIP:           "203.0.113.7",
		SettlementCurrency: "USD",
		Network:            entrypay.NetworkSandbox,
		CreatedAt:          now,
		UpdatedAt:          now,
		ExpiresAt:          now.Add(10 * time.Minute),
	}
	for _, m := range mods {
		m(p)
	}
	return p
}

// pay creates p on the sandbox and records the answer in p, as the gateway does.
func (e *env) pay(p *entrypay.Payment) entrypay.WalletPayment {
	e.t.Helper()
	wp, err := e.client.Pay(context.Background(), p, testMerchant)
	if err != nil {
		e.t.Fatalf("Pay(%s): %v", p.ID, err)
	}
	p.WalletPaymentID, p.CashierURL, p.PspID, p.WalletBrand = wp.WalletPaymentID, wp.CashierURL, wp.PspID, wp.WalletBrand
	return wp
}

// finish applies outcome in the sandbox's wallet as the customer would.
func (e *env) finish(p *entrypay.Payment, outcome string) sandbox.Finished {
	e.t.Helper()
	u, err := url.Parse(p.CashierURL)
	if err != nil {
		e.t.Fatal(err)
	}
	fin, err := e.sb.Finish(context.Background(), path.Base(u.Path), outcome)
	if err != nil {
		e.t.Fatalf("Finish(%s, %s): %v", p.ID, outcome, err)
	}
	return fin
}

// paid creates p and has the customer pay it.
func (e *env) paid(p *entrypay.Payment) {
	e.t.Helper()
	e.pay(p)
	if fin := e.finish(p, sandbox.OutcomeSuccess); fin.PaymentStatus != "SUCCESS" {
		e.t.Fatalf("Finish: %+v", fin)
	}
	// Wait for the notification, so that tests see a quiet recorder afterwards.
	select {
	case <-e.rec.seen:
	case <-time.After(5 * time.Second):
		e.t.Fatal("no notification within 5 s")
	}
}

// walletError returns err's *entrypay.Error, failing the test when err is not a definite
// refusal.
func walletError(t *testing.T, err error) *entrypay.Error {
	t.Helper()
	if errors.Is(err, entrypay.ErrWalletNoAnswer) {
		t.Fatalf("err = %v: a no-answer error, want a definite refusal", err)
	}
	we, ok := errors.AsType[*entrypay.Error](err)
	if !ok {
		t.Fatalf("err = %v (%T), want an *entrypay.Error", err, err)
	}
	return we
}

// noAnswer fails the test unless err wraps ErrWalletNoAnswer and is no *entrypay.Error.
func noAnswer(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, entrypay.ErrWalletNoAnswer) {
		t.Fatalf("err = %v, want one wrapping ErrWalletNoAnswer", err)
	}
	if we, ok := errors.AsType[*entrypay.Error](err); ok {
		t.Fatalf("err = %v carries *entrypay.Error %s: an unknown outcome must not look like a refusal", err, we.Code)
	}
}
