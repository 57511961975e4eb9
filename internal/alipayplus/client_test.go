package alipayplus_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/alipayplus"
	"github.com/entrypay/entrypay/internal/jsonwire"
	"github.com/entrypay/entrypay/internal/sandbox"
)

func TestPay(t *testing.T) {
	e := setup(t)
	p := newPayment("pay_test1")
	wp := e.pay(p)

	if !strings.HasPrefix(wp.CashierURL, e.srv.URL+"/sandbox/cashier/") {
		t.Errorf("CashierURL = %q, want one under %s/sandbox/cashier/", wp.CashierURL, e.srv.URL)
	}
	if wp.WalletPaymentID == "" || wp.PspID != hkPspID || wp.WalletBrand != "AlipayHK" {
		t.Errorf("WalletPayment = %+v", wp)
	}
	st, ok := e.sb.Payment(wp.WalletPaymentID)
	if !ok {
		t.Fatalf("the sandbox has no payment %s", wp.WalletPaymentID)
	}
	want := sandbox.PaymentState{
		ClientID:         acqClientID,
		PaymentID:        wp.WalletPaymentID,
		PaymentRequestID: p.ID,
		PaymentURL:       wp.CashierURL,
		Wallet:           "ALIPAY_HK",
		Amount:           alipayplus.Amount{Currency: "USD", Value: "1000"},
		Charge:           alipayplus.Amount{Currency: "HKD", Value: "7815"},
		QuotePrice:       "7.81500000",
		Status:           "PROCESSING",
		ResultCode:       "PAYMENT_IN_PROCESS",
	}
	if diff := cmp.Diff(want, st); diff != "" {
		t.Errorf("sandbox payment (-want +got):\n%s", diff)
	}

	// The cashier is a real page on the server.
	resp, err := http.Get(wp.CashierURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	http.DefaultClient.CloseIdleConnections()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET cashier: HTTP %d", resp.StatusCode)
	}

	// Pay is idempotent by entrypay's payment id.
	again, err := e.client.Pay(context.Background(), p, testMerchant)
	if err != nil || again != wp {
		t.Errorf("Pay again = %+v, %v; want %+v", again, err, wp)
	}
}

// TestPayRequest checks the pay request as it travels.
func TestPayRequest(t *testing.T) {
	tests := []struct {
		name  string
		mod   func(*entrypay.Payment)
		cfg   func(*alipayplus.Config)
		check func(t *testing.T, req alipayplus.PayRequest)
	}{
		{
			name: "as the gateway makes it",
			check: func(t *testing.T, got alipayplus.PayRequest) {
				want := alipayplus.PayRequest{
					PaymentRequestID:  "pay_test1",
					PaymentAmount:     alipayplus.Amount{Currency: "USD", Value: "1000"},
					PaymentMethod:     alipayplus.PaymentMethod{PaymentMethodType: "CONNECT_WALLET"},
					PaymentFactor:     alipayplus.PaymentFactor{IsInStorePayment: "true", InStorePaymentScenario: "EntryCode"},
					PaymentExpiryTime: "2026-03-14T02:10:00Z",
					PaymentNotifyURL:  "NOTIFY",
					Order: alipayplus.Order{
						ReferenceOrderID: "order-pay_test1",
						OrderDescription: "Two noodle soups",
						OrderAmount:      alipayplus.Amount{Currency: "USD", Value: "1000"},
						Merchant: &alipayplus.Merchant{
							ReferenceMerchantID: testMerchant.ID,
							MerchantName:        testMerchant.Name,
							MerchantMCC:         "5812",
							MerchantAddress:     &alipayplus.Address{Region: "HK"},
							Store:               &alipayplus.Store{ReferenceStoreID: "S1", StoreName: "Central"},
						},
						Env: &alipayplus.Env{TerminalType: "WAP", UserAgent: hkUA, ClientIP: "203.0.113.7"},
					},
					SettlementStrategy: &alipayplus.SettlementStrategy{SettlementCurrency: "USD"},
				}
				got.PaymentNotifyURL = "NOTIFY"
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("pay request (-want +got):\n%s", diff)
				}
			},
		},
		{
			name: "without an order amount",
			mod:  func(p *entrypay.Payment) { p.OrderAmount = entrypay.Amount{} },
			check: func(t *testing.T, got alipayplus.PayRequest) {
				if want := (alipayplus.Amount{Currency: "USD", Value: "1000"}); got.Order.OrderAmount != want {
					t.Errorf("orderAmount = %+v, want the payment amount %+v", got.Order.OrderAmount, want)
				}
			},
		},
		{
			name: "result page from the configuration",
			cfg: func(c *alipayplus.Config) {
				c.ResultURL = func(p *entrypay.Payment) string { return "https://pay.example.com/result/" + p.ID }
			},
			check: func(t *testing.T, got alipayplus.PayRequest) {
				if got.PaymentRedirectURL != "https://pay.example.com/result/pay_test1" {
					t.Errorf("paymentRedirectUrl = %q", got.PaymentRedirectURL)
				}
			},
		},
		{
			name: "the merchant's redirect wins",
			mod:  func(p *entrypay.Payment) { p.RedirectURL = "https://shop.example.com/done" },
			cfg: func(c *alipayplus.Config) {
				c.ResultURL = func(p *entrypay.Payment) string { return "https://pay.example.com/result/" + p.ID }
			},
			check: func(t *testing.T, got alipayplus.PayRequest) {
				if got.PaymentRedirectURL != "https://shop.example.com/done" {
					t.Errorf("paymentRedirectUrl = %q", got.PaymentRedirectURL)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t)
			c := e.newClient(tt.cfg)
			p := newPayment("pay_test1")
			if tt.mod != nil {
				tt.mod(p)
			}
			if _, err := c.Pay(context.Background(), p, testMerchant); err != nil {
				t.Fatal(err)
			}
			var req alipayplus.PayRequest
			if err := jsonwire.Decode(e.lastSent(alipayplus.PathPay), &req); err != nil {
				t.Fatal(err)
			}
			tt.check(t, req)
		})
	}
}

func TestPayRefused(t *testing.T) {
	tests := []struct {
		name     string
		mod      func(*entrypay.Payment)
		wantCode entrypay.ErrorCode
	}{
		{"no wallet marker", func(p *entrypay.Payment) { p.UserAgent = "Mozilla/5.0 (iPhone) Safari/604.1" }, entrypay.ENoPayOptions},
		{"below the wallet minimum", func(p *entrypay.Payment) {
			// USD 0.01 is PHP 0.56, below GCash's PHP 1.00.
			p.UserAgent = gcashUA
			p.Amount = entrypay.Amount{Value: 1, Currency: "USD"}
			p.OrderAmount = p.Amount
		}, "PAYMENT_AMOUNT_EXCEED_LIMIT"},
		{"a currency the wallet side cannot convert", func(p *entrypay.Payment) {
			p.Amount = entrypay.Amount{Value: 1000, Currency: "CHF"}
			p.OrderAmount = p.Amount
		}, entrypay.ECurrencyNotSupported},
		{"already expired", func(p *entrypay.Payment) { p.ExpiresAt = now.Add(-time.Minute) }, entrypay.EInvalid},
	}
	e := setup(t)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPayment("pay_refused"+string(rune('a'+i)), tt.mod)
			wp, err := e.client.Pay(context.Background(), p, testMerchant)
			if err == nil {
				t.Fatalf("Pay = %+v, want refused", wp)
			}
			if we := walletError(t, err); we.Code != tt.wantCode || we.Message == "" {
				t.Errorf("err = %v, want code %s with a message", err, tt.wantCode)
			}
		})
	}

	t.Run("same id, other amount", func(t *testing.T) {
		e.pay(newPayment("pay_twice"))
		_, err := e.client.Pay(context.Background(), newPayment("pay_twice", func(p *entrypay.Payment) { p.Amount.Value = 2000 }), testMerchant)
		if we := walletError(t, err); we.Code != entrypay.ERepeatInconsistent {
			t.Errorf("err = %v, want %s", err, entrypay.ERepeatInconsistent)
		}
	})
}

// ignoreRaw leaves Raw out of comparisons: it is the message as received, for people.
var ignoreRaw = cmpopts.IgnoreFields(entrypay.WalletResult{}, "Raw")

func TestInquirePayment(t *testing.T) {
	e := setup(t)
	ctx := context.Background()

	t.Run("processing, then paid", func(t *testing.T) {
		p := newPayment("pay_test1")
		e.pay(p)
		got, err := e.client.InquirePayment(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if got.PaymentID != p.ID || got.Status != entrypay.PaymentProcessing || got.WalletPaymentID != p.WalletPaymentID ||
			got.Amount != p.Amount || !got.PaidAt.IsZero() || got.CustomerAmount != (entrypay.Amount{}) {
			t.Errorf("before confirm: %+v", got)
		}

		e.clock.Advance(90 * time.Second)
		fin := e.finish(p, sandbox.OutcomeSuccess)
		if !fin.Notified {
			t.Errorf("the sandbox's notification was not acknowledged: %+v", fin)
		}
		got, err = e.client.InquirePayment(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		want := entrypay.WalletResult{
			PaymentID:        p.ID,
			Status:           entrypay.PaymentSuccess,
			ResultCode:       "SUCCESS",
			ResultMessage:    "success",
			WalletPaymentID:  p.WalletPaymentID,
			Amount:           entrypay.Amount{Value: 1000, Currency: "USD"},
			PaidAt:           now.Add(90 * time.Second),
			PspID:            hkPspID,
			WalletBrand:      "AlipayHK",
			WalletType:       "ALIPAY_HK",
			WalletCustomerID: hkCustomerID,
			CustomerAmount:   entrypay.Amount{Value: 7815, Currency: "HKD"},
			Quote: &entrypay.Quote{
				Pair:       "USD/HKD",
				Price:      "7.81500000",
				Start:      now,
				Expiry:     now.Add(10 * time.Minute),
				Guaranteed: true,
			},
		}
		if got.Quote == nil || got.Quote.ID == "" {
			t.Fatalf("Quote = %+v, want one with an id", got.Quote)
		}
		want.Quote.ID = got.Quote.ID
		if diff := cmp.Diff(want, got, ignoreRaw); diff != "" {
			t.Errorf("after confirm (-want +got):\n%s", diff)
		}
		if !strings.Contains(got.Raw, p.WalletPaymentID) {
			t.Errorf("Raw = %q, want the answer as received", got.Raw)
		}

		// The same result reached entrypay's handler as a notification.
		select {
		case n := <-e.rec.seen:
			if diff := cmp.Diff(want, n, ignoreRaw); diff != "" {
				t.Errorf("notified result (-want +got):\n%s", diff)
			}
		default:
			t.Error("the notification handler recorded nothing")
		}
	})

	t.Run("balance not enough", func(t *testing.T) {
		p := newPayment("pay_test2")
		e.pay(p)
		e.finish(p, sandbox.OutcomeBalanceNotEnough)
		got, err := e.client.InquirePayment(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != entrypay.PaymentFail || got.ResultCode != "USER_BALANCE_NOT_ENOUGH" || got.PaymentID != p.ID || !got.PaidAt.IsZero() {
			t.Errorf("got %+v, want FAIL USER_BALANCE_NOT_ENOUGH", got)
		}
		select {
		case n := <-e.rec.seen:
			if n.Status != entrypay.PaymentFail || n.ResultCode != "USER_BALANCE_NOT_ENOUGH" {
				t.Errorf("notified %+v", n)
			}
		default:
			t.Error("the notification handler recorded nothing")
		}
	})

	t.Run("expired", func(t *testing.T) {
		p := newPayment("pay_test3")
		e.pay(p)
		e.clock.Advance(11 * time.Minute)
		got, err := e.client.InquirePayment(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != entrypay.PaymentFail || got.ResultCode != string(entrypay.EOrderClosed) {
			t.Errorf("got %+v, want FAIL ORDER_IS_CLOSED", got)
		}
	})

	t.Run("never seen", func(t *testing.T) {
		_, err := e.client.InquirePayment(ctx, newPayment("pay_never"))
		if we := walletError(t, err); we.Code != entrypay.ENotFound {
			t.Errorf("err = %v, want %s", err, entrypay.ENotFound)
		}
	})
}

func TestCancelPayment(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	tests := []struct {
		name string
		prep func(p *entrypay.Payment)
	}{
		{"unpaid", func(p *entrypay.Payment) { e.pay(p) }},
		{"paid", func(p *entrypay.Payment) { e.paid(p) }},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPayment("pay_cancel" + string(rune('a'+i)))
			tt.prep(p)
			if err := e.client.CancelPayment(ctx, p); err != nil {
				t.Fatal(err)
			}
			st, _ := e.sb.Payment(p.WalletPaymentID)
			if !st.Cancelled {
				t.Errorf("the sandbox payment is not cancelled: %+v", st)
			}
			got, err := e.client.InquirePayment(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != entrypay.PaymentFail || got.ResultCode != string(entrypay.EOrderClosed) {
				t.Errorf("inquiry after cancel: %+v, want FAIL ORDER_IS_CLOSED", got)
			}
			// Cancel is idempotent.
			if err := e.client.CancelPayment(ctx, p); err != nil {
				t.Errorf("cancel again: %v", err)
			}
		})
	}

	t.Run("never seen", func(t *testing.T) {
		err := e.client.CancelPayment(ctx, newPayment("pay_never"))
		if we := walletError(t, err); we.Code != entrypay.ENotFound {
			t.Errorf("err = %v, want %s", err, entrypay.ENotFound)
		}
	})
}

func TestRefund(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	p := newPayment("pay_test1")
	e.paid(p)
	refund := func(id string, value int64) *entrypay.Refund {
		return &entrypay.Refund{
			ID: id, PaymentID: p.ID, MerchantID: p.MerchantID, RequestID: "req-" + id,
			Amount: entrypay.Amount{Value: value, Currency: "USD"}, Reason: "one soup was cold",
			Status: entrypay.RefundProcessing, CreatedAt: now,
		}
	}

	r1 := refund("ref_test1", 400)
	wr, err := e.client.Refund(ctx, p, r1)
	if err != nil {
		t.Fatal(err)
	}
	if wr.WalletRefundID == "" || !wr.RefundedAt.Equal(now) {
		t.Errorf("Refund = %+v, want a wallet refund id, refunded at %v", wr, now)
	}
	if st, _ := e.sb.Payment(p.WalletPaymentID); st.Refunded != 400 {
		t.Errorf("sandbox refunded %d, want 400", st.Refunded)
	}

	// Idempotent by refund id.
	again, err := e.client.Refund(ctx, p, r1)
	if err != nil || again != wr {
		t.Errorf("Refund again = %+v, %v; want %+v", again, err, wr)
	}

	_, err = e.client.Refund(ctx, p, refund("ref_test2", 700))
	if we := walletError(t, err); we.Code != entrypay.ERefundAmountExceed {
		t.Errorf("err = %v, want %s", err, entrypay.ERefundAmountExceed)
	}
	if st, _ := e.sb.Payment(p.WalletPaymentID); st.Refunded != 400 {
		t.Errorf("sandbox refunded %d after a refused refund, want 400", st.Refunded)
	}

	if _, err := e.client.Refund(ctx, p, refund("ref_test3", 600)); err != nil {
		t.Errorf("refund of the rest: %v", err)
	}

	unpaid := newPayment("pay_test2")
	e.pay(unpaid)
	_, err = e.client.Refund(ctx, unpaid, &entrypay.Refund{ID: "ref_test4", PaymentID: unpaid.ID, Amount: unpaid.Amount})
	if we := walletError(t, err); we.Code != entrypay.EStatusInvalid {
		t.Errorf("refund of an unpaid payment: err = %v, want %s", err, entrypay.EStatusInvalid)
	}
}

// TestFaults checks every sandbox fault on every API: each is an unknown outcome
// (ErrWalletNoAnswer), never a refusal, and the call can be repeated once the fault is
// gone.
func TestFaults(t *testing.T) {
	type call func(c *alipayplus.Client, p *entrypay.Payment) error
	refund := &entrypay.Refund{ID: "ref_fault", Amount: entrypay.Amount{Value: 100, Currency: "USD"}}
	apis := []struct {
		name string
		prep func(e *env, p *entrypay.Payment) // before the fault is set
		call call
	}{
		{"pay", func(*env, *entrypay.Payment) {}, func(c *alipayplus.Client, p *entrypay.Payment) error {
			_, err := c.Pay(context.Background(), p, testMerchant)
			return err
		}},
		{"inquiryPayment", func(e *env, p *entrypay.Payment) { e.paid(p) }, func(c *alipayplus.Client, p *entrypay.Payment) error {
			_, err := c.InquirePayment(context.Background(), p)
			return err
		}},
		{"cancelPayment", func(e *env, p *entrypay.Payment) { e.pay(p) }, func(c *alipayplus.Client, p *entrypay.Payment) error {
			return c.CancelPayment(context.Background(), p)
		}},
		{"refund", func(e *env, p *entrypay.Payment) { e.paid(p) }, func(c *alipayplus.Client, p *entrypay.Payment) error {
			_, err := c.Refund(context.Background(), p, refund)
			return err
		}},
	}
	modes := []string{"timeout", "http500", "garbage", "unknown", "badsig"}
	for _, api := range apis {
		for _, mode := range modes {
			t.Run(api.name+"/"+mode, func(t *testing.T) {
				t.Parallel()
				e := setup(t)
				// The timeout fault holds the answer until the caller gives up.
				c := e.newClient(func(cfg *alipayplus.Config) {
					cfg.HTTP = &http.Client{Timeout: 300 * time.Millisecond, Transport: &http.Transport{}}
				})
				p := newPayment("pay_fault")
				api.prep(e, p)
				if err := e.sb.SetFault(api.name, mode, 1, 0); err != nil {
					t.Fatal(err)
				}
				err := api.call(c, p)
				noAnswer(t, err)
				// The fault is used up: the same call now gets its answer.
				if err := api.call(c, p); err != nil {
					t.Errorf("repeated call: %v", err)
				}
			})
		}
	}
}

// TestPeerMisconfigured checks what a connector with the wrong keys or client id gets.
func TestPeerMisconfigured(t *testing.T) {
	e := setup(t)
	t.Run("wrong peer key", func(t *testing.T) {
		c := e.newClient(func(cfg *alipayplus.Config) { cfg.PeerKey = &strangerKey.PublicKey })
		_, err := c.Pay(context.Background(), newPayment("pay_test1"), testMerchant)
		noAnswer(t, err)
		_, err = c.InquirePayment(context.Background(), newPayment("pay_test1"))
		noAnswer(t, err)
	})
	t.Run("wrong own key", func(t *testing.T) {
		// The sandbox refuses the signature with an unsigned answer, which cannot be trusted.
		c := e.newClient(func(cfg *alipayplus.Config) { cfg.Key = strangerKey })
		_, err := c.Pay(context.Background(), newPayment("pay_test2"), testMerchant)
		noAnswer(t, err)
	})
	t.Run("unknown client id", func(t *testing.T) {
		// CLIENT_INVALID is signed, so it is a definite refusal.
		c := e.newClient(func(cfg *alipayplus.Config) { cfg.ClientID = "SOMEONE_ELSE" })
		_, err := c.Pay(context.Background(), newPayment("pay_test3"), testMerchant)
		if we := walletError(t, err); we.Code != entrypay.EClientInvalid {
			t.Errorf("err = %v, want %s", err, entrypay.EClientInvalid)
		}
	})
	t.Run("nothing listening", func(t *testing.T) {
		c := e.newClient(func(cfg *alipayplus.Config) { cfg.Endpoint = "http://127.0.0.1:1/sandbox" })
		_, err := c.Pay(context.Background(), newPayment("pay_test4"), testMerchant)
		noAnswer(t, err)
	})
}
