package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/ams"
	"github.com/entrypay/entrypay/internal/antomsig"
	"github.com/entrypay/entrypay/internal/testdb"
)

// TestMain lets the test binary be the gateway process the crash test kills: run as a
// child with ENTRYPAY_CHILD=1, it is `entrypay` itself.
func TestMain(m *testing.M) {
	if os.Getenv("ENTRYPAY_CHILD") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// gatewayProcess is `entrypay serve` in a child process that can be killed with SIGKILL.
type gatewayProcess struct {
	t    *testing.T
	args []string
	cmd  *exec.Cmd
	url  string
	log  *bytes.Buffer
	mu   sync.Mutex
}

func (g *gatewayProcess) start() {
	g.t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"serve"}, g.args...)...)
	cmd.Env = append(os.Environ(), "ENTRYPAY_CHILD=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		g.t.Fatal(err)
	}
	cmd.Stderr = &lockedWriter{mu: &g.mu, w: g.log}
	if err := cmd.Start(); err != nil {
		g.t.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case ready <- m[1]:
				default:
				}
			}
		}
	}()
	select {
	case g.url = <-ready:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		g.t.Fatalf("the gateway did not start:\n%s", g.logText())
	}
	g.cmd = cmd
}

// kill kills the gateway the hard way: no shutdown, no flush, whatever it was doing.
func (g *gatewayProcess) kill() {
	_ = g.cmd.Process.Signal(syscall.SIGKILL)
	_ = g.cmd.Wait()
}

// stop asks the gateway to shut down cleanly.
func (g *gatewayProcess) stop() {
	_ = g.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = g.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		g.kill()
	}
}

func (g *gatewayProcess) logText() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.log.String()
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// freePort finds a port for the gateway, which must come back on the same address after
// each kill: the wallet side notifies it there.
func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// crashShop is the merchant's endpoint: it verifies and records every notification.
type crashShop struct {
	mu    sync.Mutex
	url   string
	notes map[string][]string // paymentId → the statuses notified, in order
}

// TestCrash takes payments and refunds under load while the gateway process is killed
// with SIGKILL at random moments and restarted, against a standalone wallet side that
// outlives it. Afterwards: every payment the merchant was told S about exists; none has
// two outcomes; every SUCCESS and FAIL reached the merchant; refunds never exceed what
// was paid; the books balance; and the wallet side's files reconcile with no discrepancy.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash test runs for half a minute per store")
	}
	for _, kind := range testdb.Engines() {
		t.Run(kind, func(t *testing.T) { crashTest(t, kind) })
	}
}

func crashTest(t *testing.T, kind string) {
	dsn := testdb.DSN(t, kind)
	dir := t.TempDir()
	gwPEM, sbPEM := filepath.Join(dir, "gateway.pem"), filepath.Join(dir, "sandbox.pem")
	if err := os.WriteFile(gwPEM, []byte(runCmd(t, "keys", "gateway-public", "--db", dsn, "--pem")), 0o644); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "merchant.pem")
	var m merchant
	if err := json.Unmarshal([]byte(runCmd(t, "merchant", "create", "--db", dsn, "--name", "Crash Shop", "--mcc", "5812", "--region", "HK",
		"--settlement-currency", "HKD", "--generate-key", keyFile, "--json")), &m); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(keyFile)
	key, err := antomsig.ParsePrivateKey(data)
	if err != nil {
		t.Fatal(err)
	}
	gwKey, err := antomsig.ParsePublicKey([]byte(m.GatewayPublicKey))
	if err != nil {
		t.Fatal(err)
	}

	// The wallet side lives in this process and outlives every gateway.
	sbCtx, stopSandbox := context.WithCancel(context.Background())
	sbOut := newLines()
	sbDone := make(chan error, 1)
	go func() {
		sbDone <- run(sbCtx, []string{"entrypay", "sandbox", "--addr", "127.0.0.1:0", "--key", filepath.Join(dir, "sandbox-key.pem"),
			"--acquirer-public-key", gwPEM, "--public-key-out", sbPEM, "--log-level", "error"}, noEnv, nil, sbOut, io.Discard)
	}()
	defer func() { stopSandbox(); <-sbDone }()
	sbURL := sbOut.wait(t, listening, 30*time.Second)[1]

	shop := &crashShop{notes: map[string][]string{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := antomsig.VerifyHeader(gwKey, r.Header.Get("Signature"), r.Method, r.URL.RequestURI(), r.Header.Get("Client-Id"), r.Header.Get("Request-Time"), body); err != nil {
			t.Errorf("notification signature: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var n ams.NotifyPaymentRequest
		_ = json.Unmarshal(body, &n)
		shop.mu.Lock()
		shop.notes[n.PaymentID] = append(shop.notes[n.PaymentID], n.Result.ResultCode+"/"+n.Result.ResultStatus)
		shop.mu.Unlock()
		_, _ = io.WriteString(w, ams.AckBody)
	}))
	defer srv.Close()
	shop.url = srv.URL + "/notify"

	gw := &gatewayProcess{t: t, log: &bytes.Buffer{}, args: []string{
		"--addr", freePort(t), "--db", dsn, "--sandbox=false", "--alipayplus-endpoint", sbURL + "/sandbox",
		"--alipayplus-client-id", sandboxAcquirerID, "--alipayplus-public-key", sbPEM, "--notify-allow-private",
		"--job-poll", "50ms", "--job-rescue-after", "10s", "--watch-first", "300ms", "--watch-max", "500ms", "--client-rate", "1000",
		"--notify-schedule", "0s,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms", "--log-level", "error",
	}}
	gw.start()
	defer func() {
		if gw.cmd.ProcessState == nil {
			gw.kill()
		}
		if t.Failed() {
			t.Logf("gateway log:\n%s", gw.logText())
		}
	}()
	base := gw.url
	caller := &antomsig.Caller{BaseURL: base, ClientID: m.ClientID, Signer: antomsig.Signer{Key: key, KeyVersion: 1}, PeerKey: gwKey, HTTP: &http.Client{Timeout: 5 * time.Second}}

	// retry sends a request until the gateway answers it; across a crash the answer to the
	// same request id must be the same payment or refund.
	retry := func(ctx context.Context, path string, body any) (ams.Result, []byte, bool) {
		data, _ := json.Marshal(body)
		for ctx.Err() == nil {
			ans, err := caller.Post(context.Background(), path, data)
			if err == nil {
				var r ams.ResultOnly
				_ = json.Unmarshal(ans.Body, &r)
				if r.Result.ResultStatus != "U" {
					return r.Result, ans.Body, true
				}
			}
			time.Sleep(100 * time.Millisecond)
		}
		return ams.Result{}, nil, false
	}

	var mu sync.Mutex
	told := map[string]string{} // paymentRequestId → the paymentId the merchant was told with S
	loadCtx, stopLoad := context.WithCancel(context.Background())
	var load sync.WaitGroup
	for w := range 4 {
		load.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for n := 0; loadCtx.Err() == nil; n++ {
				id := fmt.Sprintf("crash-%d-%d", w, n)
				req := payRequest(id, 1000+rng.IntN(5000), shop.url)
				req["paymentExpiryTime"] = time.Now().Add(8 * time.Second).Format(time.RFC3339)
				req["order"].(map[string]any)["env"] = map[string]string{"userAgent": gcashUA, "clientIp": fmt.Sprintf("10.1.%d.%d", w, n%250)}
				res, body, ok := retry(loadCtx, ams.PathPay, req)
				if !ok || res.ResultStatus != "S" {
					continue
				}
				var pay ams.PayResponse
				_ = json.Unmarshal(body, &pay)
				mu.Lock()
				if prev, seen := told[id]; seen && prev != pay.PaymentID {
					t.Errorf("%s answered as %s and as %s", id, prev, pay.PaymentID)
				}
				told[id] = pay.PaymentID
				mu.Unlock()
				outcome := []string{"SUCCESS", "SUCCESS", "SUCCESS", "SUCCESS", "USER_BALANCE_NOT_ENOUGH", ""}[rng.IntN(6)]
				if outcome == "" || pay.RedirectActionForm == nil {
					continue // the customer walks away: the payment expires
				}
				cb, _ := json.Marshal(map[string]string{"paymentUrl": pay.RedirectActionForm.RedirectURL, "outcome": outcome})
				if resp, err := http.Post(sbURL+"/sandbox/api/v1/confirm", "application/json", bytes.NewReader(cb)); err == nil {
					resp.Body.Close()
				}
				if outcome == "SUCCESS" && rng.IntN(3) == 0 {
					retry(loadCtx, ams.PathRefund, map[string]any{"refundRequestId": "r-" + id, "paymentId": pay.PaymentID,
						"refundAmount": map[string]string{"currency": "HKD", "value": "500"}})
				}
			}
		})
	}

	// Kill the gateway four times at random moments, restarting it each time.
	rng := rand.New(rand.NewPCG(42, uint64(len(kind))))
	for range 4 {
		time.Sleep(time.Duration(700+rng.IntN(1300)) * time.Millisecond)
		gw.kill()
		time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)
		gw.start()
	}
	time.Sleep(time.Second)
	stopLoad()
	load.Wait()

	// Everything settles: every payment ends (unconfirmed ones expire), and every
	// SUCCESS and FAIL reaches the merchant.
	type final struct{ status, code string }
	finals := map[string]final{}
	deadline := time.Now().Add(90 * time.Second)
	for {
		pending := 0
		why := map[string]int{}
		mu.Lock()
		ids := make(map[string]string, len(told))
		for k, v := range told {
			ids[k] = v
		}
		mu.Unlock()
		for reqID, payID := range ids {
			res, body, ok := retry(context.Background(), ams.PathInquiryPayment, map[string]string{"paymentRequestId": reqID})
			if !ok || res.ResultStatus != "S" {
				t.Fatalf("a payment the merchant was told about is gone: %s %+v", reqID, res)
			}
			var inq ams.InquiryPaymentResponse
			_ = json.Unmarshal(body, &inq)
			if inq.PaymentID != payID {
				t.Fatalf("%s is %s, the merchant was told %s", reqID, inq.PaymentID, payID)
			}
			shop.mu.Lock()
			notified := len(shop.notes[payID]) > 0
			shop.mu.Unlock()
			if inq.PaymentStatus == "PROCESSING" || ((inq.PaymentStatus == "SUCCESS" || inq.PaymentStatus == "FAIL") && !notified) {
				pending++
				why[fmt.Sprintf("%s %s notified=%v", inq.PaymentStatus, inq.PaymentResultCode, notified)]++
				continue
			}
			finals[payID] = final{inq.PaymentStatus, inq.PaymentResultCode}
		}
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d payments still not final or not notified 90 s after the load: %v", pending, why)
		}
		time.Sleep(500 * time.Millisecond)
	}
	gw.stop()

	// No payment has two outcomes: every notification of a payment says what it ended as.
	succeeded := 0
	shop.mu.Lock()
	for payID, f := range finals {
		for _, note := range shop.notes[payID] {
			want := f.code + "/S"
			if f.status == "FAIL" {
				want = f.code + "/F"
			}
			if f.status != "CANCELLED" && note != want {
				t.Errorf("payment %s ended %s %s but was notified %s (all: %v)", payID, f.status, f.code, note, shop.notes[payID])
			}
		}
		if f.status == "SUCCESS" {
			succeeded++
		}
	}
	shop.mu.Unlock()
	if succeeded < 10 {
		t.Errorf("only %d payments succeeded: the load did not run", succeeded)
	}

	// Refunds never exceed what was paid, and the books balance.
	err = withGateway(context.Background(), dsn, func(g *entrypay.Gateway) error {
		mm, err := g.Merchant(context.Background(), m.MerchantID)
		if err != nil {
			return err
		}
		for _, payID := range told {
			p, refunds, err := g.Payment(context.Background(), mm, entrypay.PaymentRef{ID: payID})
			if err != nil {
				return err
			}
			var total int64
			for _, r := range refunds {
				if r.Status != entrypay.RefundFail {
					total += r.Amount.Value
				}
			}
			if total > p.Amount.Value {
				t.Errorf("payment %s of %s has refunds of %d", p.ID, p.Amount, total)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if out := runCmd(t, "ledger", "verify", "--db", dsn); !strings.Contains(out, "the books balance") {
		t.Fatalf("ledger verify: %s", out)
	}
	// The wallet side's files of the day(s) reconcile with no discrepancy.
	now := time.Now()
	for _, date := range uniq(entrypay.DefaultClearing.Date(now.Add(-2*time.Minute)), entrypay.DefaultClearing.Date(now)) {
		report := filepath.Join(dir, "discrepancies-"+date+".csv")
		var out bytes.Buffer
		err := run(context.Background(), []string{"entrypay", "reconcile", "--db", dsn, "--date", date, "--network", entrypay.NetworkAlipayPlus,
			"--participant", sandboxAcquirerID, "--url", sbURL + "/sandbox/settlements/" + sandboxAcquirerID, "--report", report}, noEnv, nil, &out, io.Discard)
		if err != nil {
			lines, _ := os.ReadFile(report)
			t.Errorf("reconcile %s: %v\n%s", date, err, firstLines(string(lines), 6))
		}
		t.Logf("%s: %d payments, %d succeeded; %s", kind, len(told), succeeded, strings.TrimSpace(out.String()))
	}
}

func uniq(v ...string) []string {
	var out []string
	for _, s := range v {
		if len(out) == 0 || out[len(out)-1] != s {
			out = append(out, s)
		}
	}
	return out
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}
