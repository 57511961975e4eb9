package ams_test

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
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/entrypay/entrypay/ams"
	"github.com/entrypay/entrypay/internal/antomsig"
)

// Keys are generated once per test binary: RSA generation dominates test time otherwise.
// merchantKey signs the client's requests, gatewayKey entrypay's answers and
// notifications, strangerKey is nobody's.
var merchantKey, gatewayKey, strangerKey *rsa.PrivateKey

func TestMain(m *testing.M) {
	var wg sync.WaitGroup
	keys := []**rsa.PrivateKey{&merchantKey, &gatewayKey, &strangerKey}
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

const (
	sandboxClient = "SANDBOX_5X00000000000001"
	liveClient    = "5X00000000000002"
	// hkUA is AlipayHK's in-app browser.
	hkUA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 AlipayClientHK/10.5.0 AlipayConnect"
)

// reply is how the fake gateway answers one call. The zero reply is a signed S.
type reply struct {
	body     any             // encoded as JSON; nil means ams.ResultOnly{Result: ams.Success}
	raw      string          // sent as is instead of body
	signer   *rsa.PrivateKey // nil means gatewayKey
	unsigned bool            // no Signature header, as for INVALID_SIGNATURE
	status   int             // an HTTP status other than 200, with no body
	hangUp   bool            // close the connection without answering
}

// call is what the fake gateway received.
type call struct {
	Path        string
	Body        []byte
	RequestTime string
	AgentToken  string
}

// fakeGateway is entrypay's merchant API as a client sees it: it checks every request's
// signature with the merchant's public key, records it, and answers with the next reply
// (the last one repeats).
type fakeGateway struct {
	t       *testing.T
	srv     *httptest.Server
	replies []reply

	mu    sync.Mutex
	calls []call
}

func newFakeGateway(t *testing.T, replies ...reply) *fakeGateway {
	t.Helper()
	if len(replies) == 0 {
		replies = []reply{{}}
	}
	g := &fakeGateway{t: t, replies: replies}
	g.srv = httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *fakeGateway) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		g.t.Errorf("fake gateway: read body: %v", err)
		return
	}
	clientID, rt := r.Header.Get("Client-Id"), r.Header.Get("Request-Time")
	if err := antomsig.VerifyHeader(&merchantKey.PublicKey, r.Header.Get("Signature"), r.Method, r.URL.RequestURI(), clientID, rt, body); err != nil {
		g.t.Errorf("fake gateway: request signature: %v", err)
	}
	if _, err := antomsig.ParseTime(rt); err != nil || strings.Trim(rt, "0123456789") != "" {
		g.t.Errorf("fake gateway: Request-Time %q is not a millisecond epoch", rt)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json; charset=UTF-8" {
		g.t.Errorf("fake gateway: Content-Type %q", ct)
	}
	g.mu.Lock()
	n := len(g.calls)
	g.calls = append(g.calls, call{Path: r.URL.Path, Body: body, RequestTime: rt, AgentToken: r.Header.Get("Agent-Token")})
	g.mu.Unlock()
	rep := g.replies[min(n, len(g.replies)-1)]

	switch {
	case rep.hangUp:
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			g.t.Errorf("fake gateway: hijack: %v", err)
			return
		}
		conn.Close()
		return
	case rep.status != 0:
		w.WriteHeader(rep.status)
		return
	}
	out := []byte(rep.raw)
	if rep.raw == "" {
		v := rep.body
		if v == nil {
			v = ams.ResultOnly{Result: ams.Success}
		}
		if out, err = json.Marshal(v); err != nil {
			g.t.Errorf("fake gateway: encode answer: %v", err)
		}
	}
	var signer *antomsig.Signer
	if !rep.unsigned {
		key := rep.signer
		if key == nil {
			key = gatewayKey
		}
		signer = &antomsig.Signer{Key: key, KeyVersion: 1}
	}
	antomsig.WriteSigned(w, r, clientID, signer, time.Now(), out)
}

func (g *fakeGateway) Calls() []call {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]call(nil), g.calls...)
}

// newClient returns a client of g that does not wait between attempts.
func newClient(t *testing.T, g *fakeGateway, clientID string, opts ...func(*ams.Config)) *ams.Client {
	t.Helper()
	cfg := ams.Config{
		BaseURL:    g.srv.URL,
		ClientID:   clientID,
		PrivateKey: merchantKey,
		KeyVersion: 1,
		GatewayKey: &gatewayKey.PublicKey,
		Backoff:    func(int) time.Duration { return 0 },
	}
	for _, o := range opts {
		o(&cfg)
	}
	c, err := ams.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func hkdPayment(requestID string) *ams.PayRequest {
	return ams.NewEntryCodePayment(requestID, ams.Amount{Currency: "HKD", Value: "1250"}, hkUA, "https://shop.example/notify?shop=1")
}

// TestAPIPaths checks that each API goes to its path (the sandbox one for SANDBOX_ client
// ids or Config.Sandbox) with the body it should, empty fields left out.
func TestAPIPaths(t *testing.T) {
	apis := []struct {
		name string
		path string // after the prefix
		call func(ctx context.Context, c *ams.Client) error
		body string
	}{
		{
			name: "pay", path: "/v1/payments/pay",
			call: func(ctx context.Context, c *ams.Client) error {
				_, err := c.Pay(ctx, hkdPayment("order-1"))
				return err
			},
			body: `{"order":{"env":{"userAgent":"` + hkUA + `"}},"paymentAmount":{"currency":"HKD","value":"1250"},` +
				`"paymentFactor":{"inStorePaymentScenario":"EntryCode"},"paymentMethod":{"paymentMethodType":"CONNECT_WALLET"},` +
				`"paymentNotifyUrl":"https://shop.example/notify?shop=1","paymentRequestId":"order-1","productCode":"IN_STORE_PAYMENT"}`,
		},
		{
			name: "inquiryPayment", path: "/v1/payments/inquiryPayment",
			call: func(ctx context.Context, c *ams.Client) error {
				_, err := c.InquiryPayment(ctx, "pay_1", "order-1")
				return err
			},
			body: `{"paymentId":"pay_1","paymentRequestId":"order-1"}`,
		},
		{
			name: "cancel", path: "/v1/payments/cancel",
			call: func(ctx context.Context, c *ams.Client) error { _, err := c.Cancel(ctx, "", "order-1"); return err },
			body: `{"paymentRequestId":"order-1"}`,
		},
		{
			name: "refund", path: "/v1/payments/refund",
			call: func(ctx context.Context, c *ams.Client) error {
				_, err := c.Refund(ctx, &ams.RefundRequest{RefundRequestID: "refund-1", PaymentID: "pay_1", RefundAmount: &ams.Amount{Currency: "HKD", Value: "500"}})
				return err
			},
			body: `{"paymentId":"pay_1","refundAmount":{"currency":"HKD","value":"500"},"refundRequestId":"refund-1"}`,
		},
		{
			name: "inquiryRefund", path: "/v1/payments/inquiryRefund",
			call: func(ctx context.Context, c *ams.Client) error {
				_, err := c.InquiryRefund(ctx, "", "refund-1")
				return err
			},
			body: `{"refundRequestId":"refund-1"}`,
		},
	}
	modes := []struct {
		name     string
		clientID string
		sandbox  bool
		prefix   string
	}{
		{"sandbox client", sandboxClient, false, ams.SandboxPrefix},
		{"live client", liveClient, false, ams.LivePrefix},
		{"live client, Sandbox set", liveClient, true, ams.SandboxPrefix},
	}
	for _, m := range modes {
		for _, api := range apis {
			t.Run(m.name+"/"+api.name, func(t *testing.T) {
				g := newFakeGateway(t)
				c := newClient(t, g, m.clientID, func(cfg *ams.Config) { cfg.Sandbox = m.sandbox })
				if err := api.call(t.Context(), c); err != nil {
					t.Fatal(err)
				}
				calls := g.Calls()
				if len(calls) != 1 {
					t.Fatalf("%d calls, want 1", len(calls))
				}
				if want := m.prefix + api.path; calls[0].Path != want {
					t.Errorf("path %s, want %s", calls[0].Path, want)
				}
				if got := string(calls[0].Body); got != api.body {
					t.Errorf("body\n got %s\nwant %s", got, api.body)
				}
			})
		}
	}
}

// TestBaseURLPathIsSigned checks that a path prefix of BaseURL is part of the signed URI.
func TestBaseURLPathIsSigned(t *testing.T) {
	g := newFakeGateway(t)
	c := newClient(t, g, liveClient, func(cfg *ams.Config) { cfg.BaseURL = g.srv.URL + "/gateway/" })
	if _, err := c.InquiryPayment(t.Context(), "pay_1", ""); err != nil {
		t.Fatal(err)
	}
	if got, want := g.Calls()[0].Path, "/gateway"+ams.PathInquiryPayment; got != want {
		t.Errorf("path %s, want %s", got, want)
	}
}

// TestForMerchant: a partner's Client sends the merchant's Agent-Token with its own
// signature; the Client it came from sends none.
func TestForMerchant(t *testing.T) {
	g := newFakeGateway(t)
	partner := newClient(t, g, liveClient)
	const token = "tok_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
	if _, err := partner.ForMerchant(token).InquiryPayment(t.Context(), "pay_1", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := partner.InquiryPayment(t.Context(), "pay_2", ""); err != nil {
		t.Fatal(err)
	}
	calls := g.Calls()
	if calls[0].AgentToken != token || calls[1].AgentToken != "" {
		t.Errorf("Agent-Token headers %q and %q, want the token then none", calls[0].AgentToken, calls[1].AgentToken)
	}
}

func TestAnswersAreDecoded(t *testing.T) {
	hkd := func(v string) *ams.Amount { return &ams.Amount{Currency: "HKD", Value: ams.String(v)} }
	t.Run("pay", func(t *testing.T) {
		want := ams.PayResponse{
			Result:             ams.Success,
			PaymentRequestID:   "order-1",
			PaymentID:          "pay_01",
			PaymentAmount:      hkd("1250"),
			PaymentCreateTime:  "2026-03-14T02:00:00Z",
			PaymentExpiryTime:  "2026-03-14T02:10:00Z",
			RedirectActionForm: &ams.RedirectActionForm{Method: "GET", RedirectURL: "https://pay.example.com/sandbox/cashier/tok"},
		}
		g := newFakeGateway(t, reply{body: want})
		got, err := newClient(t, g, sandboxClient).Pay(t.Context(), hkdPayment("order-1"))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, *got); diff != "" {
			t.Errorf("answer (-want +got):\n%s", diff)
		}
	})
	t.Run("inquiryPayment", func(t *testing.T) {
		want := ams.InquiryPaymentResponse{
			Result:              ams.Success,
			PaymentStatus:       "SUCCESS",
			PaymentResultCode:   "SUCCESS",
			PaymentRequestID:    "order-1",
			PaymentID:           "pay_01",
			PaymentAmount:       hkd("1250"),
			PaymentTime:         "2026-03-14T02:00:05Z",
			PaymentMethodType:   "CONNECT_WALLET",
			PspCustomerInfo:     &ams.PspCustomerInfo{PspName: "GCASH", PspCustomerID: "2088000000000003"},
			ActualPaymentAmount: &ams.Amount{Currency: "PHP", Value: "9213"},
			PaymentQuote:        &ams.Quote{QuoteID: "q1", QuoteCurrencyPair: "HKD/PHP", QuotePrice: "7.37088", Guaranteed: true},
			Transactions: []ams.Transaction{{
				TransactionResult: ams.Success, TransactionID: "ref_01", TransactionType: "REFUND",
				TransactionStatus: "SUCCESS", TransactionAmount: hkd("500"), TransactionRequestID: "refund-1",
			}},
		}
		g := newFakeGateway(t, reply{body: want})
		got, err := newClient(t, g, sandboxClient).InquiryPayment(t.Context(), "pay_01", "")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, *got); diff != "" {
			t.Errorf("answer (-want +got):\n%s", diff)
		}
	})
	t.Run("refund", func(t *testing.T) {
		want := ams.RefundResponse{Result: ams.Success, RefundRequestID: "refund-1", RefundID: "ref_01", PaymentID: "pay_01", RefundAmount: hkd("500"), RefundTime: "2026-03-14T03:00:00Z"}
		g := newFakeGateway(t, reply{body: want})
		got, err := newClient(t, g, sandboxClient).Refund(t.Context(), &ams.RefundRequest{RefundRequestID: "refund-1", PaymentID: "pay_01", RefundAmount: hkd("500")})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, *got); diff != "" {
			t.Errorf("answer (-want +got):\n%s", diff)
		}
	})
}

func TestFailIsNotResent(t *testing.T) {
	refused := ams.Result{ResultCode: "NO_PAY_OPTIONS", ResultStatus: "F", ResultMessage: "order.env.userAgent names no wallet"}
	g := newFakeGateway(t, reply{body: ams.ResultOnly{Result: refused}}, reply{})
	resp, err := newClient(t, g, sandboxClient).Pay(t.Context(), hkdPayment("order-1"))
	var re *ams.ResultError
	if !errors.As(err, &re) {
		t.Fatalf("error %v, want a *ResultError", err)
	}
	if re.Result != refused {
		t.Errorf("ResultError.Result = %+v, want %+v", re.Result, refused)
	}
	if resp == nil || resp.Result != refused {
		t.Errorf("response %+v, want one with the result", resp)
	}
	if errors.Is(err, ams.ErrNoAnswer) {
		t.Errorf("error %v is ErrNoAnswer; F is an answer", err)
	}
	if !strings.Contains(err.Error(), "F NO_PAY_OPTIONS: order.env.userAgent names no wallet") {
		t.Errorf("error %q does not show the result", err)
	}
	if n := len(g.Calls()); n != 1 {
		t.Errorf("%d calls, want 1: F is never resent", n)
	}
}

// TestUnknownOutcomeIsResent checks that a U answer and no answer at all are followed by
// the same body again, until an S.
func TestUnknownOutcomeIsResent(t *testing.T) {
	unknown := reply{body: ams.ResultOnly{Result: ams.Result{ResultCode: "UNKNOWN_EXCEPTION", ResultStatus: "U"}}}
	for _, tc := range []struct {
		name  string
		first reply
	}{
		{"U", unknown},
		{"connection closed", reply{hangUp: true}},
		{"HTTP 500", reply{status: http.StatusInternalServerError}},
		{"HTTP 502", reply{status: http.StatusBadGateway}},
		{"signed by another key", reply{signer: strangerKey}},
		{"not JSON", reply{raw: "<html>maintenance</html>"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok := ams.PayResponse{Result: ams.Success, PaymentRequestID: "order-1", PaymentID: "pay_01",
				RedirectActionForm: &ams.RedirectActionForm{Method: "GET", RedirectURL: "https://cashier.example/tok"}}
			g := newFakeGateway(t, tc.first, reply{body: ok})
			resp, err := newClient(t, g, sandboxClient).Pay(t.Context(), hkdPayment("order-1"))
			if err != nil {
				t.Fatal(err)
			}
			if resp.PaymentID != "pay_01" {
				t.Errorf("paymentId %q, want pay_01", resp.PaymentID)
			}
			calls := g.Calls()
			if len(calls) != 2 {
				t.Fatalf("%d calls, want 2", len(calls))
			}
			if !bytes.Equal(calls[0].Body, calls[1].Body) {
				t.Errorf("the resent body differs:\n%s\n%s", calls[0].Body, calls[1].Body)
			}
		})
	}
}

func TestUnknownEveryTime(t *testing.T) {
	for _, tc := range []struct {
		name        string
		maxAttempts int
		want        int
	}{
		{"default", 0, 3},
		{"five", 5, 5},
		{"one", 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			limited := ams.Result{ResultCode: "REQUEST_TRAFFIC_EXCEED_LIMIT", ResultStatus: "U", ResultMessage: "retry later"}
			g := newFakeGateway(t, reply{body: ams.ResultOnly{Result: limited}})
			var waits []int
			c := newClient(t, g, sandboxClient, func(cfg *ams.Config) {
				cfg.MaxAttempts = tc.maxAttempts
				cfg.Backoff = func(attempt int) time.Duration { waits = append(waits, attempt); return 0 }
			})
			resp, err := c.Refund(t.Context(), &ams.RefundRequest{RefundRequestID: "refund-1", PaymentID: "pay_01", RefundAmount: &ams.Amount{Currency: "HKD", Value: "500"}})
			var re *ams.ResultError
			if !errors.As(err, &re) || re.Result != limited {
				t.Fatalf("error %v, want a *ResultError with %+v", err, limited)
			}
			if resp == nil || resp.Result != limited {
				t.Errorf("response %+v, want one with the U result", resp)
			}
			calls := g.Calls()
			if len(calls) != tc.want {
				t.Fatalf("%d calls, want %d", len(calls), tc.want)
			}
			for _, c := range calls[1:] {
				if !bytes.Equal(c.Body, calls[0].Body) {
					t.Errorf("a resent body differs:\n%s\n%s", calls[0].Body, c.Body)
				}
			}
			if want := tc.want - 1; len(waits) != want {
				t.Errorf("Backoff called for attempts %v, want %d calls", waits, want)
			}
			for i, a := range waits {
				if a != i+1 {
					t.Errorf("Backoff called for attempts %v, want 1, 2, …", waits)
					break
				}
			}
		})
	}
}

// TestUntrustedAnswers checks that only a correctly signed answer is believed, except for
// the unsigned INVALID_SIGNATURE answer, which can only report a failure.
func TestUntrustedAnswers(t *testing.T) {
	invalidSignature := ams.Result{ResultCode: "INVALID_SIGNATURE", ResultStatus: "F", ResultMessage: "signature does not verify"}
	success := ams.PayResponse{Result: ams.Success, PaymentID: "pay_01",
		RedirectActionForm: &ams.RedirectActionForm{Method: "GET", RedirectURL: "https://cashier.example/tok"}}
	for _, tc := range []struct {
		name      string
		reply     reply
		noAnswer  bool // want ErrNoAnswer (and resending), else a *ResultError
		wantCalls int
	}{
		{"S signed by another key", reply{body: success, signer: strangerKey}, true, 3},
		{"S unsigned", reply{body: success, unsigned: true}, true, 3},
		{"F unsigned", reply{body: ams.ResultOnly{Result: ams.Result{ResultCode: "NO_PAY_OPTIONS", ResultStatus: "F"}}, unsigned: true}, true, 3},
		{"INVALID_SIGNATURE signed by another key", reply{body: ams.ResultOnly{Result: invalidSignature}, signer: strangerKey}, true, 3},
		{"INVALID_SIGNATURE unsigned", reply{body: ams.ResultOnly{Result: invalidSignature}, unsigned: true}, false, 1},
		{"INVALID_SIGNATURE signed", reply{body: ams.ResultOnly{Result: invalidSignature}}, false, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newFakeGateway(t, tc.reply)
			resp, err := newClient(t, g, sandboxClient).Pay(t.Context(), hkdPayment("order-1"))
			var re *ams.ResultError
			switch {
			case tc.noAnswer:
				if !errors.Is(err, ams.ErrNoAnswer) {
					t.Fatalf("error %v, want ErrNoAnswer", err)
				}
				if resp != nil {
					t.Errorf("response %+v from an untrusted answer, want nil", resp)
				}
			case !errors.As(err, &re) || re.Result != invalidSignature:
				t.Fatalf("error %v, want a *ResultError with %+v", err, invalidSignature)
			case errors.Is(err, ams.ErrNoAnswer):
				t.Errorf("error %v is also ErrNoAnswer", err)
			}
			if n := len(g.Calls()); n != tc.wantCalls {
				t.Errorf("%d calls, want %d", n, tc.wantCalls)
			}
		})
	}
}

func TestContextStopsResending(t *testing.T) {
	unknown := ams.Result{ResultCode: "UNKNOWN_EXCEPTION", ResultStatus: "U"}
	g := newFakeGateway(t, reply{body: ams.ResultOnly{Result: unknown}})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	c := newClient(t, g, sandboxClient, func(cfg *ams.Config) {
		cfg.MaxAttempts = 10
		// The caller gives up while the client waits: the wait must end at once.
		cfg.Backoff = func(int) time.Duration { cancel(); return time.Hour }
	})
	_, err := c.Pay(ctx, hkdPayment("order-1"))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	var re *ams.ResultError
	if !errors.As(err, &re) || re.Result != unknown {
		t.Errorf("error %v, want it to keep the last result %+v", err, unknown)
	}
	if n := len(g.Calls()); n != 1 {
		t.Errorf("%d calls, want 1", n)
	}
}

func TestContextDoneBeforeCall(t *testing.T) {
	g := newFakeGateway(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := newClient(t, g, sandboxClient).InquiryPayment(ctx, "pay_01", "")
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ams.ErrNoAnswer) {
		t.Errorf("error %v, want ErrNoAnswer and context.Canceled", err)
	}
	if n := len(g.Calls()); n != 0 {
		t.Errorf("%d calls, want 0", n)
	}
}

func TestRequestsNeedTheirIDs(t *testing.T) {
	g := newFakeGateway(t)
	c := newClient(t, g, sandboxClient)
	ctx := t.Context()
	checks := map[string]error{}
	_, checks["pay nil"] = c.Pay(ctx, nil)
	_, checks["pay without paymentRequestId"] = c.Pay(ctx, hkdPayment(""))
	_, checks["inquiryPayment"] = c.InquiryPayment(ctx, "", "")
	_, checks["cancel"] = c.Cancel(ctx, "", "")
	_, checks["refund without refundRequestId"] = c.Refund(ctx, &ams.RefundRequest{PaymentID: "pay_01"})
	_, checks["inquiryRefund"] = c.InquiryRefund(ctx, "", "")
	for name, err := range checks {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if n := len(g.Calls()); n != 0 {
		t.Errorf("%d calls, want 0", n)
	}
}

func TestNewClientChecksConfig(t *testing.T) {
	good := ams.Config{BaseURL: "https://pay.example.com", ClientID: sandboxClient, PrivateKey: merchantKey, GatewayKey: &gatewayKey.PublicKey}
	if _, err := ams.NewClient(good); err != nil {
		t.Fatalf("good config: %v", err)
	}
	for name, change := range map[string]func(*ams.Config){
		"no BaseURL":           func(c *ams.Config) { c.BaseURL = "" },
		"BaseURL not http":     func(c *ams.Config) { c.BaseURL = "ftp://pay.example.com" },
		"BaseURL without host": func(c *ams.Config) { c.BaseURL = "pay.example.com" },
		"BaseURL with query":   func(c *ams.Config) { c.BaseURL = "https://pay.example.com/?x=1" },
		"no ClientID":          func(c *ams.Config) { c.ClientID = "" },
		"no PrivateKey":        func(c *ams.Config) { c.PrivateKey = nil },
		"no GatewayKey":        func(c *ams.Config) { c.GatewayKey = nil },
		"negative KeyVersion":  func(c *ams.Config) { c.KeyVersion = -1 },
		"negative MaxAttempts": func(c *ams.Config) { c.MaxAttempts = -1 },
	} {
		cfg := good
		change(&cfg)
		if _, err := ams.NewClient(cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestParseKeys(t *testing.T) {
	priv, err := ams.ParsePrivateKey(antomsig.PrivateKeyPEM(merchantKey))
	if err != nil || !priv.Equal(merchantKey) {
		t.Errorf("ParsePrivateKey(PEM) = %v, want the key", err)
	}
	pub, err := ams.ParsePublicKey([]byte(antomsig.EncodePublicKey(&gatewayKey.PublicKey)))
	if err != nil || !pub.Equal(&gatewayKey.PublicKey) {
		t.Errorf("ParsePublicKey(base64) = %v, want the key", err)
	}
}
