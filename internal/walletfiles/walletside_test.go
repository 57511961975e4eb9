package walletfiles_test

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entrypay/entrypay/internal/alipayplus"
	"github.com/entrypay/entrypay/internal/antomsig"
	"github.com/entrypay/entrypay/internal/jsonwire"
	"github.com/entrypay/entrypay/internal/sandbox"
	"github.com/entrypay/entrypay/internal/wallets"
)

// The wallet side of these tests is entrypay's sandbox, driven through its signed API as
// the Alipay+ connector drives it, so that the parser reads what the sandbox really writes.

const (
	acquirerID = "SANDBOX_ACQ_1" // an underscore in the participantId, as the sandbox's test clients have
	// oddWalletName needs CSV quoting.
	oddWalletName = `Touch 'n Go, "eWallet"`
	tngUA         = "Mozilla/5.0 (iPhone) TouchNGo/1.0 AlipayConnect"
	gcashUA       = "Mozilla/5.0 (Linux; Android 14) GCash/5.80.0 AlipayConnect"
)

var (
	keysOnce           sync.Once
	sandboxKey, acqKey *rsa.PrivateKey
	keysErr1, keysErr2 error
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

type walletSide struct {
	t     *testing.T
	sb    *sandbox.Sandbox
	api   *antomsig.Caller
	clock *clock
}

func newWalletSide(t *testing.T) *walletSide {
	t.Helper()
	keysOnce.Do(func() {
		sandboxKey, keysErr1 = antomsig.GenerateKey()
		acqKey, keysErr2 = antomsig.GenerateKey()
	})
	if keysErr1 != nil || keysErr2 != nil {
		t.Fatal(keysErr1, keysErr2)
	}
	table := wallets.Builtin()
	for i := range table.Wallets {
		if table.Wallets[i].Code == "TNG" {
			table.Wallets[i].Name = oddWalletName
		}
	}
	w := &walletSide{t: t, clock: &clock{now: time.Date(2026, 3, 14, 10, 0, 0, 0, time.FixedZone("UTC+8", 8*3600))}}
	srv := httptest.NewUnstartedServer(nil)
	w.sb = sandbox.New(sandbox.Config{
		BasePath:  "/sandbox",
		PublicURL: "http://" + srv.Listener.Addr().String(),
		Key:       sandboxKey,
		Acquirers: func(_ context.Context, clientID string, _ int) (*rsa.PublicKey, error) {
			return &acqKey.PublicKey, nil
		},
		Now:     w.clock.Now,
		Wallets: table,
	})
	mux := http.NewServeMux()
	mux.Handle("/sandbox/", w.sb.Handler())
	srv.Config.Handler = mux
	srv.Start()
	t.Cleanup(srv.Close)
	t.Cleanup(func() { _ = w.sb.Close() })
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{}}
	t.Cleanup(client.CloseIdleConnections)
	w.api = &antomsig.Caller{
		HTTP:     client,
		BaseURL:  srv.URL + "/sandbox",
		ClientID: acquirerID,
		Signer:   antomsig.Signer{Key: acqKey, KeyVersion: 1},
		PeerKey:  &sandboxKey.PublicKey,
	}
	return w
}

// at sets the clock to hh:mm:ss on a day of March 2026, UTC+8.
func (w *walletSide) at(day, hh, mm, ss int) {
	w.clock.Set(time.Date(2026, 3, day, hh, mm, ss, 0, time.FixedZone("UTC+8", 8*3600)))
}

func (w *walletSide) call(path string, req, resp any) {
	w.t.Helper()
	body, err := json.Marshal(req)
	if err != nil {
		w.t.Fatal(err)
	}
	ans, err := w.api.Post(context.Background(), path, body)
	if err != nil {
		w.t.Fatalf("POST %s: %v", path, err)
	}
	if err := json.Unmarshal(ans.Body, resp); err != nil {
		w.t.Fatalf("POST %s: %s: %v", path, ans.Body, err)
	}
}

// paid creates a payment and has the customer pay it; the notify URL is never called, as
// the outcome is NO_NOTIFY.
func (w *walletSide) paid(id, currency, value, ua string) alipayplus.PayResponse {
	w.t.Helper()
	amt := alipayplus.Amount{Currency: currency, Value: jsonwire.String(value)}
	var resp alipayplus.PayResponse
	w.call(alipayplus.PathPay, alipayplus.PayRequest{
		PaymentRequestID: id,
		PaymentAmount:    amt,
		PaymentMethod:    alipayplus.PaymentMethod{PaymentMethodType: "CONNECT_WALLET"},
		PaymentFactor:    alipayplus.PaymentFactor{IsInStorePayment: "true", InStorePaymentScenario: "EntryCode"},
		PaymentNotifyURL: "http://127.0.0.1:9/notify",
		Order: alipayplus.Order{
			OrderDescription: "test",
			OrderAmount:      amt,
			Merchant:         &alipayplus.Merchant{ReferenceMerchantID: "M1", MerchantName: "Shop", Store: &alipayplus.Store{ReferenceStoreID: "S1", StoreName: "Main"}},
			Env:              &alipayplus.Env{UserAgent: ua},
		},
	}, &resp)
	if resp.Result.ResultStatus != "S" {
		w.t.Fatalf("pay %s: %+v", id, resp.Result)
	}
	token := resp.PaymentURL[strings.LastIndex(resp.PaymentURL, "/")+1:]
	fin, err := w.sb.Finish(context.Background(), token, sandbox.OutcomeNoNotify)
	if err != nil || fin.PaymentStatus != "SUCCESS" {
		w.t.Fatalf("finish %s: %+v %v", id, fin, err)
	}
	return resp
}

func (w *walletSide) refund(id, paymentRequestID, currency, value string) alipayplus.RefundResponse {
	w.t.Helper()
	var resp alipayplus.RefundResponse
	w.call(alipayplus.PathRefund, alipayplus.RefundRequest{
		RefundRequestID:  id,
		PaymentRequestID: paymentRequestID,
		RefundAmount:     alipayplus.Amount{Currency: currency, Value: jsonwire.String(value)},
	}, &resp)
	if resp.Result.ResultStatus != "S" {
		w.t.Fatalf("refund %s: %+v", id, resp.Result)
	}
	return resp
}

func (w *walletSide) cancel(paymentRequestID string) {
	w.t.Helper()
	var resp alipayplus.CancelPaymentResponse
	w.call(alipayplus.PathCancelPayment, alipayplus.CancelPaymentRequest{PaymentRequestID: paymentRequestID}, &resp)
	if resp.Result.ResultStatus != "S" {
		w.t.Fatalf("cancel %s: %+v", paymentRequestID, resp.Result)
	}
}
