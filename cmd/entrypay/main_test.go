package main

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/ams"
	"github.com/entrypay/entrypay/internal/antomsig"
	"github.com/entrypay/entrypay/internal/testdb"
)

// These tests run the program as it runs in production: run() with real flags, a real
// database, the in-process sandbox over real HTTP, River workers, and a merchant server
// that checks every notification's signature with the gateway's public key.

func noEnv(string) string { return "" }

// lines collects a command's output and lets a test wait for a line.
type lines struct {
	mu   sync.Mutex
	all  []string
	cond chan struct{}
}

func newLines() *lines { return &lines{cond: make(chan struct{}, 1)} }

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	for line := range strings.SplitSeq(strings.TrimRight(string(p), "\n"), "\n") {
		l.all = append(l.all, line)
	}
	l.mu.Unlock()
	select {
	case l.cond <- struct{}{}:
	default:
	}
	return len(p), nil
}

// wait returns the first submatch of re in the output, waiting up to d.
func (l *lines) wait(t *testing.T, re *regexp.Regexp, d time.Duration) []string {
	t.Helper()
	deadline := time.After(d)
	for {
		l.mu.Lock()
		for _, line := range l.all {
			if m := re.FindStringSubmatch(line); m != nil {
				l.mu.Unlock()
				return m
			}
		}
		text := strings.Join(l.all, "\n")
		l.mu.Unlock()
		select {
		case <-l.cond:
		case <-deadline:
			t.Fatalf("no line matching %s within %s; output:\n%s", re, d, text)
		}
	}
}

// runCmd runs one command to completion and returns its stdout.
func runCmd(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), append([]string{"entrypay"}, args...), noEnv, strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("entrypay %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String()
}

// server is a running `entrypay serve`.
type server struct {
	url  string
	stop func()
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

func startServe(t *testing.T, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := newLines()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"entrypay", "serve"}, args...), noEnv, strings.NewReader(""), out, io.Discard)
	}()
	m := out.wait(t, listening, 30*time.Second)
	var once sync.Once
	s := &server{url: m[1], stop: func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve stopped with %v", err)
			}
		})
	}}
	t.Cleanup(s.stop)
	return s
}

// shop is a merchant's server: it verifies notifications with the gateway key.
type shop struct {
	url      string
	notes    chan ams.NotifyPaymentRequest
	accept   atomic.Bool
	attempts atomic.Int32
}

func newShop(t *testing.T, gatewayKey *rsa.PublicKey) *shop {
	s := &shop{notes: make(chan ams.NotifyPaymentRequest, 32)}
	s.accept.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.attempts.Add(1)
		body, _ := io.ReadAll(r.Body)
		if err := antomsig.VerifyHeader(gatewayKey, r.Header.Get("Signature"), r.Method, r.URL.RequestURI(), r.Header.Get("Client-Id"), r.Header.Get("Request-Time"), body); err != nil {
			t.Errorf("notification signature does not verify with the gateway key: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if !s.accept.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		var n ams.NotifyPaymentRequest
		if err := json.Unmarshal(body, &n); err != nil {
			t.Errorf("notification: %v", err)
		}
		s.notes <- n
		_, _ = io.WriteString(w, ams.AckBody)
	}))
	t.Cleanup(srv.Close)
	s.url = srv.URL + "/antom/notify"
	return s
}

func (s *shop) next(t *testing.T) ams.NotifyPaymentRequest {
	t.Helper()
	select {
	case n := <-s.notes:
		return n
	case <-time.After(20 * time.Second):
		t.Fatal("the merchant got no notification within 20 s")
		return ams.NotifyPaymentRequest{}
	}
}

// merchant is a merchant created by `entrypay merchant create`, with its key.
type merchant struct {
	ClientID         string `json:"clientId"`
	MerchantID       string `json:"merchantId"`
	GatewayPublicKey string `json:"gatewayPublicKey"`
	key              *rsa.PrivateKey
	gatewayKey       *rsa.PublicKey
}

// createMerchant creates a sandbox merchant with the command (flags added, e.g.
// --partner) and returns it with its generated key.
func createMerchant(t *testing.T, dsn string, flags ...string) *merchant {
	t.Helper()
	keyFile := filepath.Join(t.TempDir(), "merchant.pem")
	out := runCmd(t, append([]string{"merchant", "create", "--db", dsn, "--name", "Noodle Bar", "--mcc", "5812", "--region", "HK",
		"--settlement-currency", "HKD", "--sandbox", "--generate-key", keyFile, "--json"}, flags...)...)
	var m merchant
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("merchant create printed %q: %v", out, err)
	}
	data, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if m.key, err = antomsig.ParsePrivateKey(data); err != nil {
		t.Fatal(err)
	}
	if m.gatewayKey, err = antomsig.ParsePublicKey([]byte(m.GatewayPublicKey)); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(m.ClientID, "SANDBOX_") {
		t.Fatalf("client id %q", m.ClientID)
	}
	return &m
}

func (m *merchant) call(t *testing.T, base, path string, body any) []byte {
	t.Helper()
	data, _ := json.Marshal(body)
	c := &antomsig.Caller{BaseURL: base, ClientID: m.ClientID, Signer: antomsig.Signer{Key: m.key, KeyVersion: 1}, PeerKey: m.gatewayKey}
	ans, err := c.Post(context.Background(), path, data)
	if err != nil {
		t.Fatalf("%s: %v %s", path, err, ans.Body)
	}
	return ans.Body
}

const gcashUA = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Mobile GCash/5.80.0 AlipayConnect iapconnectsdk/2.37.0"

func payRequest(id string, value int, notifyURL string) map[string]any {
	return map[string]any{
		"productCode":      "IN_STORE_PAYMENT",
		"paymentRequestId": id,
		"paymentAmount":    map[string]string{"currency": "HKD", "value": fmt.Sprint(value)},
		"paymentMethod":    map[string]string{"paymentMethodType": "CONNECT_WALLET"},
		"paymentFactor":    map[string]string{"inStorePaymentScenario": "EntryCode"},
		"paymentNotifyUrl": notifyURL,
		"order": map[string]any{
			"orderDescription": "2 bowls of noodles",
			"merchant":         map[string]any{"merchantName": "Noodle Bar", "store": map[string]string{"referenceStoreId": "S1", "storeName": "Central", "storeMCC": "5812"}},
			"env":              map[string]string{"userAgent": gcashUA},
		},
	}
}

// pay creates a payment and returns its id and cashier URL.
func (m *merchant) pay(t *testing.T, base, id string, value int, notifyURL string) (string, string) {
	t.Helper()
	var resp ams.PayResponse
	body := m.call(t, base, ams.SandboxPrefix+"/v1/payments/pay", payRequest(id, value, notifyURL))
	if err := json.Unmarshal(body, &resp); err != nil || resp.Result.ResultStatus != "S" || resp.RedirectActionForm == nil {
		t.Fatalf("pay: %s", body)
	}
	return resp.PaymentID, resp.RedirectActionForm.RedirectURL
}

// confirm plays the customer in the sandbox cashier.
func confirm(t *testing.T, base, cashierURL, outcome string) map[string]any {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"paymentUrl": cashierURL, "outcome": outcome})
	resp, err := http.Post(base+"/sandbox/api/v1/confirm", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("confirm %s: HTTP %d %v", outcome, resp.StatusCode, out)
	}
	return out
}

func fastServeArgs(dsn string) []string {
	return []string{"--addr", "127.0.0.1:0", "--db", dsn, "--notify-allow-private", "--job-poll", "50ms",
		"--watch-first", "300ms", "--watch-max", "500ms", "--notify-schedule", "0s,300ms,300ms,300ms,300ms,300ms,300ms,300ms", "--log-level", "warn"}
}

func TestEndToEnd(t *testing.T) {
	for _, kind := range testdb.Engines() {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			dsn := testdb.DSN(t, kind)
			m := createMerchant(t, dsn)
			if got := strings.TrimSpace(runCmd(t, "keys", "gateway-public", "--db", dsn)); got != m.GatewayPublicKey {
				t.Fatalf("keys gateway-public = %q, merchant create said %q", got, m.GatewayPublicKey)
			}
			storeOut := runCmd(t, "store", "create", "--db", dsn, "--merchant", m.MerchantID, "--name", "Central", "--json")
			if !strings.Contains(storeOut, `"storeId": "sto_`) {
				t.Fatalf("store create printed %s", storeOut)
			}
			s := startServe(t, fastServeArgs(dsn)...)
			sh := newShop(t, m.gatewayKey)

			// The customer pays: the wallet side notifies entrypay, entrypay the merchant.
			id, cashier := m.pay(t, s.url, "order-1", 1250, sh.url)
			if got := confirm(t, s.url, cashier, "SUCCESS"); got["paymentStatus"] != "SUCCESS" || got["notified"] != true {
				t.Fatalf("confirm = %v", got)
			}
			n := sh.next(t)
			if n.PaymentID != id || n.Result.ResultStatus != "S" || n.PaymentRequestID != "order-1" || n.PspCustomerInfo == nil || n.PspCustomerInfo.PspName != "GCASH" {
				t.Fatalf("notification %+v", n)
			}
			if n.ActualPaymentAmount == nil || n.ActualPaymentAmount.Currency != "PHP" || n.PaymentQuote == nil || n.PaymentQuote.QuotePrice == "" {
				t.Fatalf("no charge in the wallet's currency: %+v", n)
			}

			// Paid in the wallet, but the wallet side never says so: entrypay asks and finds out.
			id2, cashier2 := m.pay(t, s.url, "order-2", 800, sh.url)
			if got := confirm(t, s.url, cashier2, "NO_NOTIFY"); got["notified"] == true {
				t.Fatalf("NO_NOTIFY notified: %v", got)
			}
			if n := sh.next(t); n.PaymentID != id2 || n.Result.ResultStatus != "S" {
				t.Fatalf("polled payment notification %+v", n)
			}

			// A failure is notified with its code.
			_, cashier3 := m.pay(t, s.url, "order-3", 900, sh.url)
			confirm(t, s.url, cashier3, "USER_BALANCE_NOT_ENOUGH")
			if n := sh.next(t); n.Result.ResultStatus != "F" || n.Result.ResultCode != "USER_BALANCE_NOT_ENOUGH" {
				t.Fatalf("failure notification %+v", n)
			}

			// Refund and inquiries through the API.
			var rf ams.RefundResponse
			_ = json.Unmarshal(m.call(t, s.url, ams.SandboxPrefix+"/v1/payments/refund", map[string]any{
				"refundRequestId": "rf-1", "paymentId": id, "refundAmount": map[string]string{"currency": "HKD", "value": "250"},
			}), &rf)
			if rf.Result.ResultStatus != "S" || rf.RefundID == "" {
				t.Fatalf("refund %+v", rf)
			}
			var inq ams.InquiryPaymentResponse
			_ = json.Unmarshal(m.call(t, s.url, ams.SandboxPrefix+"/v1/payments/inquiryPayment", map[string]string{"paymentId": id}), &inq)
			if inq.PaymentStatus != "SUCCESS" || len(inq.Transactions) != 1 || inq.Transactions[0].TransactionStatus != "SUCCESS" {
				t.Fatalf("inquiry %+v", inq)
			}

			// What happened shows in /metrics: payments by status and wallet, notification
			// attempts, API latency per API, store transactions, the job queue.
			waitMetrics(t, s.url, []*regexp.Regexp{
				regexp.MustCompile(`(?m)^entrypay_payments_ended_total\{status="SUCCESS",wallet="[A-Z_]+"\} 2$`),
				regexp.MustCompile(`(?m)^entrypay_payments_ended_total\{status="FAIL",wallet="[A-Z_]+"\} 1$`),
				regexp.MustCompile(`(?m)^entrypay_notification_attempts_total\{result="acknowledged"\} 3$`),
				regexp.MustCompile(`(?m)^entrypay_api_duration_seconds_count\{api="payments/pay"\} 3$`),
				regexp.MustCompile(`(?m)^entrypay_store_transaction_seconds_count\{kind="write",outcome="ok"\} [1-9]`),
				regexp.MustCompile(`(?m)^entrypay_jobs\{state="[a-z]+"\} [0-9]+$`),
			})
			// The sample Grafana dashboard asks only for metrics the server has.
			grafana, err := os.ReadFile("../../docs/grafana/entrypay.json")
			if err != nil {
				t.Fatal(err)
			}
			var names []*regexp.Regexp
			for _, n := range regexp.MustCompile(`(?:entrypay|process|go)_[a-z_]+`).FindAllString(string(grafana), -1) {
				n = strings.TrimSuffix(strings.TrimSuffix(n, "_bucket"), "_count")
				names = append(names, regexp.MustCompile(`(?m)^`+n+`(_bucket|_count)?[{ ]`))
			}
			waitMetrics(t, s.url, names)
		})
	}
}

// waitMetrics scrapes base's /metrics until every pattern matches (counts are written
// after commits, a moment after the merchant has been told), or fails after 20 s.
func waitMetrics(t *testing.T, base string, want []*regexp.Regexp) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var missing []string
		for _, re := range want {
			if !re.Match(body) {
				missing = append(missing, re.String())
			}
		}
		if len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics lacks %q:\n%s", missing, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestRestartKeepsNotifications stops the server while a merchant's endpoint is down and
// checks that the pending notification is delivered by the next process.
func TestRestartKeepsNotifications(t *testing.T) {
	for _, kind := range testdb.Engines() {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			dsn := testdb.DSN(t, kind)
			m := createMerchant(t, dsn)
			sh := newShop(t, m.gatewayKey)
			sh.accept.Store(false)
			s := startServe(t, fastServeArgs(dsn)...)
			id, cashier := m.pay(t, s.url, "order-r", 1000, sh.url)
			confirm(t, s.url, cashier, "SUCCESS")
			deadline := time.Now().Add(20 * time.Second)
			for sh.attempts.Load() < 2 && time.Now().Before(deadline) {
				select {
				case <-time.After(20 * time.Millisecond):
				}
			}
			if sh.attempts.Load() < 2 {
				t.Fatal("no retries while the merchant was down")
			}
			s.stop()
			sh.accept.Store(true)
			s2 := startServe(t, fastServeArgs(dsn)...)
			if n := sh.next(t); n.PaymentID != id || n.Result.ResultStatus != "S" {
				t.Fatalf("notification after restart %+v", n)
			}
			var inq ams.InquiryPaymentResponse
			_ = json.Unmarshal(m.call(t, s2.url, ams.SandboxPrefix+"/v1/payments/inquiryPayment", map[string]string{"paymentRequestId": "order-r"}), &inq)
			if inq.PaymentStatus != "SUCCESS" {
				t.Fatalf("after restart: %+v", inq)
			}
		})
	}
}

// TestDemo follows the demo's own instructions: run the printed pay script (curl and
// openssl), confirm in the sandbox cashier, and see the merchant's verified notification.
func TestDemo(t *testing.T) {
	for _, tool := range []string{"sh", "curl", "openssl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	out := newLines()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"entrypay", "demo", "--data-dir", dir, "--addr", "127.0.0.1:0"}, noEnv, strings.NewReader(""), out, io.Discard)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("demo: %v", err)
		}
	}()
	base := out.wait(t, regexp.MustCompile(`Gateway and sandbox wallets\s+(http://\S+)`), 30*time.Second)[1]
	script := out.wait(t, regexp.MustCompile(`sh (\S+/pay\.sh) 1250`), 5*time.Second)[1]
	cmd := exec.Command("sh", script, "1250")
	answer, err := cmd.Output()
	if err != nil {
		t.Fatalf("pay.sh: %v\n%s", err, answer)
	}
	var pay ams.PayResponse
	if err := json.Unmarshal(bytes.TrimSpace(answer), &pay); err != nil || pay.Result.ResultStatus != "S" || pay.RedirectActionForm == nil {
		t.Fatalf("pay.sh answered %s", answer)
	}
	// The cashier page a person would open renders.
	resp, err := http.Get(pay.RedirectActionForm.RedirectURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(page, []byte("Confirm")) {
		t.Fatalf("cashier page: HTTP %d", resp.StatusCode)
	}
	confirm(t, base, pay.RedirectActionForm.RedirectURL, "SUCCESS")
	out.wait(t, regexp.MustCompile(`\[demo merchant\] notifyPayment received, signature verified: payment `+pay.PaymentID+` .* S SUCCESS`), 20*time.Second)

	inquiry := out.wait(t, regexp.MustCompile(`sh (\S+/api\.sh) inquiryPayment`), time.Second)[1]
	answer, err = exec.Command("sh", inquiry, "inquiryPayment", fmt.Sprintf(`{"paymentId":%q}`, pay.PaymentID)).Output()
	if err != nil || !bytes.Contains(answer, []byte(`"paymentStatus":"SUCCESS"`)) {
		t.Fatalf("api.sh inquiryPayment: %v %s", err, answer)
	}

	// The printed one-time links sign in the demo merchant's owner and the operator.
	out.wait(t, regexp.MustCompile(`Sign in as operator@demo\.entrypay\.example`), time.Second)
	linkRE := regexp.MustCompile(`^\s+(http://\S+/dashboard/link/\S+)$`)
	var links []string
	out.mu.Lock()
	for _, line := range out.all {
		if m := linkRE.FindStringSubmatch(line); m != nil {
			links = append(links, m[1])
		}
	}
	out.mu.Unlock()
	if len(links) != 2 {
		t.Fatalf("one-time links printed: %q, want the owner's and the operator's", links)
	}
	ownerLink, opLink := links[0], links[1]
	for _, tc := range []struct{ link, home, want string }{
		{ownerLink, "/dashboard/", "<h1>Demo"},
		{opLink, "/dashboard/operator/", "<h1>Operator console</h1>"},
	} {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar}
		resp, err := c.Get(tc.link)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
		if resp.StatusCode != 200 || csrf == nil {
			t.Fatalf("%s: HTTP %d %s", tc.link, resp.StatusCode, page)
		}
		const pw = "a demo password, long enough"
		resp, err = c.PostForm(tc.link, url.Values{"csrf": {string(csrf[1])}, "password": {pw}, "confirm": {pw}})
		if err != nil {
			t.Fatal(err)
		}
		page, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Request.URL.Path != tc.home || !bytes.Contains(page, []byte(tc.want)) {
			t.Errorf("after setting the password from %s: HTTP %d at %s:\n%s", tc.link, resp.StatusCode, resp.Request.URL.Path, page)
		}
	}
}

func TestUsage(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"entrypay", "help"}, noEnv, nil, &out, io.Discard); err != nil || !strings.Contains(out.String(), "demo") {
		t.Fatalf("help: %v %s", err, out.String())
	}
	for _, args := range [][]string{{}, {"nope"}, {"merchant"}, {"merchant", "create"}, {"store"}, {"keys"}, {"serve", "--db", "mysql://x"}, {"merchant", "create", "--name", "x", "--public-key", "/nonexistent"}} {
		if err := run(context.Background(), append([]string{"entrypay"}, args...), noEnv, nil, io.Discard, io.Discard); err == nil {
			t.Errorf("entrypay %v succeeded", args)
		}
	}

}

func TestCodeCommands(t *testing.T) {
	dsn := testdb.DSN(t, "sqlite")
	m := createMerchant(t, dsn)
	var st struct {
		StoreID  string `json:"storeId"`
		Currency string `json:"currency"`
	}
	if err := json.Unmarshal([]byte(runCmd(t, "store", "create", "--db", dsn, "--merchant", m.MerchantID, "--name", "Central", "--currency", "HKD", "--json")), &st); err != nil || st.Currency != "HKD" {
		t.Fatalf("store create: %+v %v", st, err)
	}
	type code struct {
		CodeValue  string `json:"codeValue"`
		URL        string `json:"url"`
		Status     string `json:"status"`
		QRVersion  int    `json:"qrVersion"`
		ReplacedBy string `json:"replacedBy"`
		Amount     *struct{ Currency, Value string }
	}
	var c code
	if err := json.Unmarshal([]byte(runCmd(t, "code", "create", "--db", dsn, "--store", st.StoreID, "--amount", "45", "--label", "Table 4", "--public-url", "https://pay.example.com", "--json")), &c); err != nil {
		t.Fatal(err)
	}
	if c.URL != "HTTPS://PAY.EXAMPLE.COM/C/"+c.CodeValue || c.QRVersion > 4 || c.Amount == nil || c.Amount.Value != "4500" {
		t.Fatalf("code create: %+v", c)
	}
	var list []code
	if err := json.Unmarshal([]byte(runCmd(t, "code", "list", "--db", dsn, "--store", st.StoreID, "--json")), &list); err != nil || len(list) != 1 {
		t.Fatalf("code list: %+v %v", list, err)
	}
	dir := t.TempDir()
	png := filepath.Join(dir, "code.png")
	runCmd(t, "code", "image", "--db", dsn, "--code", strings.ToLower(c.CodeValue), "--format", "png", "--size", "300", "--out", png, "--public-url", "https://pay.example.com")
	data, err := os.ReadFile(png)
	if err != nil {
		t.Fatal(err)
	}
	if got := decodePNG(t, data); got != c.URL {
		t.Fatalf("PNG says %q, want %q", got, c.URL)
	}
	emv := filepath.Join(dir, "emv.png")
	runCmd(t, "code", "image", "--db", dsn, "--code", c.CodeValue, "--format", "png", "--payload", "emv", "--out", emv, "--public-url", "https://pay.example.com")
	data, _ = os.ReadFile(emv)
	if got := decodePNG(t, data); !strings.HasPrefix(got, "000201010211") || !strings.Contains(got, c.URL) {
		t.Fatalf("EMV payload %q", got)
	}
	for _, format := range []string{"svg", "poster"} {
		out := filepath.Join(dir, "code."+format+".svg")
		runCmd(t, "code", "image", "--db", dsn, "--code", c.CodeValue, "--format", format, "--out", out)
		if data, err := os.ReadFile(out); err != nil || !bytes.Contains(data, []byte("<svg")) {
			t.Fatalf("%s: %v", format, err)
		}
	}
	var d code
	_ = json.Unmarshal([]byte(runCmd(t, "code", "disable", "--db", dsn, "--code", c.CodeValue, "--json")), &d)
	if d.Status != "DISABLED" {
		t.Fatalf("disable: %+v", d)
	}
	var r code
	_ = json.Unmarshal([]byte(runCmd(t, "code", "replace", "--db", dsn, "--code", c.CodeValue, "--json")), &r)
	if r.Status != "ACTIVE" || r.CodeValue == c.CodeValue || r.Amount == nil {
		t.Fatalf("replace: %+v", r)
	}
	// Branding from the command line, with a logo, and a refused colour.
	runCmd(t, "merchant", "brand", "--db", dsn, "--merchant", m.MerchantID, "--display-name", "Noodle Bar", "--color", "#0a7cff", "--greeting", "en=Welcome", "--presets", "20,50", "--max-amount", "1000", "--logo", png)
	if err := run(context.Background(), []string{"entrypay", "merchant", "brand", "--db", dsn, "--merchant", m.MerchantID, "--color", "red"}, noEnv, nil, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "#rrggbb") {
		t.Fatalf("bad colour: %v", err)
	}
	if err := run(context.Background(), []string{"entrypay", "code", "create", "--db", dsn, "--store", "sto_nope"}, noEnv, nil, io.Discard, io.Discard); err == nil {
		t.Fatal("code for an unknown store")
	}
}

func decodePNG(t *testing.T, data []byte) string {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.GetText()
}

// TestMoneyCommands runs the money commands as an operator would: rates from a file and
// from the ECB's XML, pricing, a payment, reconciliation against the running sandbox's
// files, the settlement listing, reports refused for a day not over, and ledger verify.
func TestMoneyCommands(t *testing.T) {
	dsn := testdb.DSN(t, "sqlite")
	m := createMerchant(t, dsn)
	out := runCmd(t, "fx", "import", "--db", dsn, "--file", "../../internal/fx/testdata/rates.csv", "--json")
	if !strings.Contains(out, `"stored"`) {
		t.Fatalf("fx import: %s", out)
	}
	out = runCmd(t, "fx", "import", "--db", dsn, "--file", "../../internal/fx/testdata/eurofxref-daily.xml", "--format", "ecb")
	if !strings.Contains(out, "EUR/USD") {
		t.Fatalf("fx import ecb: %s", out)
	}
	runCmd(t, "fx", "set", "--db", dsn, "--base", "USD", "--quote", "HKD", "--price", "7.8")
	if err := run(context.Background(), []string{"entrypay", "fx", "set", "--db", dsn, "--base", "USD", "--quote", "HKD", "--price", "-1"}, noEnv, nil, io.Discard, io.Discard); err == nil {
		t.Fatal("a negative rate was stored")
	}
	out = runCmd(t, "merchant", "pricing", "--db", dsn, "--merchant", m.MerchantID, "--rate-bps", "250", "--fixed-fee", "0.30", "--refund-fee", "returned", "--json")
	if !strings.Contains(out, `"discountRateBps": 250`) {
		t.Fatalf("pricing: %s", out)
	}
	s := startServe(t, fastServeArgs(dsn)...)
	sh := newShop(t, m.gatewayKey)
	id, cashier := m.pay(t, s.url, "order-m", 1000, sh.url)
	confirm(t, s.url, cashier, "SUCCESS")
	sh.next(t)

	// The wallet side's files of today, fetched from the running sandbox, match the books.
	today := entrypay.DefaultClearing.Date(time.Now())
	report := filepath.Join(t.TempDir(), "discrepancies.csv")
	// Bad files first: a truncated one, and one for another participant. Each is refused
	// by name, and neither leaves a trace (the good import below still works).
	files, err := walletFiles(context.Background(), "", s.url+"/sandbox/settlements/"+sandboxAcquirerID, today)
	if err != nil || len(files) != 2 {
		t.Fatalf("wallet files: %d, %v", len(files), err)
	}
	for _, tt := range []struct {
		name, want string
		bad        func(name string, data []byte) (string, []byte)
	}{
		{"truncated", "truncated", func(name string, data []byte) (string, []byte) {
			if strings.HasPrefix(name, "transactionItems_") {
				data = bytes.TrimSuffix(bytes.TrimSpace(data), []byte("<END>"))
			}
			return name, data
		}},
		{"wrong participant", "is for participant SANDBOX_OTHER, not " + sandboxAcquirerID, func(name string, data []byte) (string, []byte) {
			return strings.Replace(name, sandboxAcquirerID, "SANDBOX_OTHER", 1), bytes.ReplaceAll(data, []byte(sandboxAcquirerID), []byte("SANDBOX_OTHER"))
		}},
	} {
		dir := t.TempDir()
		for name, data := range files {
			name, data = tt.bad(name, data)
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		err := run(context.Background(), []string{"entrypay", "reconcile", "--db", dsn, "--date", today, "--dir", dir}, noEnv, nil, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s file: reconcile = %v, want an error saying %q", tt.name, err, tt.want)
		}
	}
	out = runCmd(t, "reconcile", "--db", dsn, "--date", today, "--url", s.url+"/sandbox/settlements/"+sandboxAcquirerID, "--report", report)
	if !strings.Contains(out, "1 matched, 0 discrepancies") {
		t.Fatalf("reconcile: %s", out)
	}
	// Importing the same files again is refused and changes nothing.
	if err := run(context.Background(), []string{"entrypay", "reconcile", "--db", dsn, "--date", today, "--url", s.url + "/sandbox/settlements/" + sandboxAcquirerID}, noEnv, nil, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "already imported") {
		t.Fatalf("second reconcile: %v", err)
	}
	if out := runCmd(t, "settle", "list", "--db", dsn, "--json"); !strings.Contains(out, `"status": "OPEN"`) {
		t.Fatalf("settle list: %s", out)
	}
	if err := run(context.Background(), []string{"entrypay", "reports", "--db", dsn, "--merchant", m.MerchantID, "--date", today, "--out", t.TempDir()}, noEnv, nil, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "REPORT_NOT_READY") {
		t.Fatalf("reports of today: %v", err)
	}
	if err := run(context.Background(), []string{"entrypay", "settle", "run", "--db", dsn, "--date", today}, noEnv, nil, io.Discard, io.Discard); err == nil {
		t.Fatal("settled a day that is not over")
	}
	if out := runCmd(t, "ledger", "verify", "--db", dsn); !strings.Contains(out, "the books balance") {
		t.Fatalf("ledger verify: %s", out)
	}
	_ = id
}
