package notify

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/ams"
	"github.com/entrypay/entrypay/internal/antomsig"
)

// gatewayKey signs notifications; generated once, RSA generation dominates test time.
var gatewayKey *rsa.PrivateKey

func TestMain(m *testing.M) {
	var err error
	if gatewayKey, err = antomsig.GenerateKey(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	goleak.VerifyTestMain(m)
}

// clock is the fixed time the tests' notifiers live at.
var clock = time.Date(2026, 3, 14, 10, 0, 0, 0, time.FixedZone("UTC+8", 8*3600))

var testMerchant = &entrypay.Merchant{ID: "mer_test1", ClientID: "SANDBOX_5Y3A2N2YEB3T01234", Name: "Demo Noodle Bar"}

// newNotifier returns a Notifier with the test key and clock; its idle connections are
// closed when the test ends.
func newNotifier(t *testing.T, cfg Config) *Notifier {
	t.Helper()
	if cfg.Key == nil {
		cfg.Key = gatewayKey
	}
	if cfg.KeyVersion == 0 {
		cfg.KeyVersion = 3
	}
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return clock }
	}
	n := New(cfg)
	t.Cleanup(n.client.CloseIdleConnections)
	return n
}

// received is one request as a merchant server saw it.
type received struct {
	uri         string
	clientID    string
	requestTime string
	body        []byte
	sigErr      error
}

// merchant is an httptest merchant server that checks each notification's signature with
// the gateway key and answers with respond.
type merchant struct {
	srv  *httptest.Server
	hits atomic.Int32
	reqs chan received
}

func newMerchant(t *testing.T, respond http.HandlerFunc) *merchant {
	t.Helper()
	m := &merchant{reqs: make(chan received, 16)}
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.hits.Add(1)
		body, _ := io.ReadAll(r.Body)
		rec := received{
			uri:         r.RequestURI,
			clientID:    r.Header.Get("Client-Id"),
			requestTime: r.Header.Get("Request-Time"),
			body:        body,
		}
		rec.sigErr = antomsig.VerifyHeader(&gatewayKey.PublicKey, r.Header.Get("Signature"),
			r.Method, r.RequestURI, rec.clientID, rec.requestTime, body)
		m.reqs <- rec
		respond(w, r)
	}))
	t.Cleanup(m.srv.Close)
	return m
}

// next returns the request the merchant received, failing if there was none.
func (m *merchant) next(t *testing.T) received {
	t.Helper()
	select {
	case r := <-m.reqs:
		return r
	default:
		t.Fatal("the merchant server received no request")
		return received{}
	}
}

func reply(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func TestCheckURL(t *testing.T) {
	tests := []struct {
		url string
		// okPrivate and okPublic: accepted with AllowPrivate true, and with it false.
		okPrivate, okPublic bool
	}{
		{"https://merchant.example.com/notify", true, true},
		{"http://merchant.example.com:8080/notify?x=1", true, true},
		{"https://93.184.215.14/notify", true, true},
		{"http://8.8.8.8/", true, true},
		{"https://[2606:4700::6810:84e5]/notify", true, true},
		{"https://100.128.0.1/", true, true}, // just past carrier-grade NAT
		{"https://172.32.0.1/", true, true},  // just past 172.16/12

		{"ftp://merchant.example.com/notify", false, false},
		{"javascript:alert(1)", false, false},
		{"/notify", false, false},
		{"merchant.example.com/notify", false, false},
		{"", false, false},
		{"http://", false, false},
		{"http://:8080/notify", false, false},
		{"http://%zz/", false, false},

		{"http://localhost:8080/notify", true, false},
		{"http://LOCALHOST/notify", true, false},
		{"http://localhost./notify", true, false},
		{"http://shop.localhost/notify", true, false},
		{"http://127.0.0.1:8080/notify", true, false},
		{"http://127.0.0.2/", true, false},
		{"http://[::1]:8080/notify", true, false},
		{"http://[::ffff:127.0.0.1]/notify", true, false},
		{"http://10.1.2.3/notify", true, false},
		{"http://192.168.1.10/notify", true, false},
		{"http://172.16.0.1/notify", true, false},
		{"http://172.31.255.255/notify", true, false},
		{"http://169.254.169.254/latest/meta-data", true, false},
		{"http://100.64.0.1/notify", true, false},
		{"http://0.0.0.0:8080/notify", true, false},
		{"http://0.1.2.3/notify", true, false},
		{"http://224.0.0.1/notify", true, false},
		{"http://[fd00::1]/notify", true, false},
		{"http://[fe80::1]/notify", true, false},
	}
	allow := New(Config{Key: gatewayKey, AllowPrivate: true})
	deny := New(Config{Key: gatewayKey})
	for _, tt := range tests {
		for _, c := range []struct {
			name string
			n    *Notifier
			ok   bool
		}{{"AllowPrivate", allow, tt.okPrivate}, {"public only", deny, tt.okPublic}} {
			err := c.n.CheckURL(tt.url)
			if (err == nil) != c.ok {
				t.Errorf("%s: CheckURL(%q) = %v, want accepted=%v", c.name, tt.url, err, c.ok)
			}
		}
	}
}

func TestFormat(t *testing.T) {
	created := time.Date(2026, 3, 14, 9, 58, 0, 0, time.UTC)
	paid := time.Date(2026, 3, 14, 10, 1, 2, 0, time.FixedZone("UTC+8", 8*3600))
	base := entrypay.Payment{
		ID:         "pay_test1",
		MerchantID: testMerchant.ID,
		RequestID:  "order-2026-0001",
		Amount:     entrypay.Amount{Value: 1000, Currency: "USD"},
		Wallet:     "ALIPAY_HK",
		CreatedAt:  created,
	}
	tests := []struct {
		name string
		mod  func(p *entrypay.Payment)
		want string
	}{
		{
			name: "success",
			mod: func(p *entrypay.Payment) {
				p.Status = entrypay.PaymentSuccess
				p.ResultCode, p.ResultMessage = "SUCCESS", "success"
				p.PaidAt = paid
				p.WalletType = "ALIPAY_HK"
				p.WalletCustomerID = "2088000000000002"
				p.CustomerAmount = entrypay.Amount{Value: 7815, Currency: "HKD"}
				p.PaymentQuote = &entrypay.Quote{
					ID: "2026031451000001", Pair: "USD/HKD", Price: "7.81500000",
					Start: created, Expiry: created.Add(10 * time.Minute), Guaranteed: true,
				}
			},
			want: `{
				"notifyType": "PAYMENT_RESULT",
				"result": {"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "success"},
				"paymentRequestId": "order-2026-0001",
				"paymentId": "pay_test1",
				"paymentAmount": {"currency": "USD", "value": "1000"},
				"paymentCreateTime": "2026-03-14T09:58:00Z",
				"paymentTime": "2026-03-14T02:01:02Z",
				"paymentMethodType": "CONNECT_WALLET",
				"pspCustomerInfo": {"pspName": "ALIPAY_HK", "pspCustomerId": "2088000000000002"},
				"actualPaymentAmount": {"currency": "HKD", "value": "7815"},
				"paymentQuote": {
					"quoteId": "2026031451000001",
					"quoteCurrencyPair": "USD/HKD",
					"quotePrice": 7.81500000,
					"quoteStartTime": "2026-03-14T09:58:00Z",
					"quoteExpiryTime": "2026-03-14T10:08:00Z",
					"guaranteed": true
				}
			}`,
		},
		{
			name: "success in the wallet's own currency, no quote",
			mod: func(p *entrypay.Payment) {
				p.Status = entrypay.PaymentSuccess
				p.Amount = entrypay.Amount{Value: 5000, Currency: "HKD"}
				p.PaidAt = paid
			},
			want: `{
				"notifyType": "PAYMENT_RESULT",
				"result": {"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "success"},
				"paymentRequestId": "order-2026-0001",
				"paymentId": "pay_test1",
				"paymentAmount": {"currency": "HKD", "value": "5000"},
				"paymentCreateTime": "2026-03-14T09:58:00Z",
				"paymentTime": "2026-03-14T02:01:02Z",
				"paymentMethodType": "CONNECT_WALLET",
				"pspCustomerInfo": {"pspName": "ALIPAY_HK"}
			}`,
		},
		{
			name: "fail",
			mod: func(p *entrypay.Payment) {
				p.Status = entrypay.PaymentFail
				p.ResultCode = "USER_BALANCE_NOT_ENOUGH"
				p.ResultMessage = "the customer's balance is not enough"
				p.ClosedAt = paid
			},
			want: `{
				"notifyType": "PAYMENT_RESULT",
				"result": {"resultCode": "USER_BALANCE_NOT_ENOUGH", "resultStatus": "F", "resultMessage": "the customer's balance is not enough"},
				"paymentRequestId": "order-2026-0001",
				"paymentId": "pay_test1",
				"paymentAmount": {"currency": "USD", "value": "1000"},
				"paymentCreateTime": "2026-03-14T09:58:00Z",
				"paymentMethodType": "CONNECT_WALLET",
				"pspCustomerInfo": {"pspName": "ALIPAY_HK"}
			}`,
		},
	}
	n := New(Config{Key: gatewayKey})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := base
			tt.mod(&p)
			got, err := n.Format(&p, testMerchant)
			if err != nil {
				t.Fatal(err)
			}
			// UseNumber keeps JSON numbers apart from strings: quotePrice must be a number.
			if diff := cmp.Diff(decodeJSON(t, []byte(tt.want)), decodeJSON(t, got)); diff != "" {
				t.Errorf("Format (-want +got):\n%s\n%s", diff, got)
			}
		})
	}

	t.Run("a quote price that is not a number", func(t *testing.T) {
		p := base
		p.Status = entrypay.PaymentSuccess
		p.PaymentQuote = &entrypay.Quote{Pair: "USD/HKD", Price: "7,815"}
		if got, err := n.Format(&p, testMerchant); err == nil {
			t.Fatalf("Format = %s, want an error rather than invalid JSON", got)
		}
	})
}

func decodeJSON(t *testing.T, data []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("%s: %v", data, err)
	}
	if q, ok := m["paymentQuote"].(map[string]any); ok {
		// 7.81500000 and 7.815 are the same number; compare them as such.
		if n, ok := q["quotePrice"].(json.Number); ok {
			f, _ := n.Float64()
			q["quotePrice"] = f
		}
	}
	return m
}

func TestDeliver(t *testing.T) {
	const ackF = `{"result":{"resultCode":"PROCESS_FAIL","resultStatus":"F","resultMessage":"no"}}`
	const ackU = `{"result":{"resultCode":"UNKNOWN_EXCEPTION","resultStatus":"U","resultMessage":"later"}}`
	long := strings.Repeat("x", 2000)
	tests := []struct {
		name        string
		respond     http.HandlerFunc
		wantAck     bool
		wantStatus  int
		wantErr     string // substring of the attempt's Error; "" for none
		wantResp    string // the recorded Response; defaults to the body when short
		wantRespLen int    // when set, the Response's length instead
	}{
		{name: "200 S", respond: reply(200, ams.AckBody), wantAck: true, wantStatus: 200, wantResp: ams.AckBody},
		{name: "200 S with extra fields", respond: reply(200, `{"result":{"resultStatus":"S","resultCode":"SUCCESS"},"x":1}`), wantAck: true, wantStatus: 200},
		{name: "200 F", respond: reply(200, ackF), wantStatus: 200, wantErr: `resultStatus "F"`, wantResp: ackF},
		{name: "200 U", respond: reply(200, ackU), wantStatus: 200, wantErr: `resultStatus "U"`, wantResp: ackU},
		{name: "200 without result", respond: reply(200, `{}`), wantStatus: 200, wantErr: "resultStatus"},
		{name: "200 SUCCESS text", respond: reply(200, "SUCCESS"), wantStatus: 200, wantErr: "not JSON", wantResp: "SUCCESS"},
		{name: "200 long body", respond: reply(200, long), wantStatus: 200, wantErr: "not JSON", wantRespLen: 512},
		{name: "500 with an S body", respond: reply(500, ams.AckBody), wantStatus: 500, wantErr: "HTTP 500", wantResp: ams.AckBody},
		{name: "500 long body", respond: reply(500, long), wantStatus: 500, wantErr: "HTTP 500", wantRespLen: 512},
		{name: "404", respond: reply(404, "404 page not found"), wantStatus: 404, wantErr: "HTTP 404", wantResp: "404 page not found"},
		{name: "204", respond: reply(204, ""), wantStatus: 204, wantErr: "HTTP 204"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMerchant(t, tt.respond)
			n := newNotifier(t, Config{AllowPrivate: true})
			note := &entrypay.Notification{
				ID:   "ntf_test1",
				URL:  m.srv.URL + "/antom/notify?shop=central&q=a%20b",
				Body: []byte(`{"notifyType":"PAYMENT_RESULT","paymentId":"pay_test1"}`),
			}
			att := n.Deliver(context.Background(), testMerchant, note)

			got := m.next(t)
			if got.sigErr != nil {
				t.Errorf("signature: %v", got.sigErr)
			}
			if got.uri != "/antom/notify?shop=central&q=a%20b" {
				t.Errorf("request URI = %q", got.uri)
			}
			if got.clientID != testMerchant.ClientID {
				t.Errorf("Client-Id = %q, want %q", got.clientID, testMerchant.ClientID)
			}
			if want := clock.Format(antomsig.NotifyTimeLayout); got.requestTime != want {
				t.Errorf("Request-Time = %q, want %q", got.requestTime, want)
			}
			if !bytes.Equal(got.body, note.Body) {
				t.Errorf("body = %s, want %s", got.body, note.Body)
			}

			if att.NotificationID != note.ID || !att.At.Equal(clock) || att.Duration != 0 {
				t.Errorf("attempt = %+v, want notification %s at %v lasting 0 (fixed clock)", att, note.ID, clock)
			}
			if att.Acknowledged != tt.wantAck {
				t.Errorf("Acknowledged = %v, want %v (attempt %+v)", att.Acknowledged, tt.wantAck, att)
			}
			if att.HTTPStatus != tt.wantStatus {
				t.Errorf("HTTPStatus = %d, want %d", att.HTTPStatus, tt.wantStatus)
			}
			switch {
			case tt.wantErr == "" && att.Error != "":
				t.Errorf("Error = %q, want none", att.Error)
			case tt.wantErr != "" && !strings.Contains(att.Error, tt.wantErr):
				t.Errorf("Error = %q, want it to contain %q", att.Error, tt.wantErr)
			}
			switch {
			case tt.wantRespLen != 0 && len(att.Response) != tt.wantRespLen:
				t.Errorf("len(Response) = %d, want %d", len(att.Response), tt.wantRespLen)
			case tt.wantRespLen == 0 && tt.wantResp != "" && att.Response != tt.wantResp:
				t.Errorf("Response = %q, want %q", att.Response, tt.wantResp)
			}
			if m.hits.Load() != 1 {
				t.Errorf("the merchant server was called %d times, want 1", m.hits.Load())
			}
		})
	}
}

// TestDeliverRedirect checks that a redirect is neither followed nor taken for an
// acknowledgement.
func TestDeliverRedirect(t *testing.T) {
	var followed atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/notify", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	})
	mux.HandleFunc("/elsewhere", func(w http.ResponseWriter, _ *http.Request) {
		followed.Add(1)
		_, _ = io.WriteString(w, ams.AckBody)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	n := newNotifier(t, Config{AllowPrivate: true})
	att := n.Deliver(context.Background(), testMerchant, &entrypay.Notification{ID: "ntf_test1", URL: srv.URL + "/notify", Body: []byte(`{}`)})
	if att.Acknowledged || att.HTTPStatus != http.StatusFound || !strings.Contains(att.Error, "HTTP 302") {
		t.Errorf("attempt = %+v, want not acknowledged, HTTP 302", att)
	}
	if followed.Load() != 0 {
		t.Errorf("the redirect was followed %d times", followed.Load())
	}
}

// TestDeliverResponseIsValidText checks that what is kept of a merchant's answer is valid
// UTF-8 without NUL bytes, whatever the merchant sent: PostgreSQL refuses anything else
// in a text column, and the attempt would not be recorded.
func TestDeliverResponseIsValidText(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		wantAck bool
	}{
		{"multi-byte characters across the cut", 500, "x" + strings.Repeat("通知", 300), false},
		{"invalid UTF-8", 500, "\xff\xfe{\"result\"}\xc3", false},
		{"NUL bytes", 500, "ok\x00\x00fine", false},
		{"binary", 500, string([]byte{0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x00}), false},
		// encoding/json accepts invalid UTF-8 inside strings, so this is an acknowledgement,
		// and failing to record it would make the notification be sent again and again.
		{"acknowledgement with invalid UTF-8", 200, `{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"` + "\xff\xfe" + `"}}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMerchant(t, reply(tt.status, tt.body))
			n := newNotifier(t, Config{AllowPrivate: true})
			att := n.Deliver(context.Background(), testMerchant, &entrypay.Notification{ID: "ntf_test1", URL: m.srv.URL, Body: []byte(`{}`)})
			if att.HTTPStatus != tt.status || att.Acknowledged != tt.wantAck {
				t.Fatalf("attempt = %+v, want HTTP %d, acknowledged %v", att, tt.status, tt.wantAck)
			}
			if len(att.Response) > maxLoggedResponse || !utf8.ValidString(att.Response) || strings.ContainsRune(att.Response, 0) {
				t.Errorf("Response = %q (%d bytes): want at most %d bytes of valid UTF-8 without NUL", att.Response, len(att.Response), maxLoggedResponse)
			}
			if len(att.Response) < min(len(tt.body), maxLoggedResponse-utf8.UTFMax) {
				t.Errorf("Response = %q: want as much of the answer as fits", att.Response)
			}
		})
	}
}

// TestDeliverTimeout checks that a merchant that never answers costs one Timeout.
func TestDeliverTimeout(t *testing.T) {
	release := make(chan struct{})
	m := newMerchant(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	t.Cleanup(func() { close(release) }) // runs before the server's Close
	const timeout = 300 * time.Millisecond
	n := newNotifier(t, Config{AllowPrivate: true, Timeout: timeout, Now: time.Now})

	done := make(chan entrypay.NotificationAttempt, 1)
	start := time.Now()
	go func() {
		done <- n.Deliver(context.Background(), testMerchant, &entrypay.Notification{ID: "ntf_test1", URL: m.srv.URL + "/notify", Body: []byte(`{}`)})
	}()
	var att entrypay.NotificationAttempt
	select {
	case att = <-done:
	case <-time.After(timeout + 5*time.Second):
		t.Fatalf("Deliver did not return within %v of its %v timeout", 5*time.Second, timeout)
	}
	elapsed := time.Since(start)
	if att.Acknowledged || att.HTTPStatus != 0 || att.Error == "" {
		t.Errorf("attempt = %+v, want not acknowledged, no status, an error", att)
	}
	if elapsed < timeout || att.Duration < timeout {
		t.Errorf("Deliver returned after %v (attempt says %v), before the %v timeout", elapsed, att.Duration, timeout)
	}
}

// TestDeliverContextCancelled checks that the caller's context bounds an attempt too.
func TestDeliverContextCancelled(t *testing.T) {
	entered := make(chan struct{}, 1)
	m := newMerchant(t, func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-r.Context().Done()
	})
	n := newNotifier(t, Config{AllowPrivate: true, Timeout: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan entrypay.NotificationAttempt, 1)
	go func() {
		done <- n.Deliver(ctx, testMerchant, &entrypay.Notification{ID: "ntf_test1", URL: m.srv.URL, Body: []byte(`{}`)})
	}()
	select {
	case <-entered:
	case <-time.After(5 * time.Second):
		t.Fatal("the merchant server was not called")
	}
	cancel()
	select {
	case att := <-done:
		if att.Acknowledged || att.Error == "" {
			t.Errorf("attempt = %+v, want an error", att)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Deliver did not return after its context was cancelled")
	}
}

// TestDeliverAddressPolicy checks that with AllowPrivate false no loopback or private
// destination is contacted, whether it is named by a literal address or by a name.
func TestDeliverAddressPolicy(t *testing.T) {
	m := newMerchant(t, reply(200, ams.AckBody))
	_, port, err := net.SplitHostPort(m.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	n := newNotifier(t, Config{})
	for _, target := range []string{
		m.srv.URL + "/notify",
		"http://127.0.0.2:" + port + "/notify",
		"http://localhost:" + port + "/notify",
		"http://[::1]:" + port + "/notify",
		"http://10.0.0.1:" + port + "/notify",
	} {
		att := n.Deliver(context.Background(), testMerchant, &entrypay.Notification{ID: "ntf_test1", URL: target, Body: []byte(`{}`)})
		if att.Acknowledged || att.HTTPStatus != 0 || !strings.Contains(att.Error, "must not point at") {
			t.Errorf("Deliver to %s: attempt = %+v, want refused by the address policy", target, att)
		}
	}
	if m.hits.Load() != 0 {
		t.Errorf("the merchant server on 127.0.0.1 was contacted %d times", m.hits.Load())
	}
}

// TestDialGuard checks the second line of the address policy: the dialer refuses every
// private address it is about to connect to, after name resolution, so that a public-
// looking name that resolves to a private address is refused too. It uses the Notifier's
// HTTP client directly because CheckURL already refuses the literal addresses and
// localhost that are the only private names a test can count on.
func TestDialGuard(t *testing.T) {
	m := newMerchant(t, reply(200, ams.AckBody))
	_, port, err := net.SplitHostPort(m.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	targets := []string{m.srv.URL + "/notify", "http://127.0.0.2:" + port + "/notify"}
	if addrs, err := net.DefaultResolver.LookupHost(context.Background(), "localhost"); err == nil && len(addrs) > 0 {
		targets = append(targets, "http://localhost:"+port+"/notify")
	}
	n := newNotifier(t, Config{})
	for _, target := range targets {
		resp, err := n.client.Post(target, "application/json", strings.NewReader(`{}`))
		if err == nil {
			resp.Body.Close()
			t.Errorf("POST %s: HTTP %d, want refused by the dialer", target, resp.StatusCode)
			continue
		}
		if !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("POST %s: %v, want ErrForbiddenAddress", target, err)
		}
	}
	if m.hits.Load() != 0 {
		t.Errorf("the merchant server was contacted %d times", m.hits.Load())
	}

	// With AllowPrivate the same client reaches the server.
	open := newNotifier(t, Config{AllowPrivate: true})
	resp, err := open.client.Post(m.srv.URL+"/notify", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatalf("AllowPrivate: %v", err)
	}
	resp.Body.Close()
	if m.hits.Load() != 1 {
		t.Errorf("AllowPrivate: the merchant server was contacted %d times, want 1", m.hits.Load())
	}
}

// TestDeliverNameResolvingToPrivate delivers through Deliver to a name that passes
// CheckURL but resolves to a private address, when the machine has one (its own host
// name usually resolves to a loopback or private address through /etc/hosts).
func TestDeliverNameResolvingToPrivate(t *testing.T) {
	name, err := os.Hostname()
	if err != nil || name == "" || strings.EqualFold(name, "localhost") {
		t.Skip("no usable host name")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", name)
	if err != nil || len(addrs) == 0 {
		t.Skipf("host name %q does not resolve: %v", name, err)
	}
	for _, a := range addrs {
		if !forbidden(a) {
			t.Skipf("host name %q resolves to the public address %s", name, a)
		}
	}
	n := newNotifier(t, Config{})
	target := (&url.URL{Scheme: "http", Host: net.JoinHostPort(name, "9"), Path: "/notify"}).String()
	if err := n.CheckURL(target); err != nil {
		t.Skipf("CheckURL already refuses %s: %v", target, err)
	}
	att := n.Deliver(context.Background(), testMerchant, &entrypay.Notification{ID: "ntf_test1", URL: target, Body: []byte(`{}`)})
	if att.Acknowledged || !strings.Contains(att.Error, ErrForbiddenAddress.Error()) {
		t.Errorf("Deliver to %s (%v): attempt = %+v, want refused by the dialer", target, addrs, att)
	}
}
