package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/ams"
	"github.com/entrypay/entrypay/internal/antomsig"
	"github.com/entrypay/entrypay/internal/fx"
	"github.com/entrypay/entrypay/internal/postgres"
	"github.com/entrypay/entrypay/internal/testdb"
)

// TestNodes runs three `entrypay serve` processes on one PostgreSQL database, with one
// standalone wallet side and a merchant endpoint that verifies and acknowledges every
// notification, and checks that they act as one gateway:
//   - the same signed pay request sent to two nodes at the same moment makes one payment,
//     and both nodes answer S with it; likewise a refund sent to two nodes at once;
//   - under load spread over the nodes (payments paid, refused, abandoned until they
//     expire; refunds sent to another node than the payment's), every final payment is
//     notified to the merchant exactly once, every expired payment is closed once, and
//     nothing is booked twice;
//   - only one node (River's leader) schedules the settlement run, and closing the day
//     from three connection pools at once closes each batch once, with one payout;
//   - the books balance.
func TestNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three gateway processes and runs for about half a minute")
	}
	if !slices.Contains(testdb.Engines(), "postgres") {
		t.Skipf("several nodes need PostgreSQL: set %s", postgres.TestEnv)
	}
	r := newNodesRig(t, 3)
	ctx := context.Background()

	// (a) The same pay request to two nodes at once: one payment. Even ones are paid,
	// odd ones abandoned: they expire and are closed.
	dupIDs := r.payTwice(ctx, 20)
	for i, payID := range dupIDs {
		if i%2 == 0 {
			r.confirm(payID, "SUCCESS")
		}
	}
	rows := r.query(`SELECT request_id, count(*) FROM payments WHERE request_id LIKE 'dup-%' GROUP BY request_id`)
	if len(rows) != len(dupIDs) {
		t.Errorf("%d request ids sent twice have payments, want %d", len(rows), len(dupIDs))
	}
	for _, row := range rows {
		if row[1] != "1" {
			t.Errorf("request id %s has %s payments", row[0], row[1])
		}
	}

	// (b) Load over the nodes for a few seconds, with refunds sent to other nodes.
	loadCtx, stopLoad := context.WithTimeout(ctx, 6*time.Second)
	var load sync.WaitGroup
	for w := range 3 {
		load.Go(func() { r.shopper(loadCtx, w) })
	}
	load.Wait()
	stopLoad()
	r.waitIdle(60 * time.Second)
	r.checkOnce()

	// (d) One node schedules the settlement run: River's elected leader. A close-day run
	// becomes due when a clearing day has ended, at most once in ten minutes, which a
	// test cannot wait for; what three nodes' runs would do at the same moment is shown
	// by closing the day from three connection pools at once, with clocks two days ahead.
	if got := r.query(`SELECT count(*) FROM river_job WHERE kind = 'close_settlement_days'`)[0][0]; got != "1" {
		t.Errorf("%s settlement runs scheduled by three nodes at start, want 1 (the leader's)", got)
	}
	for _, n := range r.nodes {
		n.stop()
	}
	r.closeDayAtOnce(3)

	// (c) The books balance.
	if out := runCmd(t, "ledger", "verify", "--db", r.dsn); !strings.Contains(out, "the books balance") {
		t.Errorf("ledger verify: %s", out)
	}
	t.Logf("%d payments (%d paid, %d refunds); %d notifications", len(r.query(`SELECT id FROM payments`)),
		len(r.query(`SELECT id FROM payments WHERE status = 'SUCCESS'`)), len(r.query(`SELECT id FROM refunds`)), r.shop.count())
}

// nodesRig is several gateway processes on one database with one wallet side.
type nodesRig struct {
	t      *testing.T
	dsn    string
	db     *sql.DB
	m      merchant
	sbURL  string
	shop   *nodesShop
	nodes  []*gatewayProcess
	client *http.Client

	mu      sync.Mutex
	refunds int // refund requests answered S
}

func newNodesRig(t *testing.T, n int) *nodesRig {
	r := &nodesRig{t: t, dsn: testdb.DSN(t, "postgres"), client: &http.Client{Timeout: 20 * time.Second}}
	dir := t.TempDir()
	gwPEM, sbPEM := filepath.Join(dir, "gateway.pem"), filepath.Join(dir, "sandbox.pem")
	// `keys gateway-public` migrates the database before any node starts: migrations
	// take no lock across processes.
	if err := os.WriteFile(gwPEM, []byte(runCmd(t, "keys", "gateway-public", "--db", r.dsn, "--pem")), 0o644); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "merchant.pem")
	if err := json.Unmarshal([]byte(runCmd(t, "merchant", "create", "--db", r.dsn, "--name", "Nodes Shop", "--mcc", "5812", "--region", "HK",
		"--settlement-currency", "HKD", "--generate-key", keyFile, "--json")), &r.m); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(keyFile)
	var err error
	if r.m.key, err = antomsig.ParsePrivateKey(data); err != nil {
		t.Fatal(err)
	}
	if r.m.gatewayKey, err = antomsig.ParsePublicKey([]byte(r.m.GatewayPublicKey)); err != nil {
		t.Fatal(err)
	}
	db, pool, err := postgres.Open(context.Background(), r.dsn)
	if err != nil {
		t.Fatal(err)
	}
	r.db = db
	t.Cleanup(func() { db.Close(); pool.Close() })

	r.sbURL = startSandbox(t, dir, gwPEM, sbPEM)

	r.shop = &nodesShop{notes: map[string][]string{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		if err := antomsig.VerifyHeader(r.m.gatewayKey, req.Header.Get("Signature"), req.Method, req.URL.RequestURI(), req.Header.Get("Client-Id"), req.Header.Get("Request-Time"), body); err != nil {
			t.Errorf("notification signature: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var note ams.NotifyPaymentRequest
		if err := json.Unmarshal(body, &note); err != nil {
			t.Errorf("notification: %v", err)
		}
		r.shop.add(note.PaymentID, note.Result.ResultCode+"/"+note.Result.ResultStatus)
		_, _ = io.WriteString(w, ams.AckBody)
	}))
	t.Cleanup(srv.Close)
	r.shop.url = srv.URL + "/notify"

	for range n {
		g := &gatewayProcess{t: t, log: &bytes.Buffer{}, args: []string{
			"--addr", freePort(t), "--db", r.dsn, "--sandbox=false", "--alipayplus-endpoint", r.sbURL + "/sandbox",
			"--alipayplus-client-id", sandboxAcquirerID, "--alipayplus-public-key", sbPEM, "--notify-allow-private",
			"--job-poll", "50ms", "--job-rescue-after", "10s", "--watch-first", "300ms", "--watch-max", "500ms", "--client-rate", "1000",
			"--notify-schedule", "0s,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms", "--log-level", "error",
		}}
		g.start()
		r.nodes = append(r.nodes, g)
		t.Cleanup(func() {
			if g.cmd.ProcessState == nil {
				g.kill()
			}
			if t.Failed() {
				t.Logf("node %s log:\n%s", g.url, g.logText())
			}
		})
	}
	return r
}

// post sends a signed request to a node; a zero at signs it now, and a given one makes
// the request exactly the same, signature included, wherever and whenever it is sent.
func (r *nodesRig) post(ctx context.Context, node int, at time.Time, path string, body []byte) ([]byte, error) {
	c := &antomsig.Caller{BaseURL: r.nodes[node].url, ClientID: r.m.ClientID, Signer: antomsig.Signer{Key: r.m.key, KeyVersion: 1}, PeerKey: r.m.gatewayKey, HTTP: r.client}
	if !at.IsZero() {
		c.Now = func() time.Time { return at }
	}
	ans, err := c.Post(ctx, path, body)
	return ans.Body, err
}

// twice sends one signed request to nodes a and b at the same moment and returns both
// answers.
func (r *nodesRig) twice(ctx context.Context, a, b int, path string, body []byte) [2][]byte {
	at := time.Now()
	var out [2][]byte
	start := make(chan struct{})
	var wg sync.WaitGroup
	for k, node := range []int{a, b} {
		wg.Go(func() {
			<-start
			ans, err := r.post(ctx, node, at, path, body)
			if err != nil {
				r.t.Errorf("%s to node %d: %v %s", path, node, err, ans)
			}
			out[k] = ans
		})
	}
	close(start)
	wg.Wait()
	return out
}

// payTwice sends n pay requests, each to two nodes at once, and returns the payment ids.
// Both answers must be S with the same payment: a repeat of a paymentRequestId with the
// same amount returns the first payment (Gateway.Pay).
func (r *nodesRig) payTwice(ctx context.Context, n int) []string {
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			req := payRequest(fmt.Sprintf("dup-%d", i), 1000+10*i, r.shop.url)
			req["paymentExpiryTime"] = time.Now().Add(6 * time.Second).Format(time.RFC3339)
			body, _ := json.Marshal(req)
			ans := r.twice(ctx, i%len(r.nodes), (i+1)%len(r.nodes), ams.PathPay, body)
			var p [2]ams.PayResponse
			for k := range ans {
				_ = json.Unmarshal(ans[k], &p[k])
			}
			switch {
			case p[0].Result.ResultStatus != "S" || p[1].Result.ResultStatus != "S":
				r.t.Errorf("dup-%d sent to two nodes at once: answers %s and %s", i, ans[0], ans[1])
			case p[0].PaymentID == "" || p[0].PaymentID != p[1].PaymentID:
				r.t.Errorf("dup-%d sent to two nodes at once made payments %q and %q", i, p[0].PaymentID, p[1].PaymentID)
			case p[0].RedirectActionForm == nil || p[1].RedirectActionForm == nil || p[0].RedirectActionForm.RedirectURL != p[1].RedirectActionForm.RedirectURL:
				r.t.Errorf("dup-%d: the two answers send the customer to different cashiers: %s and %s", i, ans[0], ans[1])
			default:
				ids[i] = p[0].PaymentID
				r.shop.cashier(p[0].PaymentID, p[0].RedirectActionForm.RedirectURL)
			}
		})
	}
	wg.Wait()
	return ids
}

// confirm is the customer deciding in the wallet: SUCCESS or a refusal code.
func (r *nodesRig) confirm(paymentID, outcome string) {
	url := r.shop.cashierOf(paymentID)
	if url == "" {
		return
	}
	body, _ := json.Marshal(map[string]string{"paymentUrl": url, "outcome": outcome})
	resp, err := r.client.Post(r.sbURL+"/sandbox/api/v1/confirm", "application/json", bytes.NewReader(body))
	if err != nil {
		r.t.Errorf("confirm %s: %v", paymentID, err)
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		r.t.Errorf("confirm %s: %s", paymentID, resp.Status)
	}
}

// shopper takes payments through the nodes in turn until ctx ends: most are paid, some
// refused, some abandoned until they expire; a third of the paid ones get a refund of
// more than half, sent to the two other nodes at once once the merchant knows the
// payment succeeded. A payment begun is carried through: ctx only stops new ones.
func (r *nodesRig) shopper(stop context.Context, w int) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(uint64(w), 11))
	for n := 0; stop.Err() == nil && n < 40; n++ {
		node := (w + n) % len(r.nodes)
		value := 1000 + 10*rng.IntN(400)
		req := payRequest(fmt.Sprintf("load-%d-%d", w, n), value, r.shop.url)
		// Abandoned payments expire soon; the others have time to be confirmed on a slow
		// machine (under -race on a busy CI runner a pay can take seconds).
		k := rng.IntN(10)
		expiry := time.Minute
		if k >= 7 {
			expiry = 5 * time.Second
		}
		req["paymentExpiryTime"] = time.Now().Add(expiry).Format(time.RFC3339)
		body, _ := json.Marshal(req)
		ans, err := r.post(ctx, node, time.Time{}, ams.PathPay, body)
		if err != nil {
			r.t.Errorf("pay to node %d: %v %s", node, err, ans)
			return
		}
		var pay ams.PayResponse
		_ = json.Unmarshal(ans, &pay)
		if pay.Result.ResultStatus != "S" || pay.RedirectActionForm == nil {
			r.t.Errorf("pay to node %d: %s", node, ans)
			continue
		}
		r.shop.cashier(pay.PaymentID, pay.RedirectActionForm.RedirectURL)
		switch {
		case k < 6:
			r.confirm(pay.PaymentID, "SUCCESS")
			if k < 2 && r.shop.wait(pay.PaymentID, 20*time.Second) {
				r.refundTwice(ctx, pay.PaymentID, (node+1)%len(r.nodes), (node+2)%len(r.nodes), value*6/10)
			}
		case k < 7:
			r.confirm(pay.PaymentID, "USER_BALANCE_NOT_ENOUGH")
		default: // the customer walks away: the payment expires
		}
	}
}

// refundTwice sends one refund request to nodes a and b at once: both must answer with
// the same refund, as a repeat of a refundRequestId does (Gateway.Refund).
func (r *nodesRig) refundTwice(ctx context.Context, paymentID string, a, b, value int) {
	body, _ := json.Marshal(map[string]any{"refundRequestId": "r-" + paymentID, "paymentId": paymentID,
		"refundAmount": map[string]string{"currency": "HKD", "value": fmt.Sprint(value)}})
	ans := r.twice(ctx, a, b, ams.PathRefund, body)
	var rf [2]ams.RefundResponse
	for k := range ans {
		_ = json.Unmarshal(ans[k], &rf[k])
	}
	switch {
	case rf[0].Result.ResultStatus != "S" || rf[1].Result.ResultStatus != "S":
		r.t.Errorf("refund of %s sent to two nodes at once: answers %s and %s", paymentID, ans[0], ans[1])
	case rf[0].RefundID == "" || rf[0].RefundID != rf[1].RefundID:
		r.t.Errorf("refund of %s sent to two nodes at once made refunds %q and %q", paymentID, rf[0].RefundID, rf[1].RefundID)
	default:
		r.mu.Lock()
		r.refunds++
		r.mu.Unlock()
	}
}

// waitIdle waits until no job is left to run: every payment final, every notification
// delivered. After that nothing more can reach the merchant. A refund's retry job waits
// 30 s whatever the refund's outcome, and finds nothing to do for a final refund: the
// refunds are checked to be final instead.
func (r *nodesRig) waitIdle(within time.Duration) {
	r.t.Helper()
	deadline := time.Now().Add(within)
	for {
		left := r.query(`SELECT kind, state, count(*) FROM river_job WHERE state NOT IN ('completed', 'cancelled', 'discarded') AND kind NOT IN ('close_settlement_days', 'retry_refund') GROUP BY kind, state`)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("jobs still to run %s after the load: %v", within, left)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// checkOnce checks that everything that must happen once happened once: a notification
// per final payment, acknowledged at its first attempt; a close per expired payment; a
// wallet answer per payment; a journal entry per payment, refund and kind.
func (r *nodesRig) checkOnce() {
	r.t.Helper()
	status := map[string]string{} // payment id → status/result code
	for _, row := range r.query(`SELECT id, status, result_code FROM payments`) {
		status[row[0]] = row[1] + "/" + row[2]
	}
	paid, closed := 0, 0
	for id, s := range status {
		st, code, _ := strings.Cut(s, "/")
		var want string
		switch st {
		case "SUCCESS":
			paid++
			want = "SUCCESS/S"
		case "FAIL":
			want = code + "/F"
			if code == string(entrypay.EOrderClosed) {
				closed++
			}
		default:
			r.t.Errorf("payment %s is still %s", id, s)
			continue
		}
		if notes := r.shop.of(id); len(notes) != 1 || notes[0] != want {
			r.t.Errorf("payment %s ended %s and the merchant was notified %v, want [%s] once", id, s, notes, want)
		}
	}
	if paid < 10 || closed < 5 {
		r.t.Errorf("only %d payments paid and %d closed at expiry: the load did not run", paid, closed)
	}
	for _, row := range r.query(`SELECT n.payment_id, count(*), bool_and(a.acknowledged) FROM notifications n JOIN notification_attempts a ON a.notification_id = n.id GROUP BY n.id, n.payment_id HAVING count(*) <> 1 OR NOT bool_and(a.acknowledged)`) {
		r.t.Errorf("notification of %s: %s attempts, all acknowledged %s; the merchant acknowledges every one", row[0], row[1], row[2])
	}
	for _, row := range r.query(`SELECT payment_id, count(*) FROM notifications GROUP BY payment_id HAVING count(*) <> 1`) {
		r.t.Errorf("payment %s has %s notifications", row[0], row[1])
	}
	// Each payment was created, sent to the wallet side, and decided once.
	events := map[string]map[string]string{}
	for _, row := range r.query(`SELECT payment_id, kind, count(*) FROM payment_events WHERE kind IN ('created', 'wallet_pay', 'wallet_result', 'closed') GROUP BY payment_id, kind`) {
		if events[row[0]] == nil {
			events[row[0]] = map[string]string{}
		}
		events[row[0]][row[1]] = row[2]
	}
	for id, s := range status {
		// An expired payment is closed by whoever is first: the wallet side's FAIL
		// (wallet_result) or the gateway's watch job (closed), never both.
		got := maps.Clone(events[id])
		if got["closed"] == "1" && got["wallet_result"] == "" {
			delete(got, "closed")
			got["wallet_result"] = "1"
		}
		if want := map[string]string{"created": "1", "wallet_pay": "1", "wallet_result": "1"}; !maps.Equal(got, want) {
			r.t.Errorf("payment %s (%s) has events %v, want created, wallet_pay and one wallet_result or closed", id, s, events[id])
		}
	}
	// Nothing is booked twice: a paid payment has its one payment entry (and fee); a
	// refund its one reserve and one refund entry; a failed payment nothing.
	for _, row := range r.query(`SELECT payment_id, refund_id, kind, count(*) FROM journal_entries WHERE payment_id <> '' GROUP BY payment_id, refund_id, kind HAVING count(*) <> 1`) {
		r.t.Errorf("payment %s refund %q: %s journal entries of kind %s", row[0], row[1], row[3], row[2])
	}
	booked := map[string]bool{}
	for _, row := range r.query(`SELECT payment_id FROM journal_entries WHERE kind = 'payment'`) {
		booked[row[0]] = true
	}
	for id, s := range status {
		if booked[id] != strings.HasPrefix(s, "SUCCESS/") {
			r.t.Errorf("payment %s is %s; booked: %v", id, s, booked[id])
		}
	}
	refunds := r.query(`SELECT r.id, r.status, (SELECT count(*) FROM journal_entries j WHERE j.refund_id = r.id AND j.kind = 'refund_reserve'), (SELECT count(*) FROM journal_entries j WHERE j.refund_id = r.id AND j.kind = 'refund') FROM refunds r`)
	for _, row := range refunds {
		if row[1] != "SUCCESS" || row[2] != "1" || row[3] != "1" {
			r.t.Errorf("refund %s is %s with %s reserve and %s refund entries, want SUCCESS with one each", row[0], row[1], row[2], row[3])
		}
	}
	if len(refunds) != r.refunds {
		r.t.Errorf("%d refunds recorded, %d answered S", len(refunds), r.refunds)
	}
}

// closeDayAtOnce closes the clearing day from n gateways on their own connection pools
// at the same moment, as n nodes' settlement runs would, with clocks two days ahead so
// that today has ended. Each batch must close once, with one payout entry.
func (r *nodesRig) closeDayAtOnce(n int) {
	r.t.Helper()
	ctx := context.Background()
	later := func() time.Time { return time.Now().Add(48 * time.Hour) }
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		db, err := openDatabase(ctx, r.dsn, len(entrypay.DefaultNotifySchedule))
		if err != nil {
			r.t.Fatal(err)
		}
		gw := entrypay.NewGateway(entrypay.Config{DB: db.store, FX: &fx.Engine{}, Now: later})
		wg.Go(func() {
			defer db.close()
			<-start
			if err := gw.CloseDue(ctx); err != nil {
				r.t.Errorf("close the day: %v", err)
			}
		})
	}
	close(start)
	wg.Wait()
	batches := r.query(`SELECT b.id, b.status, b.payout, (SELECT count(*) FROM journal_entries j WHERE j.batch_id = b.id AND j.kind = 'payout') FROM settlement_batches b`)
	if len(batches) == 0 {
		r.t.Fatal("no settlement batch: nothing was booked")
	}
	for _, b := range batches {
		want := "1"
		if b[2] == "0" {
			want = "0"
		}
		if b[1] != string(entrypay.BatchClosed) || b[3] != want {
			r.t.Errorf("batch %s is %s with payout %s and %s payout entries, want closed with %s", b[0], b[1], b[2], b[3], want)
		}
	}
}

// query returns every row of a query as text.
func (r *nodesRig) query(q string) [][]string {
	r.t.Helper()
	rows, err := r.db.QueryContext(context.Background(), q)
	if err != nil {
		r.t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			r.t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = v.String
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		r.t.Fatal(err)
	}
	return out
}

// nodesShop is the merchant's side: the cashier of each payment it took, and every
// notification it got.
type nodesShop struct {
	url      string
	mu       sync.Mutex
	notes    map[string][]string // payment id → "resultCode/resultStatus" of each notification
	cashiers sync.Map            // payment id → cashier URL
}

func (s *nodesShop) add(paymentID, note string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notes[paymentID] = append(s.notes[paymentID], note)
}

func (s *nodesShop) of(paymentID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.notes[paymentID])
}

func (s *nodesShop) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, v := range s.notes {
		n += len(v)
	}
	return n
}

// wait reports whether the payment's notification arrived within d.
func (s *nodesShop) wait(paymentID string, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for len(s.of(paymentID)) == 0 {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

func (s *nodesShop) cashier(paymentID, url string) { s.cashiers.Store(paymentID, url) }

func (s *nodesShop) cashierOf(paymentID string) string {
	url, _ := s.cashiers.Load(paymentID)
	u, _ := url.(string)
	return u
}
