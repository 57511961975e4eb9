package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rsa"
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
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/ams"
	"github.com/entrypay/entrypay/internal/antomsig"
)

// TestMain lets the test binary be the gateway process the crash and fault tests kill:
// run as a child with ENTRYPAY_CHILD=1, it is `entrypay` itself.
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

// Ways the merchant's endpoint can misbehave.
const (
	shopAcks     = ""         // verifies and acknowledges
	shopHTTP500  = "http500"  // HTTP 500, an empty page
	shopHangs    = "hang"     // answers nothing until the gateway gives up
	shopWrongAck = "wrongack" // HTTP 200 with an acknowledgement that is not S
)

// busyShop is the merchant's endpoint: it verifies every notification and records the ones
// it acknowledged; it can be told to misbehave.
type busyShop struct {
	t         *testing.T
	gwKey     *rsa.PublicKey
	mu        sync.Mutex
	url       string
	behaviour string
	acked     map[string][]string // paymentId → the statuses acknowledged, in order
	refused   map[string]int      // behaviour → notifications answered that way
}

func (s *busyShop) set(behaviour string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.behaviour = behaviour
}

func (s *busyShop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if err := antomsig.VerifyHeader(s.gwKey, r.Header.Get("Signature"), r.Method, r.URL.RequestURI(), r.Header.Get("Client-Id"), r.Header.Get("Request-Time"), body); err != nil {
		s.t.Errorf("notification signature: %v", err)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var n ams.NotifyPaymentRequest
	_ = json.Unmarshal(body, &n)
	s.mu.Lock()
	behaviour := s.behaviour
	if behaviour == shopAcks {
		s.acked[n.PaymentID] = append(s.acked[n.PaymentID], n.Result.ResultCode+"/"+n.Result.ResultStatus)
	} else {
		s.refused[behaviour]++
	}
	s.mu.Unlock()
	switch behaviour {
	case shopHTTP500:
		w.WriteHeader(http.StatusInternalServerError)
	case shopHangs:
		<-r.Context().Done() // the gateway hangs up
	case shopWrongAck:
		_, _ = io.WriteString(w, `{"result":{"resultCode":"SYSTEM_ERROR","resultStatus":"F","resultMessage":"try later"}}`)
	default:
		_, _ = io.WriteString(w, ams.AckBody)
	}
}

func (s *busyShop) refusedCount(behaviour string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refused[behaviour]
}

func (s *busyShop) notified(paymentID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.acked[paymentID]) > 0
}

// rig is a gateway under load and faults: `entrypay serve` in a child process that can be
// killed, a standalone wallet side in this process that outlives it (so the gateway is
// told about payments confirmed while it was down only when it asks, as with Alipay+), and
// a live merchant with its endpoint. The load is what a busy shop does: pay, retried with
// the same request id until the gateway answers, then the customer confirms, fails or walks
// away, and some paid payments are refunded or unpaid ones cancelled.
type rig struct {
	t          *testing.T
	kind, dsn  string
	dir        string
	merchantID string
	sbURL      string
	shop       *busyShop
	gw         *gatewayProcess
	caller     *antomsig.Caller

	// paid counts the payments customers paid (the wallet side confirmed them): how far
	// the load has got, which on a slow machine (or under -race) is far less than on a fast
	// one, so the tests wait for progress rather than for a fixed time.
	paid atomic.Int64

	mu      sync.Mutex
	told    map[string]string // paymentRequestId → the paymentId the merchant was told with S
	refunds []string          // refundRequestIds sent, answered or not
	answers map[string]int    // what the merchant's calls got: "S/SUCCESS", "U/UNKNOWN_EXCEPTION", "HTTP 500", "no answer"
}

// newRig starts the wallet side, the merchant endpoint and the gateway; serveArgs are
// added to the gateway's flags.
func newRig(t *testing.T, kind, dsn string, serveArgs ...string) *rig {
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

	sbURL := startSandbox(t, dir, gwPEM, sbPEM)

	sh := &busyShop{t: t, gwKey: gwKey, acked: map[string][]string{}, refused: map[string]int{}}
	srv := httptest.NewServer(sh)
	t.Cleanup(srv.Close)
	sh.url = srv.URL + "/notify"

	gw := &gatewayProcess{t: t, log: &bytes.Buffer{}, args: append([]string{
		"--addr", freePort(t), "--db", dsn, "--sandbox=false", "--alipayplus-endpoint", sbURL + "/sandbox",
		"--alipayplus-client-id", sandboxAcquirerID, "--alipayplus-public-key", sbPEM, "--notify-allow-private",
		"--job-poll", "50ms", "--job-rescue-after", "10s", "--watch-first", "300ms", "--watch-max", "500ms", "--client-rate", "1000",
		"--wallet-timeout", "2s", "--notify-timeout", "1s",
		"--notify-schedule", "0s,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms", "--log-level", "warn",
	}, serveArgs...)}
	gw.start()
	t.Cleanup(func() {
		if gw.cmd.ProcessState == nil {
			gw.kill()
		}
		if t.Failed() {
			t.Logf("gateway log (last 8 KB):\n%s", lastBytes(gw.logText(), 8<<10))
		}
	})
	return &rig{
		t: t, kind: kind, dsn: dsn, dir: dir, merchantID: m.MerchantID, sbURL: sbURL, shop: sh, gw: gw,
		caller: &antomsig.Caller{BaseURL: gw.url, ClientID: m.ClientID, Signer: antomsig.Signer{Key: key, KeyVersion: 1},
			PeerKey: gwKey, HTTP: &http.Client{Timeout: 5 * time.Second}},
		told: map[string]string{}, answers: map[string]int{},
	}
}

// startSandbox runs `entrypay sandbox` in this process until the test ends, trusting the
// gateway key in gwPEM and writing its own public key to sbPEM, and returns its URL.
func startSandbox(t *testing.T, dir, gwPEM, sbPEM string) string {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	out := newLines()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"entrypay", "sandbox", "--addr", "127.0.0.1:0", "--key", filepath.Join(dir, "sandbox-key.pem"),
			"--acquirer-public-key", gwPEM, "--public-key-out", sbPEM, "--log-level", "error"}, noEnv, nil, out, io.Discard)
	}()
	t.Cleanup(func() { stop(); <-done })
	return out.wait(t, listening, 30*time.Second)[1]
}

// send sends a request until the gateway answers it with S or F; across a crash or a
// fault the answer to the same request id must be the same payment or refund. It gives
// up when ctx ends.
func (r *rig) send(ctx context.Context, path string, body any) (ams.Result, []byte, bool) {
	data, _ := json.Marshal(body)
	for ctx.Err() == nil {
		ans, err := r.caller.Post(context.Background(), path, data)
		var res ams.ResultOnly
		switch {
		case ans.Status >= 500:
			r.count(fmt.Sprintf("HTTP %d", ans.Status))
		case err != nil:
			r.count("no answer")
		default:
			_ = json.Unmarshal(ans.Body, &res)
			r.count(res.Result.ResultStatus + "/" + res.Result.ResultCode)
			if res.Result.ResultStatus != "U" {
				return res.Result, ans.Body, true
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return ams.Result{}, nil, false
}

func (r *rig) count(answer string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.answers[answer]++
}

// setFault makes the wallet side misbehave (see internal/sandbox: /api/v1/faults); mode ""
// clears every fault.
func (r *rig) setFault(api, mode string, delayMs int) {
	r.t.Helper()
	method, body := http.MethodPost, fmt.Sprintf(`{"api":%q,"mode":%q,"delayMs":%d}`, api, mode, delayMs)
	if mode == "" {
		method, body = http.MethodDelete, ""
	}
	req, _ := http.NewRequest(method, r.sbURL+"/sandbox/api/v1/faults", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		r.t.Fatalf("set fault %s %s: HTTP %d %s", api, mode, resp.StatusCode, msg)
	}
}

// underLoad runs the rig's load while during runs, then waits for every payment to end
// and be notified and checks what must always hold (rig.check).
func underLoad(t *testing.T, r *rig, during func()) {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	loaded := make(chan struct{})
	go func() { r.load(ctx, 4); close(loaded) }()
	r.progress(3, time.Minute) // the load runs
	during()
	// Payments go through again after the fault, and enough of them for the checks.
	r.progress(3, time.Minute)
	r.atLeast(12, 2*time.Minute)
	stop()
	<-loaded
	finals := r.settle(90 * time.Second)
	r.gw.stop()
	if succeeded := r.check(finals); succeeded < 10 {
		t.Errorf("only %d payments succeeded: the load did not run", succeeded)
	}
	t.Logf("answers:%s", r.summary())
}

// progress waits until customers have paid n more payments than when called, for at
// most within; the test fails if they have not.
func (r *rig) progress(n int64, within time.Duration) {
	r.t.Helper()
	r.atLeast(r.paid.Load()+n, within)
}

// atLeast waits until customers have paid n payments in all, for at most within.
func (r *rig) atLeast(n int64, within time.Duration) {
	r.t.Helper()
	start, from := time.Now(), r.paid.Load()
	for r.paid.Load() < n {
		if time.Since(start) > within {
			r.t.Fatalf("the load is stuck: %d payments paid in %s, want %d in all (answers so far:%s)", r.paid.Load()-from, within, n, r.summary())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// load runs workers that take payments until ctx ends, and waits for them.
func (r *rig) load(ctx context.Context, workers int) {
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() { r.shopper(ctx, w) })
	}
	wg.Wait()
}

func (r *rig) shopper(ctx context.Context, w int) {
	rng := rand.New(rand.NewPCG(uint64(w), 7))
	for n := 0; ctx.Err() == nil; n++ {
		id := fmt.Sprintf("load-%d-%d", w, n)
		req := payRequest(id, 1000+rng.IntN(5000), r.shop.url)
		req["paymentExpiryTime"] = time.Now().Add(8 * time.Second).Format(time.RFC3339)
		req["order"].(map[string]any)["env"] = map[string]string{"userAgent": gcashUA, "clientIp": fmt.Sprintf("10.1.%d.%d", w, n%250)}
		res, body, ok := r.send(ctx, ams.PathPay, req)
		if !ok || res.ResultStatus != "S" {
			continue
		}
		var pay ams.PayResponse
		_ = json.Unmarshal(body, &pay)
		r.mu.Lock()
		if prev, seen := r.told[id]; seen && prev != pay.PaymentID {
			r.t.Errorf("%s answered as %s and as %s", id, prev, pay.PaymentID)
		}
		r.told[id] = pay.PaymentID
		r.mu.Unlock()
		outcome := []string{"SUCCESS", "SUCCESS", "SUCCESS", "SUCCESS", "USER_BALANCE_NOT_ENOUGH", "", "cancel"}[rng.IntN(7)]
		if outcome == "" || pay.RedirectActionForm == nil {
			continue // the customer walks away: the payment expires
		}
		if outcome == "cancel" {
			// Unconfirmed, well inside its expiry: the cancel must succeed, also when
			// resent after an answer was lost.
			if res, _, ok := r.send(ctx, ams.PathCancel, map[string]string{"paymentRequestId": id}); ok && res.ResultStatus != "S" {
				r.t.Errorf("cancel of %s: %s %s", id, res.ResultCode, res.ResultMessage)
			}
			continue
		}
		cb, _ := json.Marshal(map[string]string{"paymentUrl": pay.RedirectActionForm.RedirectURL, "outcome": outcome})
		if resp, err := http.Post(r.sbURL+"/sandbox/api/v1/confirm", "application/json", bytes.NewReader(cb)); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && outcome == "SUCCESS" {
				r.paid.Add(1)
			}
		}
		if outcome == "SUCCESS" && rng.IntN(3) == 0 {
			r.mu.Lock()
			r.refunds = append(r.refunds, "r-"+id)
			r.mu.Unlock()
			r.send(ctx, ams.PathRefund, map[string]any{"refundRequestId": "r-" + id, "paymentId": pay.PaymentID,
				"refundAmount": map[string]string{"currency": "HKD", "value": "500"}})
		}
	}
}

// final is how a payment ended, as inquiryPayment tells it.
type final struct{ status, code string }

// settle waits until every payment the merchant was told about has ended (unconfirmed ones
// expire) and every SUCCESS and FAIL has been acknowledged by the merchant, and returns
// how they ended. Every payment the merchant was told S about must exist, as the same id.
func (r *rig) settle(within time.Duration) map[string]final {
	t := r.t
	finals := map[string]final{}
	deadline := time.Now().Add(within)
	for {
		pending := 0
		why := map[string]int{}
		r.mu.Lock()
		ids := make(map[string]string, len(r.told))
		for k, v := range r.told {
			ids[k] = v
		}
		r.mu.Unlock()
		for reqID, payID := range ids {
			res, body, ok := r.send(context.Background(), ams.PathInquiryPayment, map[string]string{"paymentRequestId": reqID})
			if !ok || res.ResultStatus != "S" {
				t.Fatalf("a payment the merchant was told about is gone: %s %+v", reqID, res)
			}
			var inq ams.InquiryPaymentResponse
			_ = json.Unmarshal(body, &inq)
			if inq.PaymentID != payID {
				t.Fatalf("%s is %s, the merchant was told %s", reqID, inq.PaymentID, payID)
			}
			notified := r.shop.notified(payID)
			if inq.PaymentStatus == "PROCESSING" || ((inq.PaymentStatus == "SUCCESS" || inq.PaymentStatus == "FAIL") && !notified) {
				pending++
				why[fmt.Sprintf("%s %s notified=%v", inq.PaymentStatus, inq.PaymentResultCode, notified)]++
				continue
			}
			finals[payID] = final{inq.PaymentStatus, inq.PaymentResultCode}
		}
		// Every refund ends too: one whose answer never reached the merchant (the load
		// stopped while it was being resent) is finished by the gateway's retry.
		r.mu.Lock()
		refunds := slices.Clone(r.refunds)
		r.mu.Unlock()
		for _, reqID := range refunds {
			res, body, ok := r.send(context.Background(), ams.PathInquiryRefund, map[string]string{"refundRequestId": reqID})
			if !ok {
				t.Fatalf("inquiryRefund %s: no answer", reqID)
			}
			var inq ams.InquiryRefundResponse
			_ = json.Unmarshal(body, &inq)
			if res.ResultStatus == "S" && inq.RefundStatus == "PROCESSING" {
				pending++
				why["refund PROCESSING"]++
			}
		}
		if pending == 0 {
			return finals
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d payments still not final or not notified %s after the load: %v", pending, within, why)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// check checks what must hold after any crash or fault: no payment has two outcomes (every
// notification says what the payment ended as), no 5xx reached the merchant, refunds never
// exceed what was paid, each payment has at most one entry of each kind but refunds in the
// books, the books balance, and the wallet side's files reconcile with no discrepancy. It
// returns the number of payments that succeeded.
func (r *rig) check(finals map[string]final) int {
	t := r.t
	succeeded := 0
	r.shop.mu.Lock()
	for payID, f := range finals {
		for _, note := range r.shop.acked[payID] {
			want := f.code + "/S"
			if f.status == "FAIL" {
				want = f.code + "/F"
			}
			if f.status != "CANCELLED" && note != want {
				t.Errorf("payment %s ended %s %s but was notified %s (all: %v)", payID, f.status, f.code, note, r.shop.acked[payID])
			}
		}
		if f.status == "SUCCESS" {
			succeeded++
		}
	}
	r.shop.mu.Unlock()
	r.mu.Lock()
	for answer, n := range r.answers {
		if strings.HasPrefix(answer, "HTTP 5") {
			t.Errorf("the merchant got %s %d times", answer, n)
		}
	}
	r.mu.Unlock()

	ctx := context.Background()
	err := withGateway(ctx, r.dsn, func(g *entrypay.Gateway) error {
		mm, err := g.Merchant(ctx, r.merchantID)
		if err != nil {
			return err
		}
		for _, payID := range r.told {
			p, refunds, err := g.Payment(ctx, mm, entrypay.PaymentRef{ID: payID})
			if err != nil {
				return err
			}
			var total int64
			for _, rf := range refunds {
				if rf.Status != entrypay.RefundFail {
					total += rf.Amount.Value
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
	r.noDoubleEntries()
	if out := runCmd(t, "ledger", "verify", "--db", r.dsn); !strings.Contains(out, "the books balance") {
		t.Fatalf("ledger verify: %s", out)
	}
	// The wallet side's files of the day(s) reconcile with no discrepancy.
	now := time.Now()
	for _, date := range uniq(entrypay.DefaultClearing.Date(now.Add(-2*time.Minute)), entrypay.DefaultClearing.Date(now)) {
		report := filepath.Join(r.dir, "discrepancies-"+date+".csv")
		var out bytes.Buffer
		err := run(ctx, []string{"entrypay", "reconcile", "--db", r.dsn, "--date", date, "--network", entrypay.NetworkAlipayPlus,
			"--participant", sandboxAcquirerID, "--url", r.sbURL + "/sandbox/settlements/" + sandboxAcquirerID, "--report", report}, noEnv, nil, &out, io.Discard)
		if err != nil {
			lines, _ := os.ReadFile(report)
			t.Errorf("reconcile %s: %v\n%s", date, err, firstLines(string(lines), 6))
		}
		t.Logf("%s: %d payments, %d succeeded; %s", r.kind, len(r.told), succeeded, strings.TrimSpace(out.String()))
	}
	return succeeded
}

// noDoubleEntries checks that no payment was booked twice: one entry of each kind per
// payment, except refunds (one per refund).
func (r *rig) noDoubleEntries() {
	db, err := openDatabase(context.Background(), r.dsn, 8)
	if err != nil {
		r.t.Fatal(err)
	}
	defer db.close()
	rows, err := db.sql.Query(`SELECT payment_id, kind, refund_id, COUNT(*) FROM journal_entries WHERE payment_id <> '' GROUP BY payment_id, kind, refund_id HAVING COUNT(*) > 1`)
	if err != nil {
		r.t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var payID, kind, refundID string
		var n int
		if err := rows.Scan(&payID, &kind, &refundID, &n); err != nil {
			r.t.Fatal(err)
		}
		r.t.Errorf("payment %s has %d %s entries (refund %q)", payID, n, kind, refundID)
	}
	if err := rows.Err(); err != nil {
		r.t.Fatal(err)
	}
}

// answersCopy returns what the merchant's calls got so far.
func (r *rig) answersCopy() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]int, len(r.answers))
	for k, v := range r.answers {
		out[k] = v
	}
	return out
}

// summary is what the merchant's calls got, for the test log.
func (r *rig) summary() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for answer, n := range r.answers {
		fmt.Fprintf(&b, " %s×%d", answer, n)
	}
	return b.String()
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

func lastBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
