package sandbox

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/entrypay/entrypay/internal/alipayplus"
	"github.com/entrypay/entrypay/internal/antomsig"
	"github.com/entrypay/entrypay/internal/jsonwire"
)

// Keys are generated once per test binary: RSA generation dominates test time otherwise.
var sandboxKey, acquirerKey, strangerKey *rsa.PrivateKey

const (
	acqClientID   = "SANDBOX_ACQ_1"
	otherClientID = "SANDBOX_ACQ_2"
	gcashUA       = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 GCash/5.80.0 AlipayConnect iapconnectsdk/2.37.0"
)

func TestMain(m *testing.M) {
	var wg sync.WaitGroup
	keys := []**rsa.PrivateKey{&sandboxKey, &acquirerKey, &strangerKey}
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

// fakeClock is a settable clock for Config.Now.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// acquirer is a test acquirer: it verifies the sandbox's notifications and acknowledges
// them signed, as entrypay's gateway does.
type acquirer struct {
	srv      *httptest.Server
	notes    chan alipayplus.NotifyPaymentRequest // accepted notifications
	hits     chan string                          // every request, with what was done
	fail     atomic.Int32                         // answer HTTP 500 to this many requests first
	rejected atomic.Int32                         // requests whose signature did not verify
}

func newAcquirer(t *testing.T) *acquirer {
	t.Helper()
	a := &acquirer{
		notes: make(chan alipayplus.NotifyPaymentRequest, 64),
		hits:  make(chan string, 64),
	}
	a.srv = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *acquirer) serve(w http.ResponseWriter, r *http.Request) {
	signed, err := antomsig.ReadSigned(r, 1<<20, func(context.Context, string, int) (*rsa.PublicKey, error) {
		return &sandboxKey.PublicKey, nil
	})
	if err != nil {
		a.rejected.Add(1)
		a.hits <- "rejected: " + err.Error()
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if a.fail.Add(-1) >= 0 {
		a.hits <- "500"
		http.Error(w, "acquirer down", http.StatusInternalServerError)
		return
	}
	ack := `{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}`
	var n alipayplus.NotifyPaymentRequest
	if err := jsonwire.Decode(signed.Body, &n); err != nil || signed.ClientID != acqClientID || n.PaymentResult.ResultStatus == "U" {
		a.hits <- "refused"
		ack = `{"result":{"resultCode":"PARAM_ILLEGAL","resultStatus":"F","resultMessage":"bad notification"}}`
	} else {
		a.hits <- "accepted"
		a.notes <- n
	}
	antomsig.WriteSigned(w, r, signed.ClientID, &antomsig.Signer{Key: acquirerKey, KeyVersion: 1}, time.Now(), []byte(ack))
}

func (a *acquirer) notifyURL() string { return a.srv.URL + "/wallet/notify?src=alipayplus" }

// note waits for the next accepted notification.
func (a *acquirer) note(t *testing.T) alipayplus.NotifyPaymentRequest {
	t.Helper()
	select {
	case n := <-a.notes:
		return n
	case <-time.After(5 * time.Second):
		t.Fatal("no notification within 5 s")
		return alipayplus.NotifyPaymentRequest{}
	}
}

// noNote checks that no notification was accepted (confirm is synchronous, so none is on
// its way when it has returned).
func (a *acquirer) noNote(t *testing.T) {
	t.Helper()
	select {
	case n := <-a.notes:
		t.Fatalf("unexpected notification %+v", n)
	default:
	}
}

type env struct {
	t     *testing.T
	sb    *Sandbox
	srv   *httptest.Server
	acq   *acquirer
	clock *fakeClock
	api   *antomsig.Caller
	web   *http.Client // does not follow redirects
}

func setup(t *testing.T, opts ...func(*Config)) *env {
	t.Helper()
	e := &env{t: t, acq: newAcquirer(t)}
	e.clock = &fakeClock{now: time.Date(2026, 3, 14, 10, 0, 0, 0, time.FixedZone("UTC+8", 8*3600))}
	e.srv = httptest.NewUnstartedServer(nil)
	cfg := Config{
		BasePath:   "/sandbox",
		PublicURL:  "http://" + e.srv.Listener.Addr().String(),
		Key:        sandboxKey,
		KeyVersion: 2,
		Acquirers: func(_ context.Context, clientID string, _ int) (*rsa.PublicKey, error) {
			if clientID == acqClientID || clientID == otherClientID {
				return &acquirerKey.PublicKey, nil
			}
			return nil, errors.New("no such client")
		},
		HTTP:        &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{}},
		Now:         e.clock.Now,
		RetryDelays: []time.Duration{time.Millisecond, 2 * time.Millisecond, 3 * time.Millisecond},
	}
	for _, o := range opts {
		o(&cfg)
	}
	e.sb = New(cfg)
	if cfg.HTTP != nil {
		t.Cleanup(cfg.HTTP.CloseIdleConnections)
	}
	mux := http.NewServeMux()
	// Mounted as the gateway mounts it: no prefix stripping, the signed URI includes it.
	mux.Handle("/sandbox/", e.sb.Handler())
	e.srv.Config.Handler = mux
	e.srv.Start()
	t.Cleanup(e.srv.Close)
	t.Cleanup(func() { _ = e.sb.Close() }) // runs first: releases held answers
	e.api = e.caller(acqClientID, 5*time.Second)
	e.web = &http.Client{
		Timeout:       5 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	t.Cleanup(e.web.CloseIdleConnections)
	return e
}

func (e *env) caller(clientID string, timeout time.Duration) *antomsig.Caller {
	c := &http.Client{Timeout: timeout, Transport: &http.Transport{}}
	e.t.Cleanup(c.CloseIdleConnections)
	return &antomsig.Caller{
		HTTP:        c,
		BaseURL:     e.srv.URL + "/sandbox",
		ClientID:    clientID,
		Signer:      antomsig.Signer{Key: acquirerKey, KeyVersion: 1},
		PeerKey:     &sandboxKey.PublicKey,
		RequestTime: func(t time.Time) string { return t.Format(antomsig.NotifyTimeLayout) },
	}
}

// call posts req to path with c and decodes the verified answer into resp.
func (e *env) call(c *antomsig.Caller, path string, req, resp any) {
	e.t.Helper()
	body, err := json.Marshal(req)
	if err != nil {
		e.t.Fatal(err)
	}
	ans, err := c.Post(context.Background(), path, body)
	if err != nil {
		e.t.Fatalf("POST %s: %v", path, err)
	}
	if err := json.Unmarshal(ans.Body, resp); err != nil {
		e.t.Fatalf("POST %s: answer %s: %v", path, ans.Body, err)
	}
}

func (e *env) payRequest(id string, mods ...func(*alipayplus.PayRequest)) alipayplus.PayRequest {
	req := alipayplus.PayRequest{
		PaymentRequestID: id,
		PaymentAmount:    alipayplus.Amount{Currency: "USD", Value: "1234"},
		PaymentMethod:    alipayplus.PaymentMethod{PaymentMethodType: "CONNECT_WALLET"},
		PaymentFactor:    alipayplus.PaymentFactor{IsInStorePayment: "true", InStorePaymentScenario: "EntryCode"},
		PaymentNotifyURL: e.acq.notifyURL(),
		Order: alipayplus.Order{
			ReferenceOrderID: "order-" + id,
			OrderDescription: "Two noodle soups",
			OrderAmount:      alipayplus.Amount{Currency: "USD", Value: "1234"},
			Merchant: &alipayplus.Merchant{
				ReferenceMerchantID: "M1",
				MerchantName:        "Demo Noodle Bar",
				Store:               &alipayplus.Store{ReferenceStoreID: "S1", StoreName: "Central"},
			},
			Env: &alipayplus.Env{UserAgent: gcashUA},
		},
	}
	for _, m := range mods {
		m(&req)
	}
	return req
}

func (e *env) pay(id string, mods ...func(*alipayplus.PayRequest)) alipayplus.PayResponse {
	e.t.Helper()
	var resp alipayplus.PayResponse
	e.call(e.api, alipayplus.PathPay, e.payRequest(id, mods...), &resp)
	return resp
}

// payOK pays and fails the test unless the answer is S.
func (e *env) payOK(id string, mods ...func(*alipayplus.PayRequest)) alipayplus.PayResponse {
	e.t.Helper()
	resp := e.pay(id, mods...)
	if resp.Result.ResultStatus != "S" {
		e.t.Fatalf("pay %s: %+v", id, resp.Result)
	}
	return resp
}

func (e *env) inquiry(req alipayplus.InquiryPaymentRequest) alipayplus.InquiryPaymentResponse {
	e.t.Helper()
	var resp alipayplus.InquiryPaymentResponse
	e.call(e.api, alipayplus.PathInquiryPayment, req, &resp)
	return resp
}

// postJSON posts a JSON text to a sandbox path and decodes the answer into resp.
func (e *env) postJSON(method, path, body string, resp any) int {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := e.web.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if resp != nil {
		if err := json.Unmarshal(data, resp); err != nil {
			e.t.Fatalf("%s %s: answer %q: %v", method, path, data, err)
		}
	}
	return res.StatusCode
}

func (e *env) confirm(paymentURL, outcome string) (int, Finished) {
	e.t.Helper()
	body, _ := json.Marshal(map[string]string{"paymentUrl": paymentURL, "outcome": outcome})
	var fin Finished
	code := e.postJSON(http.MethodPost, "/sandbox/api/v1/confirm", string(body), &fin)
	return code, fin
}

func (e *env) setFault(api, mode string, count, delayMs int) {
	e.t.Helper()
	body := fmt.Sprintf(`{"api":%q,"mode":%q,"count":%d,"delayMs":%d}`, api, mode, count, delayMs)
	if code := e.postJSON(http.MethodPost, "/sandbox/api/v1/faults", body, nil); code != http.StatusOK {
		e.t.Fatalf("set fault %s: HTTP %d", body, code)
	}
}

func (e *env) get(rawURL string) (int, string) {
	e.t.Helper()
	res, err := e.web.Get(rawURL)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(data)
}

// rawPost sends a hand-made request to an acquirer API so that headers can be broken.
func (e *env) rawPost(path string, body []byte, headers map[string]string) (*http.Response, alipayplus.Result) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := e.web.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	var ans resultOnly
	if err := json.Unmarshal(data, &ans); err != nil {
		e.t.Fatalf("answer %q: %v", data, err)
	}
	return res, ans.Result
}

// signedHeaders signs body for path as clientID with key.
func signedHeaders(t *testing.T, key *rsa.PrivateKey, clientID, path string, body []byte) map[string]string {
	t.Helper()
	ts := time.Now().Format(antomsig.NotifyTimeLayout)
	sig, err := antomsig.Signer{Key: key, KeyVersion: 1}.HeaderFor(http.MethodPost, path, clientID, ts, body)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"Client-Id": clientID, "Request-Time": ts, "Signature": sig, "Content-Type": "application/json"}
}

// runSandbox starts Run and returns a stop function that waits for it to return.
func (e *env) runSandbox() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.sb.Run(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				e.t.Errorf("Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			e.t.Error("Run did not return within 5 s of cancel")
		}
	}
	e.t.Cleanup(stop)
	return stop
}

func mustDuration(t *testing.T, s string) time.Duration {
	t.Helper()
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
