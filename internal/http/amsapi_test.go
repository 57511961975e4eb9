package http_test

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/ams"
	"github.com/entrypay/entrypay/internal/alipayplus"
	"github.com/entrypay/entrypay/internal/antomsig"
	"github.com/entrypay/entrypay/internal/fx"
	ephttp "github.com/entrypay/entrypay/internal/http"
	"github.com/entrypay/entrypay/internal/notify"
	"github.com/entrypay/entrypay/internal/password"
	"github.com/entrypay/entrypay/internal/risk"
	"github.com/entrypay/entrypay/internal/sandbox"
	"github.com/entrypay/entrypay/internal/testdb"
	"github.com/entrypay/entrypay/internal/totp"
	"github.com/entrypay/entrypay/internal/wallets"
)

// Keys are made once: RSA key generation is the slowest thing these tests would do.
var gatewayKey, sandboxKey, merchantKey, strangerKey *rsa.PrivateKey

func TestMain(m *testing.M) {
	for _, k := range []**rsa.PrivateKey{&gatewayKey, &sandboxKey, &merchantKey, &strangerKey} {
		var err error
		if *k, err = antomsig.GenerateKey(); err != nil {
			log.Fatal(err)
		}
	}
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("database/sql.(*DB).connectionOpener"))
}

const adminToken = "operator-secret-token"

const hkUA = "Mozilla/5.0 (Linux; Android 13) AliApp(APHK/2.6.0.160) AlipayClientHK/2.6.0.160 Language/zh-HK AlipayConnect"

// harness is a gateway with its HTTP surface and the real sandbox wallet side on one
// httptest server, over a real database.
type harness struct {
	db       *testdb.DB
	url      string
	gw       *entrypay.Gateway
	sb       *sandbox.Sandbox
	merchant *entrypay.Merchant
	live     *entrypay.Merchant
	now      func() time.Time
	registry *prometheus.Registry
}

func newHarness(t testing.TB, kind string, opts ...func(*ephttp.Config)) *harness {
	t.Helper()
	return newHarnessAt(t, kind, time.Now, opts...)
}

// newHarnessAt runs every part — gateway, sandbox, HTTP checks, the merchant's signing —
// on the clock now, so that a test can move the days on.
func newHarnessAt(t testing.TB, kind string, now func() time.Time, opts ...func(*ephttp.Config)) *harness {
	t.Helper()
	db := testdb.Open(t, kind)
	var handler http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	h := &harness{url: srv.URL, now: now, db: db}
	h.sb = sandbox.New(sandbox.Config{
		BasePath: "/sandbox", PublicURL: srv.URL, Key: sandboxKey, KeyVersion: 1, Now: now,
		Acquirers: func(_ context.Context, id string, _ int) (*rsa.PublicKey, error) {
			if id != "ACQ" {
				return nil, fmt.Errorf("unknown acquirer %q", id)
			}
			return &gatewayKey.PublicKey, nil
		},
	})
	t.Cleanup(func() { h.sb.Close() })
	side := alipayplus.NewClient(alipayplus.Config{
		Endpoint: srv.URL + "/sandbox", ClientID: "ACQ", Key: gatewayKey, KeyVersion: 1,
		PeerKey: h.sb.PublicKey(), NotifyURL: srv.URL + "/alipayplus/sandbox/notifyPayment", Now: now,
	})
	table := wallets.Builtin()
	h.registry = prometheus.NewRegistry()
	h.gw = entrypay.NewGateway(entrypay.Config{
		DB: db.Store, Live: side, Sandbox: side, FX: &fx.Engine{}, Now: now,
		Notifier:     notify.New(notify.Config{Key: gatewayKey, KeyVersion: 1, AllowPrivate: true}),
		DetectWallet: table.Detect,
		// Every payment is decided by the built-in risk rules, as in serve.
		Risk: risk.Engine{}, DefaultRiskRules: risk.DefaultRules(), RiskMetrics: ephttp.NewRiskMetrics(h.registry),
		Wallets: func(code string) (entrypay.WalletInfo, bool) {
			w, ok := table.Wallet(code)
			return entrypay.WalletInfo{Currency: w.Currency, Min: w.MinAmount, Max: w.MaxAmount}, ok
		},
		// Cheap argon2id parameters: the tests sign in often; package password checks
		// the real ones.
		Passwords: password.Hasher{Params: password.Params{Memory: 64, Time: 1, Threads: 1}},
		TOTP:      totp.Codes{},
	})
	if err := h.gw.LoadRiskRules(context.Background()); err != nil {
		t.Fatal(err)
	}
	cfg := ephttp.Config{
		Payments: h.gw, Key: gatewayKey, KeyVersion: 1, Sandbox: h.sb.Handler(),
		Pages: h.gw, Admin: h.gw, AdminToken: adminToken, PublicURL: srv.URL,
		AlipayNotify: map[string]http.Handler{"sandbox": &alipayplus.NotifyHandler{
			ClientID: "ACQ", PeerKey: h.sb.PublicKey(), Key: gatewayKey, KeyVersion: 1, Recorder: h.gw,
		}},
		Ready: db.SQL.PingContext, Now: now, Reports: h.gw, Money: h.gw, Risk: h.gw, Registry: h.registry,
		Dashboard:      h.gw,
		DashStores:     h.gw,
		Codes:          h.gw,
		DashDevelopers: h.gw,
		Console:        h.gw,
		ConsoleOps:     h.gw,
		Team:           h.gw,
		Partners:       h.gw,
		Registrations:  h.gw,
	}
	for _, o := range opts {
		o(&cfg)
	}
	handler = ephttp.NewServer(cfg)
	// Whatever the test did, the books must still balance.
	t.Cleanup(func() { verifyLedger(t, h.gw) })
	ctx := context.Background()
	pub := antomsig.EncodePublicKey(&merchantKey.PublicKey)
	var err error
	if h.merchant, err = h.gw.CreateMerchant(ctx, entrypay.NewMerchant{Name: "Noodle Bar", MCC: "5812", Region: "HK", SettlementCurrency: "HKD", Sandbox: true, PublicKey: pub}); err != nil {
		t.Fatal(err)
	}
	if h.live, err = h.gw.CreateMerchant(ctx, entrypay.NewMerchant{Name: "Live Shop", MCC: "5812", Region: "HK", SettlementCurrency: "HKD", PublicKey: pub}); err != nil {
		t.Fatal(err)
	}
	return h
}

// call signs body as the merchant, posts it to path and verifies the answer's signature
// with the gateway key. It returns the decoded result and the raw body.
func (h *harness) call(t *testing.T, m *entrypay.Merchant, path, body string) (ams.Result, []byte) {
	t.Helper()
	c := &antomsig.Caller{BaseURL: h.url, ClientID: m.ClientID, Signer: antomsig.Signer{Key: merchantKey, KeyVersion: 1}, PeerKey: &gatewayKey.PublicKey, Now: h.now}
	ans, err := c.Post(context.Background(), path, []byte(body))
	if err != nil {
		t.Fatalf("POST %s: %v (body %s)", path, err, ans.Body)
	}
	var r ams.ResultOnly
	if err := json.Unmarshal(ans.Body, &r); err != nil {
		t.Fatalf("answer is not JSON: %s", ans.Body)
	}
	return r.Result, ans.Body
}

// raw sends a request exactly as given and returns the status, headers and body.
func (h *harness) raw(t *testing.T, method, path string, header map[string]string, body []byte) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, h.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, data
}

// signedHeaders returns the headers of a correctly signed request.
func signedHeaders(clientID, path, ts string, body []byte, key *rsa.PrivateKey, version int) map[string]string {
	sig, err := antomsig.Signer{Key: key, KeyVersion: version}.HeaderFor("POST", path, clientID, ts, body)
	if err != nil {
		panic(err)
	}
	return map[string]string{"Client-Id": clientID, "Request-Time": ts, "Signature": sig, "Content-Type": "application/json; charset=UTF-8"}
}

func payBody(requestID string, value int, ua, notifyURL string) string {
	return fmt.Sprintf(`{"productCode":"IN_STORE_PAYMENT","paymentRequestId":%q,"paymentAmount":{"currency":"HKD","value":"%d"},`+
		`"paymentMethod":{"paymentMethodType":"CONNECT_WALLET"},"paymentFactor":{"inStorePaymentScenario":"EntryCode"},`+
		`"paymentNotifyUrl":%q,"order":{"orderDescription":"noodles","merchant":{"merchantName":"Noodle Bar","store":{"referenceStoreId":"S1","storeName":"Central","storeMcc":"5812"}},"env":{"userAgent":%q}}}`,
		requestID, value, notifyURL, ua)
}

// merchantServer is a merchant's notification endpoint that verifies every signature.
type merchantServer struct {
	url  string
	got  chan ams.NotifyPaymentRequest
	mu   sync.Mutex
	fail int // answer 500 to this many notifications first
}

func newMerchantServer(t *testing.T) *merchantServer {
	m := &merchantServer{got: make(chan ams.NotifyPaymentRequest, 16)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := antomsig.VerifyHeader(&gatewayKey.PublicKey, r.Header.Get("Signature"), r.Method, r.URL.RequestURI(), r.Header.Get("Client-Id"), r.Header.Get("Request-Time"), body); err != nil {
			t.Errorf("notification signature: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		m.mu.Lock()
		fail := m.fail > 0
		m.fail--
		m.mu.Unlock()
		if fail {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		var n ams.NotifyPaymentRequest
		if err := json.Unmarshal(body, &n); err != nil {
			t.Errorf("notification body: %v", err)
		}
		m.got <- n
		_, _ = io.WriteString(w, ams.AckBody)
	}))
	t.Cleanup(srv.Close)
	m.url = srv.URL + "/notify?shop=1"
	return m
}

func engines(t *testing.T, f func(t *testing.T, kind string)) {
	for _, kind := range testdb.Engines() {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			f(t, kind)
		})
	}
}

func TestPayFlow(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind)
		shop := newMerchantServer(t)
		res, body := h.call(t, h.merchant, ams.PathPay, payBody("order-1", 1250, hkUA, shop.url))
		if res.ResultStatus != "S" {
			t.Fatalf("pay: %s", body)
		}
		var pay ams.PayResponse
		_ = json.Unmarshal(body, &pay)
		if pay.RedirectActionForm == nil || !strings.HasPrefix(pay.RedirectActionForm.RedirectURL, h.url+"/sandbox/cashier/") || pay.RedirectActionForm.Method != "GET" {
			t.Fatalf("redirectActionForm = %+v", pay.RedirectActionForm)
		}
		// A resend answers the first result byte for byte.
		if _, again := h.call(t, h.merchant, ams.PathPay, payBody("order-1", 1250, hkUA, shop.url)); !bytes.Equal(again, body) {
			t.Fatalf("replay differs:\n%s\n%s", body, again)
		}
		res, _ = h.call(t, h.merchant, ams.PathPay, payBody("order-1", 1251, hkUA, shop.url))
		if res.ResultCode != "REPEAT_REQ_INCONSISTENT" || res.ResultStatus != "F" {
			t.Fatalf("changed amount: %+v", res)
		}

		// The customer confirms in the sandbox cashier; the merchant is notified.
		fin, err := h.sb.Finish(context.Background(), tokenOf(pay.RedirectActionForm.RedirectURL), sandbox.OutcomeSuccess)
		if err != nil || !fin.Notified {
			t.Fatalf("Finish = %+v, %v", fin, err)
		}
		// Without job workers running here, deliver the queued notification directly.
		deliverAll(t, h, pay.PaymentID)
		n := receive(t, shop)
		if n.PaymentID != pay.PaymentID || n.Result.ResultStatus != "S" || n.PaymentTime == "" || n.NotifyType != "PAYMENT_RESULT" {
			t.Fatalf("notification %+v", n)
		}

		_, body = h.call(t, h.merchant, ams.PathInquiryPayment, fmt.Sprintf(`{"paymentRequestId":"order-1"}`))
		var inq ams.InquiryPaymentResponse
		_ = json.Unmarshal(body, &inq)
		if inq.PaymentStatus != "SUCCESS" || inq.PspCustomerInfo == nil || inq.PspCustomerInfo.PspName != "ALIPAY_HK" || inq.ActualPaymentAmount == nil {
			t.Fatalf("inquiry: %s", body)
		}
		res, body = h.call(t, h.merchant, ams.PathRefund, fmt.Sprintf(`{"refundRequestId":"rf-1","paymentId":%q,"refundAmount":{"currency":"HKD","value":"250"}}`, pay.PaymentID))
		if res.ResultStatus != "S" {
			t.Fatalf("refund: %s", body)
		}
		var rf ams.RefundResponse
		_ = json.Unmarshal(body, &rf)
		_, body = h.call(t, h.merchant, ams.PathInquiryRefund, fmt.Sprintf(`{"refundId":%q}`, rf.RefundID))
		if !strings.Contains(string(body), `"refundStatus":"SUCCESS"`) {
			t.Fatalf("inquiryRefund: %s", body)
		}
		res, _ = h.call(t, h.merchant, ams.PathRefund, fmt.Sprintf(`{"refundRequestId":"rf-2","paymentId":%q,"refundAmount":{"currency":"HKD","value":"1001"}}`, pay.PaymentID))
		if res.ResultCode != "REFUND_AMOUNT_EXCEED" {
			t.Fatalf("over-refund: %+v", res)
		}
		res, _ = h.call(t, h.merchant, ams.PathCancel, fmt.Sprintf(`{"paymentId":%q}`, pay.PaymentID))
		if res.ResultCode != "ORDER_STATUS_INVALID" {
			t.Fatalf("cancel of a refunded payment: %+v", res)
		}
		// Another merchant sees none of it.
		res, _ = h.call(t, h.live, ams.PathInquiryPayment, fmt.Sprintf(`{"paymentId":%q}`, pay.PaymentID))
		if res.ResultCode != "ORDER_NOT_EXIST" {
			t.Fatalf("other merchant's inquiry: %+v", res)
		}
	})
}

func tokenOf(cashierURL string) string {
	return cashierURL[strings.LastIndex(cashierURL, "/")+1:]
}

func deliverAll(t *testing.T, h *harness, paymentID string) {
	t.Helper()
	p, err := h.gw.PaymentByID(context.Background(), paymentID)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := notificationIDs(h, p.ID)
	if err != nil || len(ids) == 0 {
		t.Fatalf("no notification queued for %s: %v", p.ID, err)
	}
	for _, id := range ids {
		if err := h.gw.DeliverNotification(context.Background(), id, false); err != nil {
			t.Fatal(err)
		}
	}
}

func notificationIDs(h *harness, paymentID string) ([]string, error) {
	var ids []string
	err := h.gw.Config().DB.InTx(context.Background(), func(tx entrypay.Tx) error {
		ns, err := tx.NotificationsOfPayment(context.Background(), paymentID)
		for _, n := range ns {
			ids = append(ids, n.ID)
		}
		return err
	})
	return ids, err
}

func receive(t *testing.T, m *merchantServer) ams.NotifyPaymentRequest {
	t.Helper()
	select {
	case n := <-m.got:
		return n
	case <-time.After(10 * time.Second):
		t.Fatal("no notification within 10 s")
		return ams.NotifyPaymentRequest{}
	}
}

// TestErrors sends every kind of bad request and checks the JSON answer: HTTP 200, the
// right result code, a message naming the problem, and a signature exactly when the
// request's own signature was not the problem.
func TestErrors(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind, func(c *ephttp.Config) { c.MaxBody = 4096 })
		client := h.merchant.ClientID
		now := func() string { return antomsig.FormatMillis(time.Now()) }
		good := []byte(payBody("e-1", 100, hkUA, "https://merchant.example/notify"))
		signed := func(path string, body []byte) map[string]string {
			return signedHeaders(client, path, now(), body, merchantKey, 1)
		}
		with := func(hd map[string]string, k, v string) map[string]string {
			hd[k] = v
			return hd
		}
		big := []byte(`{"productCode":"` + strings.Repeat("x", 5000) + `"}`)
		tests := []struct {
			name     string
			method   string
			path     string
			header   map[string]string
			body     []byte
			code     string
			status   string
			mention  string
			unsigned bool
		}{
			{"unknown api", "POST", "/ams/api/v1/payments/capture", signed("/ams/api/v1/payments/capture", good), good, "NO_INTERFACE_DEF", "F", "/ams/api/v1/payments/capture", false},
			{"unknown path", "POST", "/ams/api/v2/x", nil, good, "NO_INTERFACE_DEF", "F", "", false},
			{"GET", "GET", ams.PathPay, nil, nil, "METHOD_NOT_SUPPORTED", "F", "POST", false},
			{"text/plain", "POST", ams.PathPay, with(signed(ams.PathPay, good), "Content-Type", "text/plain"), good, "MEDIA_TYPE_NOT_ACCEPTABLE", "F", "Content-Type", false},
			{"charset latin1", "POST", ams.PathPay, with(signed(ams.PathPay, good), "Content-Type", "application/json; charset=ISO-8859-1"), good, "MEDIA_TYPE_NOT_ACCEPTABLE", "F", "", false},
			{"huge body", "POST", ams.PathPay, signed(ams.PathPay, big), big, "PARAM_ILLEGAL", "F", "larger than 4096", false},
			{"no Client-Id", "POST", ams.PathPay, with(signed(ams.PathPay, good), "Client-Id", ""), good, "PARAM_ILLEGAL", "F", "Client-Id", false},
			{"no Request-Time", "POST", ams.PathPay, with(signed(ams.PathPay, good), "Request-Time", ""), good, "PARAM_ILLEGAL", "F", "Request-Time", false},
			{"bad Request-Time", "POST", ams.PathPay, with(signed(ams.PathPay, good), "Request-Time", "yesterday"), good, "PARAM_ILLEGAL", "F", "Request-Time", false},
			{"stale Request-Time", "POST", ams.PathPay, signedHeaders(client, ams.PathPay, antomsig.FormatMillis(time.Now().Add(-6*time.Minute)), good, merchantKey, 1), good, "PARAM_ILLEGAL", "F", "Request-Time", false},
			{"future Request-Time", "POST", ams.PathPay, signedHeaders(client, ams.PathPay, time.Now().Add(6*time.Minute).Format(time.RFC3339), good, merchantKey, 1), good, "PARAM_ILLEGAL", "F", "Request-Time", false},
			{"no Signature", "POST", ams.PathPay, with(signed(ams.PathPay, good), "Signature", ""), good, "INVALID_SIGNATURE", "F", "Signature", true},
			{"garbled Signature", "POST", ams.PathPay, with(signed(ams.PathPay, good), "Signature", "algorithm=RSA256,keyVersion=1,signature=AAAA"), good, "INVALID_SIGNATURE", "F", "does not verify", true},
			{"signed by another key", "POST", ams.PathPay, signedHeaders(client, ams.PathPay, now(), good, strangerKey, 1), good, "INVALID_SIGNATURE", "F", "", true},
			{"signed other path", "POST", ams.PathPay, signed(ams.PathRefund, good), good, "INVALID_SIGNATURE", "F", "", true},
			{"unknown client", "POST", ams.PathPay, signedHeaders("NOBODY", ams.PathPay, now(), good, merchantKey, 1), good, "CLIENT_INVALID", "F", "NOBODY", false},
			{"unknown key version", "POST", ams.PathPay, signedHeaders(client, ams.PathPay, now(), good, merchantKey, 7), good, "KEY_NOT_FOUND", "F", "7", false},
			{"live client on sandbox path", "POST", "/ams/sandbox/api/v1/payments/pay", signedHeaders(h.live.ClientID, "/ams/sandbox/api/v1/payments/pay", now(), good, merchantKey, 1), good, "CLIENT_INVALID", "F", "SANDBOX_", false},
		}
		for _, field := range []struct{ name, body, mention string }{
			{"not JSON", `{"productCode":`, "truncated"},
			{"array", `[]`, "JSON object"},
			{"wrong type", strings.Replace(string(good), `"paymentAmount":{"currency":"HKD","value":"100"}`, `"paymentAmount":"100"`, 1), "paymentAmount"},
			{"unknown field", strings.Replace(string(good), `"productCode"`, `"colour":"red","productCode"`, 1), "colour"},
			{"no paymentRequestId", strings.Replace(string(good), `"paymentRequestId":"e-1",`, ``, 1), "paymentRequestId"},
			{"zero amount", strings.Replace(string(good), `"value":"100"`, `"value":"0"`, 1), "paymentAmount.value"},
			{"decimal amount", strings.Replace(string(good), `"value":"100"`, `"value":"1.00"`, 1), "paymentAmount.value"},
			{"unknown currency", strings.Replace(string(good), `"currency":"HKD"`, `"currency":"HKX"`, 1), "paymentAmount.currency"},
			{"wrong productCode", strings.Replace(string(good), `IN_STORE_PAYMENT`, `CASHIER_PAYMENT`, 1), "productCode"},
			{"wrong scenario", strings.Replace(string(good), `EntryCode`, `OrderCode`, 1), "inStorePaymentScenario"},
			{"wrong method type", strings.Replace(string(good), `CONNECT_WALLET`, `ALIPAY_CN`, 1), "paymentMethodType"},
			{"no user agent", strings.Replace(string(good), `"env":{"userAgent":"`+hkUA+`"}`, `"env":{}`, 1), "order.env.userAgent"},
			{"bad expiry", strings.Replace(string(good), `"paymentNotifyUrl"`, `"paymentExpiryTime":"soon","paymentNotifyUrl"`, 1), "paymentExpiryTime"},
			{"bad notify URL", strings.Replace(string(good), `https://merchant.example/notify`, `ftp://merchant.example/notify`, 1), "paymentNotifyUrl"},
		} {
			b := []byte(field.body)
			tests = append(tests, struct {
				name, method, path string
				header             map[string]string
				body               []byte
				code, status       string
				mention            string
				unsigned           bool
			}{field.name, "POST", ams.PathPay, signed(ams.PathPay, b), b, "PARAM_ILLEGAL", "F", field.mention, false})
		}
		noWallet := []byte(payBody("e-2", 100, "Mozilla/5.0 (iPhone) Safari/604.1", "https://merchant.example/notify"))
		tests = append(tests, struct {
			name, method, path string
			header             map[string]string
			body               []byte
			code, status       string
			mention            string
			unsigned           bool
		}{"plain browser", "POST", ams.PathPay, signed(ams.PathPay, noWallet), noWallet, "NO_PAY_OPTIONS", "F", "wallet", false})

		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				status, header, body := h.raw(t, tt.method, tt.path, tt.header, tt.body)
				if status != http.StatusOK {
					t.Fatalf("HTTP %d: %s", status, body)
				}
				var r ams.ResultOnly
				if err := json.Unmarshal(body, &r); err != nil {
					t.Fatalf("answer is not JSON: %s", body)
				}
				if r.Result.ResultCode != tt.code || r.Result.ResultStatus != tt.status {
					t.Fatalf("result %+v, want %s/%s", r.Result, tt.status, tt.code)
				}
				if !strings.Contains(r.Result.ResultMessage, tt.mention) {
					t.Errorf("message %q does not mention %q", r.Result.ResultMessage, tt.mention)
				}
				if got := header.Get("Signature") != ""; got == tt.unsigned {
					t.Errorf("signed = %v, want %v", got, !tt.unsigned)
				}
				if !tt.unsigned {
					if err := antomsig.VerifyHeader(&gatewayKey.PublicKey, header.Get("Signature"), "POST", tt.path, header.Get("Client-Id"), header.Get("Response-Time"), body); err != nil {
						t.Errorf("answer signature: %v", err)
					}
				}
			})
		}
	})
}

func TestRequestConventions(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind)
		// The sandbox path works for sandbox clients, and what is signed is the path as sent.
		res, body := h.call(t, h.merchant, "/ams/sandbox/api/v1/payments/pay", payBody("s-1", 100, hkUA, "https://merchant.example/n"))
		if res.ResultStatus != "S" {
			t.Fatalf("sandbox path: %s", body)
		}
		// ISO 8601 Request-Time, spaces and lower-case escapes in the Signature header.
		b := []byte(payBody("s-2", 100, hkUA, "https://merchant.example/n"))
		hd := signedHeaders(h.merchant.ClientID, ams.PathPay, time.Now().In(time.FixedZone("HKT", 8*3600)).Format("2006-01-02T15:04:05.000-07:00"), b, merchantKey, 1)
		hd["Signature"] = strings.NewReplacer(",", ", ", "%2F", "%2f", "%2B", "%2b", "%3D", "%3d").Replace(hd["Signature"])
		_, _, raw := h.raw(t, "POST", ams.PathPay, hd, b)
		if !strings.Contains(string(raw), `"resultStatus":"S"`) {
			t.Fatalf("lenient header: %s", raw)
		}
		// Native JSON numbers for scalars.
		b = []byte(strings.Replace(payBody("s-3", 100, hkUA, "https://merchant.example/n"), `"value":"100"`, `"value":100`, 1))
		_, _, raw = h.raw(t, "POST", ams.PathPay, signedHeaders(h.merchant.ClientID, ams.PathPay, antomsig.FormatMillis(time.Now()), b, merchantKey, 1), b)
		if !strings.Contains(string(raw), `"value":"100"`) {
			t.Fatalf("numeric value: %s", raw)
		}
		// A byte-identical resend inside the window is a retry, not an error.
		hd = signedHeaders(h.merchant.ClientID, ams.PathInquiryPayment, antomsig.FormatMillis(time.Now()), []byte(`{"paymentRequestId":"s-3"}`), merchantKey, 1)
		_, _, first := h.raw(t, "POST", ams.PathInquiryPayment, hd, []byte(`{"paymentRequestId":"s-3"}`))
		_, _, second := h.raw(t, "POST", ams.PathInquiryPayment, hd, []byte(`{"paymentRequestId":"s-3"}`))
		if !bytes.Equal(first, second) || !strings.Contains(string(first), `"paymentStatus":"PROCESSING"`) {
			t.Fatalf("resend:\n%s\n%s", first, second)
		}
	})
}

func TestRateLimit(t *testing.T) {
	h := newHarness(t, "sqlite", func(c *ephttp.Config) { c.RateLimit, c.RateBurst = 1, 3 })
	codes := map[string]int{}
	for i := range 6 {
		res, _ := h.call(t, h.merchant, ams.PathInquiryPayment, fmt.Sprintf(`{"paymentRequestId":"none-%d"}`, i))
		codes[res.ResultCode]++
	}
	if codes["REQUEST_TRAFFIC_EXCEED_LIMIT"] < 2 || codes["ORDER_NOT_EXIST"] < 3 {
		t.Fatalf("codes %v", codes)
	}
	// Another client has its own budget.
	if res, _ := h.call(t, h.live, ams.PathInquiryPayment, `{"paymentRequestId":"x"}`); res.ResultCode != "ORDER_NOT_EXIST" {
		t.Fatalf("other client: %+v", res)
	}
}

func TestHealth(t *testing.T) {
	h := newHarness(t, "sqlite")
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		status, _, body := h.raw(t, "GET", p, nil, nil)
		if status != 200 || len(body) == 0 {
			t.Errorf("GET %s: %d", p, status)
		}
	}
	if status, _, _ := h.raw(t, "GET", "/nothing", nil, nil); status != 404 {
		t.Errorf("unknown page: %d", status)
	}
}

// TestWalletFaults makes the sandbox wallet side misbehave and checks that the merchant
// is told to retry, that nothing is lost, and that polling finds the result.
func TestWalletFaults(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind)
		ctx := context.Background()
		for i, mode := range []string{"unknown", "http500", "garbage", "badsig"} {
			id := fmt.Sprintf("fault-%d", i)
			if err := h.sb.SetFault("pay", mode, 1, 0); err != nil {
				t.Fatal(err)
			}
			res, _ := h.call(t, h.merchant, ams.PathPay, payBody(id, 500, hkUA, "https://merchant.example/n"))
			if res.ResultStatus != "U" || res.ResultCode != "UNKNOWN_EXCEPTION" {
				t.Fatalf("%s: %+v, want U/UNKNOWN_EXCEPTION", mode, res)
			}
			p, _, err := h.gw.Payment(ctx, h.merchant, entrypay.PaymentRef{RequestID: id})
			if err != nil || p.Status != entrypay.PaymentProcessing {
				t.Fatalf("%s: payment %+v, %v", mode, p, err)
			}
			// The merchant resends the same request: the payment is completed, once.
			res, body := h.call(t, h.merchant, ams.PathPay, payBody(id, 500, hkUA, "https://merchant.example/n"))
			if res.ResultStatus != "S" || !strings.Contains(string(body), p.ID) {
				t.Fatalf("%s retry: %s", mode, body)
			}
		}
		// Paid without a notification, and the first inquiry gets garbage: the next one
		// finds the payment.
		_, body := h.call(t, h.merchant, ams.PathPay, payBody("silent", 700, hkUA, "https://merchant.example/n"))
		var pay ams.PayResponse
		_ = json.Unmarshal(body, &pay)
		if _, err := h.sb.Finish(ctx, tokenOf(pay.RedirectActionForm.RedirectURL), sandbox.OutcomeNoNotify); err != nil {
			t.Fatal(err)
		}
		if err := h.sb.SetFault("inquiryPayment", "garbage", 1, 0); err != nil {
			t.Fatal(err)
		}
		if wait, err := h.gw.WatchPayment(ctx, pay.PaymentID); err != nil || wait == 0 {
			t.Fatalf("watch with garbage: %v %v", wait, err)
		}
		if p, _ := h.gw.PaymentByID(ctx, pay.PaymentID); p.Status != entrypay.PaymentProcessing {
			t.Fatalf("status %s after an unreadable inquiry", p.Status)
		}
		if wait, err := h.gw.WatchPayment(ctx, pay.PaymentID); err != nil || wait != 0 {
			t.Fatalf("watch: %v %v", wait, err)
		}
		if p, _ := h.gw.PaymentByID(ctx, pay.PaymentID); p.Status != entrypay.PaymentSuccess {
			t.Fatalf("status %s, want SUCCESS found by inquiry", p.Status)
		}
	})
}

// BenchmarkPay measures one pay through the merchant API: the merchant signs, entrypay
// verifies, records, calls the sandbox wallet side over HTTP (which verifies and signs its
// answer), records the cashier and signs its answer, which the merchant verifies. Four
// RSA-2048 signatures per pay; compare with BenchmarkSign in internal/antomsig.
func BenchmarkPay(b *testing.B) {
	for _, kind := range testdb.Engines() {
		b.Run(kind, func(b *testing.B) {
			h := newHarness(b, kind)
			c := &antomsig.Caller{BaseURL: h.url, ClientID: h.merchant.ClientID, Signer: antomsig.Signer{Key: merchantKey, KeyVersion: 1}, PeerKey: &gatewayKey.PublicKey}
			i := 0
			for b.Loop() {
				i++
				body := []byte(payBody(fmt.Sprintf("bench-%d", i), 1000+i%100, hkUA, "https://merchant.example/n"))
				if _, err := c.Post(context.Background(), ams.PathPay, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func verifyLedger(t testing.TB, gw *entrypay.Gateway) {
	t.Helper()
	r, err := gw.VerifyLedger(context.Background())
	if err != nil {
		t.Errorf("ledger verify: %v", err)
		return
	}
	for _, p := range r.Problems {
		t.Errorf("ledger: %s", p)
	}
}
