package main

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
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/entrypay/entrypay/ams"
	"github.com/entrypay/entrypay/internal/antomsig"
)

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
	clientID = "SANDBOX_5X00000000000001"
	hkUA     = "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Mobile Safari/537.36 AliApp(APHK/2.6.0.160) AlipayClientHK/2.6.0.160 Language/zh-HK AlipayConnect"
	// refusedValue is an amount the fake entrypay refuses, with a message that needs
	// escaping.
	refusedValue = "66600"
)

// fakeEntrypay answers pay and inquiryPayment for one sandbox merchant: it checks the
// merchant's signature and signs its answers with gatewayKey.
type fakeEntrypay struct {
	t   *testing.T
	srv *httptest.Server

	mu   sync.Mutex
	pays []ams.PayRequest
}

func newFakeEntrypay(t *testing.T) *fakeEntrypay {
	f := &fakeEntrypay{t: t}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeEntrypay) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		f.t.Errorf("fake entrypay: %v", err)
		return
	}
	if err := antomsig.VerifyHeader(&merchantKey.PublicKey, r.Header.Get("Signature"), r.Method, r.URL.RequestURI(),
		r.Header.Get("Client-Id"), r.Header.Get("Request-Time"), body); err != nil || r.Header.Get("Client-Id") != clientID {
		f.t.Errorf("fake entrypay: request not signed by the merchant: %v", err)
		return
	}
	var answer any
	switch r.URL.Path {
	case ams.SandboxPrefix + "/v1/payments/pay":
		var req ams.PayRequest
		if err := json.Unmarshal(body, &req); err != nil {
			f.t.Errorf("fake entrypay: pay body: %v", err)
			return
		}
		f.mu.Lock()
		f.pays = append(f.pays, req)
		f.mu.Unlock()
		if req.PaymentAmount.Value == refusedValue {
			answer = ams.ResultOnly{Result: ams.Result{ResultCode: "PAYMENT_AMOUNT_EXCEED_LIMIT", ResultStatus: "F", ResultMessage: "<b>over</b> the wallet's limit"}}
			break
		}
		answer = ams.PayResponse{
			Result: ams.Success, PaymentRequestID: string(req.PaymentRequestID), PaymentID: "pay_" + string(req.PaymentRequestID),
			PaymentAmount:      req.PaymentAmount,
			RedirectActionForm: &ams.RedirectActionForm{Method: "GET", RedirectURL: cashierURL(string(req.PaymentRequestID))},
		}
	case ams.SandboxPrefix + "/v1/payments/inquiryPayment":
		var req ams.PaymentQueryRequest
		if err := json.Unmarshal(body, &req); err != nil {
			f.t.Errorf("fake entrypay: inquiry body: %v", err)
			return
		}
		answer = ams.InquiryPaymentResponse{Result: ams.Success, PaymentStatus: "SUCCESS", PaymentResultCode: "SUCCESS",
			PaymentID: string(req.PaymentID), PaymentRequestID: string(req.PaymentRequestID),
			PspCustomerInfo: &ams.PspCustomerInfo{PspName: "ALIPAY_HK"}}
	default:
		answer = ams.ResultOnly{Result: ams.Result{ResultCode: "NO_INTERFACE_DEF", ResultStatus: "F"}}
	}
	out, _ := json.Marshal(answer)
	antomsig.WriteSigned(w, r, clientID, &antomsig.Signer{Key: gatewayKey, KeyVersion: 1}, time.Now(), out)
}

func (f *fakeEntrypay) Pays() []ams.PayRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]ams.PayRequest(nil), f.pays...)
}

func cashierURL(requestID string) string {
	return "https://cashier.example/c/" + url.PathEscape(requestID)
}

// lines is stdout for run: it hands over the first line.
type lines struct {
	once  sync.Once
	first chan string
	mu    sync.Mutex
	buf   bytes.Buffer
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	if line, _, ok := bytes.Cut(l.buf.Bytes(), []byte("\n")); ok {
		l.once.Do(func() { l.first <- string(line) })
	}
	return len(p), nil
}

// startShop runs the program against f on 127.0.0.1:0 and returns its base URL. The
// program stops when the test ends.
func startShop(t *testing.T, f *fakeEntrypay) string {
	t.Helper()
	dir := t.TempDir()
	keyFile, gwFile := filepath.Join(dir, "merchant.pem"), filepath.Join(dir, "entrypay.pem")
	if err := os.WriteFile(keyFile, antomsig.PrivateKeyPEM(merchantKey), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(gwFile, antomsig.PublicKeyPEM(&gatewayKey.PublicKey), 0o600); err != nil {
		t.Fatal(err)
	}
	out := &lines{first: make(chan string, 1)}
	done := make(chan error, 1)
	runCtx, cancel := context.WithCancel(context.Background())
	args := []string{"merchant", "--entrypay", f.srv.URL, "--client-id", clientID, "--key", keyFile,
		"--gateway-key", gwFile, "--addr", "127.0.0.1:0"}
	go func() { done <- run(runCtx, args, func(string) string { return "" }, out, io.Discard) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	var first string
	select {
	case first = <-out.first:
	case err := <-done:
		t.Fatalf("run ended early: %v", err)
	}
	m := regexp.MustCompile(`listening on (http://\S+)`).FindStringSubmatch(first)
	if m == nil {
		t.Fatalf("first line %q does not say where it listens", first)
	}
	return m[1]
}

// browser does not follow redirects, so that tests see them, and keeps no connections.
var browser = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Transport:     &http.Transport{DisableKeepAlives: true},
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := browser.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func pay(t *testing.T, base, amount, ua string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, base+"/pay", strings.NewReader(url.Values{"amount": {amount}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", ua)
	resp, err := browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// notify sends a notifyPayment to the shop as entrypay does, signed with key.
func notify(t *testing.T, base string, key *rsa.PrivateKey, n ams.NotifyPaymentRequest) antomsig.Answer {
	t.Helper()
	body, err := json.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	caller := &antomsig.Caller{
		HTTP:        browser,
		BaseURL:     base,
		ClientID:    clientID,
		Signer:      antomsig.Signer{Key: key, KeyVersion: 1},
		RequestTime: func(t time.Time) string { return t.Format(antomsig.NotifyTimeLayout) },
	}
	ans, _ := caller.Post(t.Context(), "/notify", body)
	return ans
}

func TestShop(t *testing.T) {
	f := newFakeEntrypay(t)
	base := startShop(t, f)

	status, page := get(t, base+"/")
	if status != http.StatusOK || !strings.Contains(page, `<form method="post" action="/pay">`) || !strings.Contains(page, "Amount (HKD)") {
		t.Fatalf("GET / = %d\n%s", status, page)
	}

	resp := pay(t, base, "12.50", hkUA)
	pays := f.Pays()
	if len(pays) != 1 {
		t.Fatalf("%d pay calls, want 1", len(pays))
	}
	req := pays[0]
	id := string(req.PaymentRequestID)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != cashierURL(id) {
		t.Errorf("POST /pay = %d Location %q, want 303 to %s", resp.StatusCode, resp.Header.Get("Location"), cashierURL(id))
	}
	if got := *req.PaymentAmount; got != (ams.Amount{Currency: "HKD", Value: "1250"}) {
		t.Errorf("paymentAmount %+v, want HKD 1250", got)
	}
	if got := string(req.Order.Env.UserAgent); got != hkUA {
		t.Errorf("order.env.userAgent %q, want the customer's %q", got, hkUA)
	}
	if got, want := string(req.PaymentNotifyURL), base+"/notify"; got != want {
		t.Errorf("paymentNotifyUrl %q, want %q", got, want)
	}
	if got, want := string(req.PaymentRedirectURL), base+"/orders/"+id; got != want {
		t.Errorf("paymentRedirectUrl %q, want %q", got, want)
	}
	if _, page := get(t, base+"/orders/"+id); !strings.Contains(page, `id="state">AWAITING_PAYMENT<`) {
		t.Errorf("order page after pay does not show AWAITING_PAYMENT:\n%s", page)
	}

	paid := ams.NotifyPaymentRequest{
		NotifyType: ams.NotifyTypePaymentResult, Result: ams.Success,
		PaymentRequestID: id, PaymentID: "pay_" + id, PaymentAmount: &ams.Amount{Currency: "HKD", Value: "1250"},
		PaymentTime: "2026-03-14T02:00:05Z", PspCustomerInfo: &ams.PspCustomerInfo{PspName: "ALIPAY_HK"},
	}

	// A forged notification is refused and changes nothing.
	if ans := notify(t, base, strangerKey, paid); ans.Status != http.StatusUnauthorized {
		t.Errorf("forged notification answered %d %s, want 401", ans.Status, ans.Body)
	}
	if _, page := get(t, base+"/orders/"+id); !strings.Contains(page, `id="state">AWAITING_PAYMENT<`) {
		t.Errorf("a forged notification changed the order:\n%s", page)
	}

	// entrypay's notification is acknowledged and marks the order paid, and so does its
	// resend.
	for range 2 {
		if ans := notify(t, base, gatewayKey, paid); ans.Status != http.StatusOK || string(ans.Body) != ams.AckBody {
			t.Errorf("notification answered %d %s, want 200 %s", ans.Status, ans.Body, ams.AckBody)
		}
	}
	if _, page := get(t, base+"/orders/"+id); !strings.Contains(page, `id="state">PAID<`) || !strings.Contains(page, "ALIPAY_HK") {
		t.Errorf("order page after the notification does not show PAID:\n%s", page)
	}
	if _, page := get(t, base+"/"); !strings.Contains(page, id) || !strings.Contains(page, "12.50 HKD") {
		t.Errorf("amount page does not list the order:\n%s", page)
	}
}

func TestShopRefusedPayment(t *testing.T) {
	f := newFakeEntrypay(t)
	base := startShop(t, f)
	resp := pay(t, base, "666", hkUA)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("POST /pay = %d, want 422", resp.StatusCode)
	}
	if want := "PAYMENT_AMOUNT_EXCEED_LIMIT: &lt;b&gt;over&lt;/b&gt; the wallet&#39;s limit"; !bytes.Contains(body, []byte(want)) {
		t.Errorf("page does not show the escaped message %q:\n%s", want, body)
	}
	if bytes.Contains(body, []byte("<b>over")) {
		t.Errorf("page shows entrypay's message unescaped")
	}
	if _, page := get(t, base+"/"); !strings.Contains(page, "REFUSED") {
		t.Errorf("amount page does not list the refused order:\n%s", page)
	}
}

func TestShopInquiry(t *testing.T) {
	f := newFakeEntrypay(t)
	base := startShop(t, f)
	pay(t, base, "3", hkUA)
	id := string(f.Pays()[0].PaymentRequestID)
	resp, err := browser.Post(base+"/orders/"+id+"/inquiry", "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/orders/"+id {
		t.Errorf("inquiry = %d Location %q, want 303 to the order", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, page := get(t, base+"/orders/"+id); !strings.Contains(page, `id="state">PAID<`) || !strings.Contains(page, "entrypay says SUCCESS") {
		t.Errorf("order page after the inquiry does not show PAID:\n%s", page)
	}
	if status, _ := get(t, base+"/orders/nope"); status != http.StatusNotFound {
		t.Errorf("unknown order = %d, want 404", status)
	}
}

func TestShopRefusesBadAmounts(t *testing.T) {
	f := newFakeEntrypay(t)
	base := startShop(t, f)
	for _, amount := range []string{"", "0", "-1", "1.234", "abc", "1e3"} {
		if resp := pay(t, base, amount, hkUA); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("amount %q: POST /pay = %d, want 422", amount, resp.StatusCode)
		}
	}
	if n := len(f.Pays()); n != 0 {
		t.Errorf("%d pay calls for bad amounts, want 0", n)
	}
}

func TestMinorUnits(t *testing.T) {
	for _, tc := range []struct {
		in     string
		digits int
		want   int64
		ok     bool
	}{
		{"12.50", 2, 1250, true},
		{"12.5", 2, 1250, true},
		{"12", 2, 1200, true},
		{" 0.01 ", 2, 1, true},
		{"007", 2, 700, true},
		{"1500", 0, 1500, true},
		{"1.234", 3, 1234, true},
		{"1.5", 0, 0, false},
		{"1.234", 2, 0, false},
		{"0", 2, 0, false},
		{"0.00", 2, 0, false},
		{"", 2, 0, false},
		{".5", 2, 0, false},
		{"5.", 2, 0, false},
		{"-5", 2, 0, false},
		{"+5", 2, 0, false},
		{"1e3", 2, 0, false},
		{"1,50", 2, 0, false},
		{"99999999999999999", 2, 0, false},
	} {
		got, err := minorUnits(tc.in, tc.digits)
		if tc.ok && (err != nil || got != tc.want) {
			t.Errorf("minorUnits(%q, %d) = %d, %v; want %d", tc.in, tc.digits, got, err, tc.want)
		}
		if !tc.ok && err == nil {
			t.Errorf("minorUnits(%q, %d) = %d, want an error", tc.in, tc.digits, got)
		}
	}
}

func TestRunNeedsItsFlags(t *testing.T) {
	for _, args := range [][]string{
		{"merchant"},
		{"merchant", "--client-id", clientID},
		{"merchant", "--client-id", clientID, "--key", "k.pem"},
		{"merchant", "--client-id", clientID, "--key", "k.pem", "--gateway-key", "g.pem", "--currency", "XYZ"},
		{"merchant", "--client-id", clientID, "--key", "/nonexistent/k.pem", "--gateway-key", "g.pem"},
	} {
		if err := run(t.Context(), args, func(string) string { return "" }, io.Discard, io.Discard); err == nil {
			t.Errorf("run %q: no error", args)
		}
	}
}
