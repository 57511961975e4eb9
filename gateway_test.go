package entrypay_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/fx"
	"github.com/entrypay/entrypay/internal/testdb"
)

// The gateway tests run the real gateway on a real database of each engine; only the
// wallet side and the merchant's endpoint are played by fakes, so that every answer they
// give (and every silence) can be chosen.

const hkUA = "Mozilla/5.0 (Linux; Android 13) AliApp(APHK/2.6.0.160) AlipayClientHK/2.6.0.160 Language/zh-HK"

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

// fakeWallet is a wallet side whose answers the test sets.
type fakeWallet struct {
	mu         sync.Mutex
	payErr     error
	pays       int
	inquiry    entrypay.WalletResult
	inquiryErr error
	cancelErr  error
	cancels    int
	// afterCancel runs (under the lock) after each cancel, to change later answers.
	afterCancel func()
	refundErr   error
	refunds     []string
}

func (w *fakeWallet) Pay(_ context.Context, p *entrypay.Payment, _ *entrypay.Merchant) (entrypay.WalletPayment, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pays++
	if w.payErr != nil {
		return entrypay.WalletPayment{}, w.payErr
	}
	return entrypay.WalletPayment{WalletPaymentID: "W-" + p.ID, CashierURL: "https://wallet.example/cashier/" + p.ID, PspID: "1022160000000000000", WalletBrand: "AlipayHK"}, nil
}

func (w *fakeWallet) InquirePayment(_ context.Context, p *entrypay.Payment) (entrypay.WalletResult, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.inquiryErr != nil {
		return entrypay.WalletResult{}, w.inquiryErr
	}
	r := w.inquiry
	r.PaymentID = p.ID
	if r.Status == "" {
		r.Status = entrypay.PaymentProcessing
	}
	return r, nil
}

func (w *fakeWallet) CancelPayment(context.Context, *entrypay.Payment) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.cancels++
	if w.afterCancel != nil {
		w.afterCancel()
	}
	return w.cancelErr
}

func (w *fakeWallet) Refund(_ context.Context, _ *entrypay.Payment, r *entrypay.Refund) (entrypay.WalletRefund, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.refunds = append(w.refunds, r.ID)
	if w.refundErr != nil {
		return entrypay.WalletRefund{}, w.refundErr
	}
	return entrypay.WalletRefund{WalletRefundID: "WR-" + r.ID}, nil
}

func (w *fakeWallet) RegisterMerchant(context.Context, *entrypay.Registration, *entrypay.Merchant, *entrypay.Store) error {
	return nil
}

func (w *fakeWallet) set(f func(w *fakeWallet)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	f(w)
}

var errNoAnswer = fmt.Errorf("%w: timeout", entrypay.ErrWalletNoAnswer)

// fakeNotifier formats a small body and acknowledges according to ack.
type fakeNotifier struct {
	mu  sync.Mutex
	ack []bool // answers in order; true when empty
	got []string
}

func (n *fakeNotifier) CheckURL(raw string) error {
	if raw == "http://10.0.0.1/notify" {
		return errors.New("must not point at the private address 10.0.0.1")
	}
	return nil
}

func (n *fakeNotifier) Format(p *entrypay.Payment, _ *entrypay.Merchant) ([]byte, error) {
	return json.Marshal(map[string]string{"paymentId": p.ID, "status": string(p.Status), "code": p.ResultCode})
}

func (n *fakeNotifier) FormatRegistration(r *entrypay.Registration, token string) ([]byte, error) {
	return json.Marshal(map[string]string{"registrationRequestId": r.RequestID, "status": string(r.Status), "agentToken": token})
}

func (n *fakeNotifier) Deliver(_ context.Context, _ *entrypay.Merchant, note *entrypay.Notification) entrypay.NotificationAttempt {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.got = append(n.got, string(note.Body))
	ok := true
	if len(n.ack) > 0 {
		ok, n.ack = n.ack[0], n.ack[1:]
	}
	att := entrypay.NotificationAttempt{At: time.Now(), Acknowledged: ok}
	if ok {
		att.HTTPStatus = 200
	} else {
		att.HTTPStatus, att.Error = 500, "HTTP 500"
	}
	return att
}

type env struct {
	gw       *entrypay.Gateway
	db       *testdb.DB
	wallet   *fakeWallet
	notifier *fakeNotifier
	clock    *clock
	merchant *entrypay.Merchant
	other    *entrypay.Merchant
}

func setup(t *testing.T, kind string) *env {
	t.Helper()
	return setupWith(t, kind, nil)
}

// setupWith is setup with changes to the gateway's Config.
func setupWith(t testing.TB, kind string, configure func(*entrypay.Config)) *env {
	t.Helper()
	e := &env{
		db:       testdb.Open(t, kind),
		wallet:   &fakeWallet{},
		notifier: &fakeNotifier{},
		clock:    &clock{t: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)},
	}
	detect := map[string]string{hkUA: "ALIPAY_HK", "AlipayConnect": "CONNECT_WALLET"}
	cfg := entrypay.Config{
		DB: e.db.Store, Live: e.wallet, Sandbox: e.wallet, Notifier: e.notifier, Now: e.clock.Now, FX: &fx.Engine{},
		DetectWallet: func(ua string) (string, bool) { w, ok := detect[ua]; return w, ok },
	}
	if configure != nil {
		configure(&cfg)
	}
	e.gw = entrypay.NewGateway(cfg)
	if err := e.gw.LoadRiskRules(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		r, err := e.gw.VerifyLedger(context.Background())
		if err != nil {
			t.Errorf("ledger verify: %v", err)
			return
		}
		for _, p := range r.Problems {
			t.Errorf("ledger: %s", p)
		}
	})
	ctx := context.Background()
	var err error
	for _, m := range []**entrypay.Merchant{&e.merchant, &e.other} {
		*m, err = e.gw.CreateMerchant(ctx, entrypay.NewMerchant{Name: "Noodle Bar", MCC: "5812", Region: "HK", SettlementCurrency: "HKD", Sandbox: true, PublicKey: "MIIB"})
		if err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func (e *env) payInput(id string, value int64) entrypay.PayInput {
	return entrypay.PayInput{
		RequestID: id, Amount: entrypay.Amount{Value: value, Currency: "HKD"},
		UserAgent: hkUA, NotifyURL: "https://merchant.example/notify",
		Store: entrypay.StoreRef{ReferenceID: "S1", Name: "Central"},
	}
}

func (e *env) pay(t *testing.T, id string, value int64) *entrypay.Payment {
	t.Helper()
	p, err := e.gw.Pay(context.Background(), e.merchant, e.payInput(id, value))
	if err != nil {
		t.Fatalf("Pay(%s): %v", id, err)
	}
	return p
}

// paid takes a payment and has the wallet report it paid.
func (e *env) paid(t *testing.T, id string, value int64) *entrypay.Payment {
	t.Helper()
	p := e.pay(t, id, value)
	if err := e.gw.ApplyWalletResult(context.Background(), entrypay.WalletResult{PaymentID: p.ID, Status: entrypay.PaymentSuccess, Amount: p.Amount, WalletType: "ALIPAY_HK"}); err != nil {
		t.Fatal(err)
	}
	return e.get(t, p.ID)
}

func (e *env) get(t *testing.T, id string) *entrypay.Payment {
	t.Helper()
	p, err := e.gw.PaymentByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (e *env) journal(t *testing.T, paymentID string) []*entrypay.JournalEntry {
	t.Helper()
	var out []*entrypay.JournalEntry
	err := e.db.Store.InTx(context.Background(), func(tx entrypay.Tx) error {
		var err error
		out, err = tx.JournalEntries(context.Background(), paymentID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// balances sums every posting of a payment's entries per account.
func (e *env) balances(t *testing.T, paymentID string) map[string]int64 {
	t.Helper()
	b := map[string]int64{}
	for _, je := range e.journal(t, paymentID) {
		if err := je.Check(); err != nil {
			t.Fatalf("unbalanced entry: %v", err)
		}
		for _, p := range je.Postings {
			b[p.Account] += p.Amount.Value
		}
	}
	for k, v := range b {
		if v == 0 {
			delete(b, k)
		}
	}
	return b
}

func wantCode(t *testing.T, err error, code entrypay.ErrorCode) {
	t.Helper()
	if got := entrypay.ErrorCodeOf(err); err == nil || got != code {
		t.Fatalf("error = %v (code %s), want %s", err, got, code)
	}
}

func forEachEngine(t *testing.T, f func(t *testing.T, e *env)) {
	for _, kind := range testdb.Engines() {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			f(t, setup(t, kind))
		})
	}
}

func TestPay(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		p := e.pay(t, "r1", 1250)
		if p.Status != entrypay.PaymentProcessing || p.CashierURL != "https://wallet.example/cashier/"+p.ID || p.Wallet != "ALIPAY_HK" {
			t.Fatalf("payment = %+v", p)
		}
		if !p.ExpiresAt.Equal(p.CreatedAt.Add(10 * time.Minute)) {
			t.Errorf("expiry %v, want created + 10 min", p.ExpiresAt)
		}
		if jobs := e.db.JobsOf(t, entrypay.JobWatchPayment); len(jobs) != 1 || jobs[0].Args["payment_id"] != p.ID {
			t.Fatalf("watch jobs = %+v", jobs)
		}

		// A replay answers the same payment without a second wallet call.
		again := e.pay(t, "r1", 1250)
		if again.ID != p.ID || again.CashierURL != p.CashierURL || e.wallet.pays != 1 {
			t.Fatalf("replay = %s (wallet calls %d)", again.ID, e.wallet.pays)
		}
		// The same id with another amount is refused.
		_, err := e.gw.Pay(ctx, e.merchant, e.payInput("r1", 1251))
		wantCode(t, err, entrypay.ERepeatInconsistent)
		// The same request id of another merchant is another payment.
		other, err := e.gw.Pay(ctx, e.other, e.payInput("r1", 999))
		if err != nil || other.ID == p.ID {
			t.Fatalf("other merchant's r1 = %v, %v", other, err)
		}
	})
}

func TestPayValidation(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		now := e.clock.Now()
		tests := []struct {
			name string
			edit func(in *entrypay.PayInput)
			code entrypay.ErrorCode
			msg  string
		}{
			{"plain browser", func(in *entrypay.PayInput) { in.UserAgent = "Mozilla/5.0 Chrome" }, entrypay.ENoPayOptions, "userAgent"},
			{"no user agent", func(in *entrypay.PayInput) { in.UserAgent = "" }, entrypay.EInvalid, "order.env.userAgent"},
			{"expiry past", func(in *entrypay.PayInput) { in.ExpiresAt = now.Add(-time.Second) }, entrypay.EInvalid, "paymentExpiryTime"},
			{"expiry too far", func(in *entrypay.PayInput) { in.ExpiresAt = now.Add(31 * time.Minute) }, entrypay.EInvalid, "paymentExpiryTime"},
			{"no notify URL", func(in *entrypay.PayInput) { in.NotifyURL = "" }, entrypay.EInvalid, "paymentNotifyUrl"},
			{"ftp notify URL", func(in *entrypay.PayInput) { in.NotifyURL = "ftp://x/y" }, entrypay.EInvalid, "paymentNotifyUrl"},
			{"private notify URL", func(in *entrypay.PayInput) { in.NotifyURL = "http://10.0.0.1/notify" }, entrypay.EInvalid, "private"},
			{"bad redirect", func(in *entrypay.PayInput) { in.RedirectURL = "javascript:alert(1)" }, entrypay.EInvalid, "paymentRedirectUrl"},
			{"IDR not 00", func(in *entrypay.PayInput) { in.Amount = entrypay.Amount{Value: 150050, Currency: "IDR"} }, entrypay.EInvalid, "IDR"},
			{"no request id", func(in *entrypay.PayInput) { in.RequestID = "" }, entrypay.EInvalid, "paymentRequestId"},
			{"bad settlement currency", func(in *entrypay.PayInput) { in.SettlementCurrency = "XXY" }, entrypay.EInvalid, "settlementCurrency"},
		}
		for i, tt := range tests {
			in := e.payInput(fmt.Sprintf("v%d", i), 100)
			tt.edit(&in)
			_, err := e.gw.Pay(ctx, e.merchant, in)
			wantCode(t, err, tt.code)
			if msg := entrypay.ErrorMessage(err); !contains(msg, tt.msg) {
				t.Errorf("%s: message %q does not name %q", tt.name, msg, tt.msg)
			}
		}
		if e.wallet.pays != 0 {
			t.Fatalf("refused requests reached the wallet side %d times", e.wallet.pays)
		}
		// Nothing was written for a refused request.
		for i := range tests {
			_, _, err := e.gw.Payment(ctx, e.merchant, entrypay.PaymentRef{RequestID: fmt.Sprintf("v%d", i)})
			wantCode(t, err, entrypay.ENotFound)
		}
		// 30 minutes exactly is allowed, and the merchant's default notify URL is used.
		in := e.payInput("edge", 100)
		in.ExpiresAt, in.NotifyURL = now.Add(30*time.Minute), ""
		e.merchant.NotifyURL = "https://merchant.example/default"
		p, err := e.gw.Pay(ctx, e.merchant, in)
		if err != nil || p.NotifyURL != "https://merchant.example/default" {
			t.Fatalf("edge = %+v, %v", p, err)
		}
	})
}

func TestPayConcurrentDuplicates(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		const n = 12
		ids := make(chan string, n)
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				p, err := e.gw.Pay(context.Background(), e.merchant, e.payInput("dup", 500))
				if err != nil {
					t.Errorf("Pay: %v", err)
					return
				}
				ids <- p.ID + " " + p.CashierURL
			})
		}
		wg.Wait()
		close(ids)
		seen := map[string]bool{}
		for id := range ids {
			seen[id] = true
		}
		if len(seen) != 1 {
			t.Fatalf("concurrent duplicates gave %d different answers: %v", len(seen), seen)
		}
		var count int
		if err := e.db.SQL.QueryRow("SELECT count(*) FROM payments").Scan(&count); err != nil || count != 1 {
			t.Fatalf("payments rows = %d, %v", count, err)
		}
	})
}

func TestPayWalletFailures(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		// No answer: the payment stays PROCESSING and the merchant is told to retry.
		e.wallet.set(func(w *fakeWallet) { w.payErr = errNoAnswer })
		p, err := e.gw.Pay(ctx, e.merchant, e.payInput("u1", 700))
		wantCode(t, err, entrypay.EUnknown)
		if p == nil || p.Status != entrypay.PaymentProcessing || p.CashierURL != "" {
			t.Fatalf("after no answer: %+v", p)
		}
		// The retry completes it.
		e.wallet.set(func(w *fakeWallet) { w.payErr = nil })
		p2 := e.pay(t, "u1", 700)
		if p2.ID != p.ID || p2.CashierURL == "" {
			t.Fatalf("retry = %+v", p2)
		}

		// A definite refusal fails the payment with the wallet's code, and a replay says so again.
		e.wallet.set(func(w *fakeWallet) { w.payErr = entrypay.Errorf("USER_AMOUNT_EXCEED_LIMIT", "over the limit") })
		_, err = e.gw.Pay(ctx, e.merchant, e.payInput("f1", 900))
		wantCode(t, err, "USER_AMOUNT_EXCEED_LIMIT")
		calls := e.wallet.pays
		_, err = e.gw.Pay(ctx, e.merchant, e.payInput("f1", 900))
		wantCode(t, err, "USER_AMOUNT_EXCEED_LIMIT")
		if e.wallet.pays != calls {
			t.Fatal("replay of a refused payment called the wallet side again")
		}
		p3, _, err := e.gw.Payment(ctx, e.merchant, entrypay.PaymentRef{RequestID: "f1"})
		if err != nil || p3.Status != entrypay.PaymentFail || p3.ResultCode != "USER_AMOUNT_EXCEED_LIMIT" {
			t.Fatalf("refused payment = %+v, %v", p3, err)
		}
	})
}

func TestWalletResult(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		p := e.pay(t, "ok", 1250)
		res := entrypay.WalletResult{
			PaymentID: p.ID, Status: entrypay.PaymentSuccess, Amount: p.Amount, WalletType: "ALIPAY_HK",
			CustomerAmount: entrypay.Amount{Value: 1130, Currency: "CNY"},
			Quote:          &entrypay.Quote{ID: "q1", Pair: "HKD/CNY", Price: "0.90400000", Guaranteed: true},
		}
		for range 3 { // repeats are harmless
			if err := e.gw.ApplyWalletResult(ctx, res); err != nil {
				t.Fatal(err)
			}
		}
		got := e.get(t, p.ID)
		if got.Status != entrypay.PaymentSuccess || got.PaidAt.IsZero() || got.CustomerAmount.Value != 1130 || got.PaymentQuote == nil {
			t.Fatalf("paid payment = %+v", got)
		}
		if b := e.balances(t, p.ID); len(b) != 2 || b["wallet_receivable:SANDBOX"] != 1250 || b["merchant_payable:"+e.merchant.ID] != -1250 {
			t.Fatalf("balances = %v", b)
		}
		if n := len(e.journal(t, p.ID)); n != 1 {
			t.Fatalf("%d journal entries, want 1", n)
		}
		if jobs := e.db.JobsOf(t, entrypay.JobNotifyMerchant); len(jobs) != 1 || jobs[0].MaxAttempts != 8 {
			t.Fatalf("notify jobs = %+v", jobs)
		}
		// A contradicting FAIL afterwards changes nothing.
		if err := e.gw.ApplyWalletResult(ctx, entrypay.WalletResult{PaymentID: p.ID, Status: entrypay.PaymentFail, ResultCode: "RISK_REJECT"}); err != nil {
			t.Fatal(err)
		}
		if got := e.get(t, p.ID); got.Status != entrypay.PaymentSuccess {
			t.Fatalf("status became %s", got.Status)
		}

		// A failure is recorded with its code and notified too.
		f := e.pay(t, "fail", 300)
		if err := e.gw.ApplyWalletResult(ctx, entrypay.WalletResult{PaymentID: f.ID, Status: entrypay.PaymentFail, ResultCode: "USER_BALANCE_NOT_ENOUGH", ResultMessage: "balance"}); err != nil {
			t.Fatal(err)
		}
		if got := e.get(t, f.ID); got.Status != entrypay.PaymentFail || got.ResultCode != "USER_BALANCE_NOT_ENOUGH" || len(e.journal(t, f.ID)) != 0 {
			t.Fatalf("failed payment = %+v", got)
		}
		if n := len(e.db.JobsOf(t, entrypay.JobNotifyMerchant)); n != 2 {
			t.Fatalf("%d notify jobs, want 2", n)
		}

		// A result for another amount is never applied.
		m := e.pay(t, "mismatch", 500)
		if err := e.gw.ApplyWalletResult(ctx, entrypay.WalletResult{PaymentID: m.ID, Status: entrypay.PaymentSuccess, Amount: entrypay.Amount{Value: 5, Currency: "HKD"}}); err != nil {
			t.Fatal(err)
		}
		if got := e.get(t, m.ID); got.Status != entrypay.PaymentProcessing {
			t.Fatalf("mismatched result applied: %s", got.Status)
		}
		// A result for an unknown payment is an ENotFound.
		wantCode(t, e.gw.ApplyWalletResult(ctx, entrypay.WalletResult{PaymentID: "pay_nope", Status: entrypay.PaymentSuccess}), entrypay.ENotFound)
	})
}

func TestWatchPayment(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		p := e.pay(t, "w", 800)
		// Still processing: watch again later, never after expiry.
		wait, err := e.gw.WatchPayment(ctx, p.ID)
		if err != nil || wait <= 0 || wait > time.Minute {
			t.Fatalf("WatchPayment = %v, %v", wait, err)
		}
		e.clock.Advance(9*time.Minute + 50*time.Second)
		if wait, _ := e.gw.WatchPayment(ctx, p.ID); wait > 10*time.Second {
			t.Fatalf("wait %v runs past the expiry", wait)
		}
		// Paid but not notified: the inquiry finds it.
		e.wallet.set(func(w *fakeWallet) {
			w.inquiry = entrypay.WalletResult{Status: entrypay.PaymentSuccess, Amount: p.Amount}
		})
		if wait, err := e.gw.WatchPayment(ctx, p.ID); err != nil || wait != 0 {
			t.Fatalf("WatchPayment after success = %v, %v", wait, err)
		}
		if got := e.get(t, p.ID); got.Status != entrypay.PaymentSuccess {
			t.Fatalf("status %s, want SUCCESS", got.Status)
		}

		// Never paid: at expiry it is cancelled on the wallet side and closed.
		e.wallet.set(func(w *fakeWallet) { w.inquiry = entrypay.WalletResult{} })
		q := e.pay(t, "expire", 800)
		e.clock.Advance(11 * time.Minute)
		e.wallet.set(func(w *fakeWallet) { w.cancelErr = errNoAnswer })
		if wait, err := e.gw.WatchPayment(ctx, q.ID); err != nil || wait == 0 {
			t.Fatalf("WatchPayment with a silent wallet = %v, %v; want a retry", wait, err)
		}
		if got := e.get(t, q.ID); got.Status != entrypay.PaymentProcessing {
			t.Fatalf("closed without the wallet's cancel: %s", got.Status)
		}
		e.wallet.set(func(w *fakeWallet) { w.cancelErr = nil })
		if wait, err := e.gw.WatchPayment(ctx, q.ID); err != nil || wait != 0 {
			t.Fatalf("WatchPayment at expiry = %v, %v", wait, err)
		}
		got := e.get(t, q.ID)
		if got.Status != entrypay.PaymentFail || got.ResultCode != string(entrypay.EOrderClosed) {
			t.Fatalf("expired payment = %s %s", got.Status, got.ResultCode)
		}
		// A replay of its pay now says it is closed.
		_, err = e.gw.Pay(ctx, e.merchant, e.payInput("expire", 800))
		wantCode(t, err, entrypay.EOrderClosed)

		// A success that arrives after the close goes back to the customer.
		if err := e.gw.ApplyWalletResult(ctx, entrypay.WalletResult{PaymentID: q.ID, Status: entrypay.PaymentSuccess, Amount: q.Amount}); err != nil {
			t.Fatal(err)
		}
		if got := e.get(t, q.ID); got.Status != entrypay.PaymentFail || got.LateSuccess != entrypay.LateSuccessReversing {
			t.Fatalf("late success: %s %q", got.Status, got.LateSuccess)
		}
		if jobs := e.db.JobsOf(t, entrypay.JobReverseLateSuccess); len(jobs) != 1 {
			t.Fatalf("reverse jobs = %v", jobs)
		}
		cancels := e.wallet.cancels
		if err := e.gw.ReverseLateSuccess(ctx, q.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.gw.ReverseLateSuccess(ctx, q.ID); err != nil || e.wallet.cancels != cancels+1 {
			t.Fatalf("second reversal: %v, wallet cancels %d", err, e.wallet.cancels-cancels)
		}
		if got := e.get(t, q.ID); got.LateSuccess != entrypay.LateSuccessReversed {
			t.Fatalf("late success state %q", got.LateSuccess)
		}
		if b := e.balances(t, q.ID); len(b) != 0 {
			t.Fatalf("late success left money behind: %v", b)
		}
	})
}

func TestRefund(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		p := e.paid(t, "p", 1000)
		refund := func(id string, v int64) (*entrypay.Refund, error) {
			return e.gw.Refund(ctx, e.merchant, entrypay.RefundInput{RequestID: id, PaymentID: p.ID, Amount: entrypay.Amount{Value: v, Currency: "HKD"}})
		}
		r1, err := refund("r1", 300)
		if err != nil || r1.Status != entrypay.RefundSuccess || r1.RefundedAt.IsZero() {
			t.Fatalf("r1 = %+v, %v", r1, err)
		}
		if _, err := refund("r2", 700); err != nil {
			t.Fatal(err)
		}
		_, err = refund("r3", 1)
		wantCode(t, err, entrypay.ERefundAmountExceed)
		// Replays answer the first result; a changed amount is inconsistent.
		again, err := refund("r1", 300)
		if err != nil || again.ID != r1.ID || len(e.wallet.refunds) != 2 {
			t.Fatalf("replay = %+v, %v (wallet refunds %d)", again, err, len(e.wallet.refunds))
		}
		_, err = refund("r1", 301)
		wantCode(t, err, entrypay.ERepeatInconsistent)
		if b := e.balances(t, p.ID); len(b) != 0 {
			t.Fatalf("fully refunded payment leaves balances %v", b)
		}
		_, err = e.gw.Refund(ctx, e.merchant, entrypay.RefundInput{RequestID: "r4", PaymentID: p.ID, Amount: entrypay.Amount{Value: 1, Currency: "USD"}})
		wantCode(t, err, entrypay.ECurrencyNotSupported)

		// Only successful payments, only inside the window, only the merchant's own.
		open := e.pay(t, "open", 100)
		_, err = e.gw.Refund(ctx, e.merchant, entrypay.RefundInput{RequestID: "x1", PaymentID: open.ID, Amount: entrypay.Amount{Value: 1, Currency: "HKD"}})
		wantCode(t, err, entrypay.EStatusInvalid)
		old := e.paid(t, "old", 100)
		_, err = e.gw.Refund(ctx, e.other, entrypay.RefundInput{RequestID: "x2", PaymentID: old.ID, Amount: entrypay.Amount{Value: 1, Currency: "HKD"}})
		wantCode(t, err, entrypay.ENotFound)
		e.clock.Advance(366 * 24 * time.Hour)
		_, err = e.gw.Refund(ctx, e.merchant, entrypay.RefundInput{RequestID: "x3", PaymentID: old.ID, Amount: entrypay.Amount{Value: 1, Currency: "HKD"}})
		wantCode(t, err, entrypay.ERefundWindowExceed)

		// inquiryRefund by either id; never another merchant's.
		got, err := e.gw.RefundOf(ctx, e.merchant, entrypay.RefundRef{RequestID: "r1"})
		if err != nil || got.ID != r1.ID {
			t.Fatalf("RefundOf = %v, %v", got, err)
		}
		_, err = e.gw.RefundOf(ctx, e.other, entrypay.RefundRef{ID: r1.ID})
		wantCode(t, err, entrypay.ENotFound)
	})
}

func TestRefundConcurrent(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		p := e.paid(t, "p", 1000)
		const n = 10 // each asks for 300: only three fit
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[entrypay.ErrorCode]int{}
		for i := range n {
			wg.Go(func() {
				_, err := e.gw.Refund(context.Background(), e.merchant, entrypay.RefundInput{RequestID: fmt.Sprintf("c%d", i), PaymentID: p.ID, Amount: entrypay.Amount{Value: 300, Currency: "HKD"}})
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					codes["SUCCESS"]++
				} else {
					codes[entrypay.ErrorCodeOf(err)]++
				}
			})
		}
		wg.Wait()
		if codes["SUCCESS"] != 3 || codes[entrypay.ERefundAmountExceed] != n-3 {
			t.Fatalf("outcomes %v, want 3 SUCCESS and %d REFUND_AMOUNT_EXCEED", codes, n-3)
		}
		if b := e.balances(t, p.ID); b["merchant_payable:"+e.merchant.ID] != -100 {
			t.Fatalf("balances after refunds: %v", b)
		}
	})
}

// TestRefundConcurrentDuplicates sends one refund request many times at once, for more
// than half the payment: each is a repeat of the first, never a second refund that would
// exceed what was paid.
func TestRefundConcurrentDuplicates(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		p := e.paid(t, "p", 1000)
		const n = 12
		// Open the pool's connections first, so that the requests really overlap.
		var warm sync.WaitGroup
		for range n {
			warm.Go(func() { _, _ = e.db.SQL.Exec("SELECT 1") })
		}
		warm.Wait()
		ids := make(chan string, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				<-start
				r, err := e.gw.Refund(context.Background(), e.merchant, entrypay.RefundInput{RequestID: "dup", PaymentID: p.ID, Amount: entrypay.Amount{Value: 600, Currency: "HKD"}})
				if err != nil {
					t.Errorf("Refund: %v", err)
					return
				}
				ids <- r.ID
			})
		}
		close(start)
		wg.Wait()
		close(ids)
		seen := map[string]bool{}
		for id := range ids {
			seen[id] = true
		}
		if len(seen) != 1 {
			t.Fatalf("concurrent duplicates gave %d different refunds: %v", len(seen), seen)
		}
		var count int
		if err := e.db.SQL.QueryRow("SELECT count(*) FROM refunds").Scan(&count); err != nil || count != 1 {
			t.Fatalf("refunds rows = %d, %v", count, err)
		}
	})
}

func TestRefundUnknownOutcome(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		p := e.paid(t, "p", 1000)
		e.wallet.set(func(w *fakeWallet) { w.refundErr = errNoAnswer })
		in := entrypay.RefundInput{RequestID: "u", PaymentID: p.ID, Amount: entrypay.Amount{Value: 400, Currency: "HKD"}}
		r, err := e.gw.Refund(ctx, e.merchant, in)
		wantCode(t, err, entrypay.EUnknown)
		if r.Status != entrypay.RefundProcessing {
			t.Fatalf("refund %s, want PROCESSING", r.Status)
		}
		if jobs := e.db.JobsOf(t, entrypay.JobRetryRefund); len(jobs) != 1 || jobs[0].Args["refund_id"] != r.ID {
			t.Fatalf("retry jobs = %+v", jobs)
		}
		// While in process it still counts against the paid amount.
		_, err = e.gw.Refund(ctx, e.merchant, entrypay.RefundInput{RequestID: "v", PaymentID: p.ID, Amount: entrypay.Amount{Value: 700, Currency: "HKD"}})
		wantCode(t, err, entrypay.ERefundAmountExceed)
		if wait, err := e.gw.RetryRefund(ctx, r.ID); err != nil || wait == 0 {
			t.Fatalf("RetryRefund with a silent wallet = %v, %v", wait, err)
		}
		e.wallet.set(func(w *fakeWallet) { w.refundErr = nil })
		if wait, err := e.gw.RetryRefund(ctx, r.ID); err != nil || wait != 0 {
			t.Fatalf("RetryRefund = %v, %v", wait, err)
		}
		got, err := e.gw.RefundOf(ctx, e.merchant, entrypay.RefundRef{ID: r.ID})
		if err != nil || got.Status != entrypay.RefundSuccess {
			t.Fatalf("refund after retry = %+v, %v", got, err)
		}
		// A refusal fails it and frees the amount.
		e.wallet.set(func(w *fakeWallet) { w.refundErr = entrypay.Errorf("MERCHANT_BALANCE_NOT_ENOUGH", "no funds") })
		_, err = e.gw.Refund(ctx, e.merchant, entrypay.RefundInput{RequestID: "w", PaymentID: p.ID, Amount: entrypay.Amount{Value: 600, Currency: "HKD"}})
		wantCode(t, err, "MERCHANT_BALANCE_NOT_ENOUGH")
		e.wallet.set(func(w *fakeWallet) { w.refundErr = nil })
		if _, err := e.gw.Refund(ctx, e.merchant, entrypay.RefundInput{RequestID: "x", PaymentID: p.ID, Amount: entrypay.Amount{Value: 600, Currency: "HKD"}}); err != nil {
			t.Fatalf("refund after a failed one: %v", err)
		}
	})
}

func TestCancel(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		// Unpaid: closed.
		open := e.pay(t, "open", 100)
		c, err := e.gw.Cancel(ctx, e.merchant, entrypay.PaymentRef{RequestID: "open"})
		if err != nil || c.Status != entrypay.PaymentCancelled || c.CancelledAt.IsZero() {
			t.Fatalf("cancel unpaid = %+v, %v", c, err)
		}
		again, err := e.gw.Cancel(ctx, e.merchant, entrypay.PaymentRef{ID: open.ID})
		if err != nil || !again.CancelledAt.Equal(c.CancelledAt) {
			t.Fatalf("repeat cancel = %+v, %v", again, err)
		}
		_, err = e.gw.Pay(ctx, e.merchant, e.payInput("open", 100))
		wantCode(t, err, entrypay.EOrderCanceled)
		_, err = e.gw.Refund(ctx, e.merchant, entrypay.RefundInput{RequestID: "r", PaymentID: open.ID, Amount: entrypay.Amount{Value: 1, Currency: "HKD"}})
		wantCode(t, err, entrypay.EOrderCanceled)

		// Paid, inside the window: reversed, and the books say so.
		p := e.paid(t, "paid", 500)
		if _, err := e.gw.Cancel(ctx, e.merchant, entrypay.PaymentRef{ID: p.ID}); err != nil {
			t.Fatal(err)
		}
		if b := e.balances(t, p.ID); len(b) != 0 {
			t.Fatalf("reversed payment leaves %v", b)
		}

		// Outside the window, or with refunds, or failed: refused.
		late := e.paid(t, "late", 500)
		withRefund := e.paid(t, "wr", 500)
		if _, err := e.gw.Refund(ctx, e.merchant, entrypay.RefundInput{RequestID: "wr1", PaymentID: withRefund.ID, Amount: entrypay.Amount{Value: 1, Currency: "HKD"}}); err != nil {
			t.Fatal(err)
		}
		_, err = e.gw.Cancel(ctx, e.merchant, entrypay.PaymentRef{ID: withRefund.ID})
		wantCode(t, err, entrypay.EStatusInvalid)
		e.clock.Advance(25 * time.Hour)
		_, err = e.gw.Cancel(ctx, e.merchant, entrypay.PaymentRef{ID: late.ID})
		wantCode(t, err, entrypay.ECancelWindowExceed)

		// Another merchant's payment does not exist for this one.
		_, err = e.gw.Cancel(ctx, e.other, entrypay.PaymentRef{ID: late.ID})
		wantCode(t, err, entrypay.ENotFound)

		// The wallet side's silence or refusal leaves the payment as it was.
		q := e.pay(t, "q", 100)
		e.wallet.set(func(w *fakeWallet) { w.cancelErr = errNoAnswer })
		_, err = e.gw.Cancel(ctx, e.merchant, entrypay.PaymentRef{ID: q.ID})
		wantCode(t, err, entrypay.EUnknown)
		e.wallet.set(func(w *fakeWallet) { w.cancelErr = entrypay.Errorf(entrypay.ECancelWindowExceed, "too late") })
		_, err = e.gw.Cancel(ctx, e.merchant, entrypay.PaymentRef{ID: q.ID})
		wantCode(t, err, entrypay.ECancelWindowExceed)
		if got := e.get(t, q.ID); got.Status != entrypay.PaymentProcessing {
			t.Fatalf("status %s after a refused cancel", got.Status)
		}
	})
}

func TestDeliverNotification(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		p := e.paid(t, "n", 100)
		var nID string
		err := e.db.Store.InTx(ctx, func(tx entrypay.Tx) error {
			ns, err := tx.NotificationsOfPayment(ctx, p.ID)
			if err == nil && len(ns) == 1 {
				nID = ns[0].ID
			}
			return err
		})
		if err != nil || nID == "" {
			t.Fatalf("notification: %q, %v", nID, err)
		}
		e.notifier.ack = []bool{false, false, true}
		for i, wantErr := range []bool{true, true, false} {
			err := e.gw.DeliverNotification(ctx, nID, false)
			if (err != nil) != wantErr {
				t.Fatalf("attempt %d: err %v", i+1, err)
			}
		}
		// Delivered: further runs send nothing.
		if err := e.gw.DeliverNotification(ctx, nID, false); err != nil || len(e.notifier.got) != 3 {
			t.Fatalf("after delivery: %v, %d sends", err, len(e.notifier.got))
		}
		var n *entrypay.Notification
		var attempts []*entrypay.NotificationAttempt
		_ = e.db.Store.InTx(ctx, func(tx entrypay.Tx) error {
			n, _ = tx.Notification(ctx, nID, false)
			attempts, _ = tx.NotificationAttempts(ctx, nID)
			return nil
		})
		if n.Status != entrypay.NotificationDelivered || n.Attempts != 3 || len(attempts) != 3 || attempts[2].Attempt != 3 || !attempts[2].Acknowledged || attempts[0].HTTPStatus != 500 {
			t.Fatalf("notification %+v, attempts %+v", n, attempts)
		}
		// Every attempt sent the same bytes.
		if e.notifier.got[0] != e.notifier.got[2] {
			t.Fatal("attempts sent different bodies")
		}

		// The last scheduled attempt that fails marks it FAILED.
		f := e.paid(t, "nf", 100)
		_ = e.db.Store.InTx(ctx, func(tx entrypay.Tx) error {
			ns, _ := tx.NotificationsOfPayment(ctx, f.ID)
			nID = ns[0].ID
			return nil
		})
		e.notifier.ack = []bool{false}
		if err := e.gw.DeliverNotification(ctx, nID, true); err == nil {
			t.Fatal("unacknowledged attempt reported success")
		}
		_ = e.db.Store.InTx(ctx, func(tx entrypay.Tx) error {
			n, _ = tx.Notification(ctx, nID, false)
			return nil
		})
		if n.Status != entrypay.NotificationFailed {
			t.Fatalf("status %s, want FAILED", n.Status)
		}
	})
}

// TestCancelAnswerLost: the merchant's cancel reaches the wallet side but the answer is
// lost; the watch job then learns by inquiry that the wallet side closed the payment. The
// payment is cancelled, not failed, and the merchant's cancel, resent with the same
// parameters as the API says, succeeds. A payment closed on the wallet side without a
// cancel from the merchant still fails.
func TestCancelAnswerLost(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		p := e.pay(t, "lost", 100)
		e.wallet.set(func(w *fakeWallet) { w.cancelErr = errNoAnswer })
		_, err := e.gw.Cancel(ctx, e.merchant, entrypay.PaymentRef{RequestID: "lost"})
		wantCode(t, err, entrypay.EUnknown)
		closed := entrypay.WalletResult{PaymentID: p.ID, Status: entrypay.PaymentFail, ResultCode: "ORDER_IS_CLOSED", ResultMessage: "cancelled by the acquirer"}
		if err := e.gw.ApplyWalletResult(ctx, closed); err != nil {
			t.Fatal(err)
		}
		e.wallet.set(func(w *fakeWallet) { w.cancelErr = nil })
		c, err := e.gw.Cancel(ctx, e.merchant, entrypay.PaymentRef{RequestID: "lost"})
		if err != nil || c.Status != entrypay.PaymentCancelled || c.ResultCode != string(entrypay.EOrderCanceled) {
			t.Fatalf("resent cancel = %+v, %v; want CANCELLED", c, err)
		}

		other := e.pay(t, "closed", 100)
		closed.PaymentID = other.ID
		if err := e.gw.ApplyWalletResult(ctx, closed); err != nil {
			t.Fatal(err)
		}
		got, err := e.gw.PaymentByID(ctx, other.ID)
		if err != nil || got.Status != entrypay.PaymentFail || got.ResultCode != "ORDER_IS_CLOSED" {
			t.Fatalf("closed without a cancel = %+v, %v; want FAIL ORDER_IS_CLOSED", got, err)
		}
	})
}

func TestPaymentIsolation(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		p := e.pay(t, "mine", 100)
		for _, ref := range []entrypay.PaymentRef{{ID: p.ID}, {RequestID: "mine"}} {
			_, _, err := e.gw.Payment(ctx, e.other, ref)
			wantCode(t, err, entrypay.ENotFound)
		}
		got, _, err := e.gw.Payment(ctx, e.merchant, entrypay.PaymentRef{RequestID: "mine"})
		if err != nil || got.ID != p.ID {
			t.Fatalf("own payment: %v, %v", got, err)
		}
	})
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// TestExpiryRefusedCancel: at expiry the wallet side refuses to cancel because the
// customer paid at the last moment; the payment becomes SUCCESS, not closed.
func TestExpiryRefusedCancel(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		p := e.pay(t, "last-moment", 600)
		e.clock.Advance(11 * time.Minute)
		e.wallet.set(func(w *fakeWallet) {
			w.cancelErr = entrypay.Errorf(entrypay.EStatusInvalid, "paid")
			w.inquiryErr = nil
		})
		// The first inquiry of the watch still says PROCESSING; the one after the refused
		// cancel says SUCCESS.
		calls := 0
		e.wallet.set(func(w *fakeWallet) { w.inquiry = entrypay.WalletResult{Status: entrypay.PaymentProcessing} })
		e.wallet.set(func(w *fakeWallet) {
			w.afterCancel = func() { w.inquiry = entrypay.WalletResult{Status: entrypay.PaymentSuccess, Amount: p.Amount}; calls++ }
		})
		if wait, err := e.gw.WatchPayment(ctx, p.ID); err != nil || wait != 0 {
			t.Fatalf("WatchPayment = %v, %v", wait, err)
		}
		if got := e.get(t, p.ID); got.Status != entrypay.PaymentSuccess || calls != 1 {
			t.Fatalf("status %s (cancel calls %d), want SUCCESS", got.Status, calls)
		}
	})
}
