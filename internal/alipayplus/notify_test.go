package alipayplus_test

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/alipayplus"
	"github.com/entrypay/entrypay/internal/antomsig"
)

const notifyPath = "/alipayplus/live/notifyPayment"

// handlerEnv is entrypay's notification handler on an httptest server, and a caller that
// plays Alipay+: it signs with walletKey and verifies the answers with gatewayKey.
type handlerEnv struct {
	srv    *httptest.Server
	rec    *recorder
	caller *antomsig.Caller
	web    *http.Client
}

func newHandlerEnv(tb testing.TB) *handlerEnv {
	tb.Helper()
	h := &handlerEnv{rec: newRecorder()}
	mux := http.NewServeMux()
	mux.Handle("POST "+notifyPath, &alipayplus.NotifyHandler{
		ClientID:   acqClientID,
		PeerKey:    &walletKey.PublicKey,
		Key:        gatewayKey,
		KeyVersion: 2,
		Recorder:   h.rec,
		Now:        func() time.Time { return now },
		Log:        discard,
	})
	h.srv = httptest.NewServer(mux)
	tb.Cleanup(h.srv.Close)
	h.web = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{}}
	tb.Cleanup(h.web.CloseIdleConnections)
	h.caller = h.callerAs(acqClientID)
	return h
}

func (h *handlerEnv) callerAs(clientID string) *antomsig.Caller {
	return &antomsig.Caller{
		HTTP:        h.web,
		BaseURL:     h.srv.URL,
		ClientID:    clientID,
		Signer:      antomsig.Signer{Key: walletKey, KeyVersion: 1},
		PeerKey:     &gatewayKey.PublicKey,
		RequestTime: func(t time.Time) string { return t.Format(antomsig.NotifyTimeLayout) },
		Now:         func() time.Time { return now },
	}
}

// post sends body signed and returns the verified answer's result.
func (h *handlerEnv) post(tb testing.TB, c *antomsig.Caller, body []byte) alipayplus.Result {
	tb.Helper()
	ans, err := c.Post(context.Background(), notifyPath, body)
	if err != nil {
		tb.Fatalf("notify: %v (answer %s)", err, ans.Body)
	}
	var resp alipayplus.NotifyPaymentResponse
	if err := json.Unmarshal(ans.Body, &resp); err != nil {
		tb.Fatalf("answer %q: %v", ans.Body, err)
	}
	return resp.Result
}

// notification is a notifyPayment as the sandbox sends it for a paid payment.
func notification(mods ...func(*alipayplus.NotifyPaymentRequest)) alipayplus.NotifyPaymentRequest {
	n := alipayplus.NotifyPaymentRequest{
		PaymentResult:       alipayplus.Result{ResultCode: "SUCCESS", ResultStatus: "S", ResultMessage: "success"},
		PaymentRequestID:    "pay_test1",
		PaymentID:           "20260314110000000000000001",
		AcquirerID:          acqClientID,
		PspID:               hkPspID,
		CustomerID:          hkCustomerID,
		PaymentAmount:       &alipayplus.Amount{Currency: "USD", Value: "1000"},
		PaymentTime:         "2026-03-14T10:01:30+08:00",
		WalletBrandName:     "AlipayHK",
		ActualPaymentAmount: &alipayplus.Amount{Currency: "HKD", Value: "7815"},
		PaymentQuote: &alipayplus.Quote{
			QuoteID: "2026031451000000000001", QuoteCurrencyPair: "USD/HKD", QuotePrice: "7.81500000",
			QuoteStartTime: "2026-03-14T10:00:00+08:00", QuoteExpiryTime: "2026-03-14T10:10:00+08:00", Guaranteed: "true",
		},
		WalletType: "ALIPAY_HK",
	}
	for _, m := range mods {
		m(&n)
	}
	return n
}

func marshal(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// paidResult is what the handler must record for notification().
func paidResult() entrypay.WalletResult {
	return entrypay.WalletResult{
		PaymentID:        "pay_test1",
		Status:           entrypay.PaymentSuccess,
		ResultCode:       "SUCCESS",
		ResultMessage:    "success",
		WalletPaymentID:  "20260314110000000000000001",
		Amount:           entrypay.Amount{Value: 1000, Currency: "USD"},
		PaidAt:           now.Add(90 * time.Second),
		PspID:            hkPspID,
		WalletBrand:      "AlipayHK",
		WalletType:       "ALIPAY_HK",
		WalletCustomerID: hkCustomerID,
		CustomerAmount:   entrypay.Amount{Value: 7815, Currency: "HKD"},
		Quote: &entrypay.Quote{
			ID: "2026031451000000000001", Pair: "USD/HKD", Price: "7.81500000",
			Start: now, Expiry: now.Add(10 * time.Minute), Guaranteed: true,
		},
	}
}

func TestNotifyHandler(t *testing.T) {
	failed := paidResult()
	failed.Status = entrypay.PaymentFail
	failed.ResultCode, failed.ResultMessage = "USER_BALANCE_NOT_ENOUGH", "balance not enough"
	failed.PaidAt, failed.CustomerAmount = time.Time{}, entrypay.Amount{}

	tests := []struct {
		name     string
		body     string
		clientID string // "" for entrypay's
		recErr   error
		want     alipayplus.Result
		// wantRecorded is what the Recorder must have been given; nil for nothing.
		wantRecorded *entrypay.WalletResult
	}{
		{
			name:         "paid",
			body:         string(marshal(t, notification())),
			want:         alipayplus.Result{ResultCode: "SUCCESS", ResultStatus: "S", ResultMessage: "success"},
			wantRecorded: new(paidResult()),
		},
		{
			name: "failed",
			body: string(marshal(t, notification(func(n *alipayplus.NotifyPaymentRequest) {
				n.PaymentResult = alipayplus.Result{ResultCode: "USER_BALANCE_NOT_ENOUGH", ResultStatus: "F", ResultMessage: "balance not enough"}
				n.PaymentTime, n.ActualPaymentAmount = "", nil
			}))),
			want:         alipayplus.Result{ResultCode: "SUCCESS", ResultStatus: "S", ResultMessage: "success"},
			wantRecorded: &failed,
		},
		{
			name: "scalars as JSON numbers and booleans",
			body: `{"paymentResult":{"resultCode":"SUCCESS","resultStatus":"S"},"paymentRequestId":"pay_test1",` +
				`"paymentAmount":{"currency":"USD","value":1000},"paymentQuote":{"quotePrice":7.815,"guaranteed":true}}`,
			want: alipayplus.Result{ResultCode: "SUCCESS", ResultStatus: "S", ResultMessage: "success"},
			wantRecorded: &entrypay.WalletResult{
				PaymentID: "pay_test1", Status: entrypay.PaymentSuccess, ResultCode: "SUCCESS",
				Amount: entrypay.Amount{Value: 1000, Currency: "USD"},
				Quote:  &entrypay.Quote{Price: "7.815", Guaranteed: true},
			},
		},
		{
			// Alipay+ adds fields over time (payToAmount, paymentPromoInfo, ...); a field
			// entrypay does not know must not make it refuse a payment result forever.
			name: "fields entrypay does not know",
			body: strings.Replace(string(marshal(t, notification())), `{`,
				`{"payToAmount":{"currency":"HKD","value":"7815"},"paymentPromoInfo":{"paymentPromoDetails":[]},"mppPaymentId":"x",`, 1),
			want:         alipayplus.Result{ResultCode: "SUCCESS", ResultStatus: "S", ResultMessage: "success"},
			wantRecorded: new(paidResult()),
		},
		{
			name:     "another client id",
			body:     string(marshal(t, notification())),
			clientID: "SOMEONE_ELSE",
			want:     alipayplus.Result{ResultCode: "PARAM_ILLEGAL", ResultStatus: "F"},
		},
		{
			name: "malformed JSON",
			body: `{"paymentResult":{"resultStatus":"S"},"paymentRequestId":`,
			want: alipayplus.Result{ResultCode: "PARAM_ILLEGAL", ResultStatus: "F"},
		},
		{
			name: "empty body",
			body: ``,
			want: alipayplus.Result{ResultCode: "PARAM_ILLEGAL", ResultStatus: "F"},
		},
		{
			name: "trailing data",
			body: string(marshal(t, notification())) + `{}`,
			want: alipayplus.Result{ResultCode: "PARAM_ILLEGAL", ResultStatus: "F"},
		},
		{
			name: "not an object",
			body: `["pay_test1"]`,
			want: alipayplus.Result{ResultCode: "PARAM_ILLEGAL", ResultStatus: "F"},
		},
		{
			name: "a field of the wrong type",
			body: `{"paymentResult":{"resultStatus":"S"},"paymentRequestId":"pay_test1","paymentAmount":"1000 USD"}`,
			want: alipayplus.Result{ResultCode: "PARAM_ILLEGAL", ResultStatus: "F"},
		},
		{
			name: "a field entrypay does not know, then one of the wrong type",
			body: `{"mppPaymentId":"x","paymentResult":{"resultStatus":"S"},"paymentRequestId":"pay_test1","paymentAmount":[]}`,
			want: alipayplus.Result{ResultCode: "PARAM_ILLEGAL", ResultStatus: "F"},
		},
		{
			name: "no paymentRequestId",
			body: string(marshal(t, notification(func(n *alipayplus.NotifyPaymentRequest) { n.PaymentRequestID = "" }))),
			want: alipayplus.Result{ResultCode: "PARAM_ILLEGAL", ResultStatus: "F"},
		},
		{
			name: "paymentResult U",
			body: string(marshal(t, notification(func(n *alipayplus.NotifyPaymentRequest) {
				n.PaymentResult = alipayplus.Result{ResultCode: "PAYMENT_IN_PROCESS", ResultStatus: "U"}
			}))),
			want: alipayplus.Result{ResultCode: "PARAM_ILLEGAL", ResultStatus: "F"},
		},
		{
			name: "no paymentResult",
			body: `{"paymentRequestId":"pay_test1"}`,
			want: alipayplus.Result{ResultCode: "PARAM_ILLEGAL", ResultStatus: "F"},
		},
		{
			name: "unparseable paymentAmount",
			body: string(marshal(t, notification(func(n *alipayplus.NotifyPaymentRequest) {
				n.PaymentAmount = &alipayplus.Amount{Currency: "USD", Value: "10.00"}
			}))),
			want: alipayplus.Result{ResultCode: "PARAM_ILLEGAL", ResultStatus: "F"},
		},
		{
			name: "unknown currency",
			body: string(marshal(t, notification(func(n *alipayplus.NotifyPaymentRequest) {
				n.PaymentAmount = &alipayplus.Amount{Currency: "XYZ", Value: "1000"}
			}))),
			want: alipayplus.Result{ResultCode: "PARAM_ILLEGAL", ResultStatus: "F"},
		},
		{
			name: "unparseable actualPaymentAmount",
			body: string(marshal(t, notification(func(n *alipayplus.NotifyPaymentRequest) {
				n.ActualPaymentAmount = &alipayplus.Amount{Currency: "HKD", Value: "-7815"}
			}))),
			want: alipayplus.Result{ResultCode: "PARAM_ILLEGAL", ResultStatus: "F"},
		},
		{
			name: "unparseable paymentTime",
			body: string(marshal(t, notification(func(n *alipayplus.NotifyPaymentRequest) { n.PaymentTime = "2026-03-14 10:01:30" }))),
			want: alipayplus.Result{ResultCode: "PARAM_ILLEGAL", ResultStatus: "F"},
		},
		{
			name: "unparseable quotePrice",
			body: string(marshal(t, notification(func(n *alipayplus.NotifyPaymentRequest) { n.PaymentQuote.QuotePrice = "7,815" }))),
			want: alipayplus.Result{ResultCode: "PARAM_ILLEGAL", ResultStatus: "F"},
		},
		{
			name:         "unknown payment",
			body:         string(marshal(t, notification())),
			recErr:       entrypay.Errorf(entrypay.ENotFound, "no payment %q", "pay_test1"),
			want:         alipayplus.Result{ResultCode: "SUCCESS", ResultStatus: "S", ResultMessage: "success"},
			wantRecorded: new(paidResult()),
		},
		{
			name:         "recording failed",
			body:         string(marshal(t, notification())),
			recErr:       errors.New("database is locked"),
			want:         alipayplus.Result{ResultCode: "UNKNOWN_EXCEPTION", ResultStatus: "U"},
			wantRecorded: new(paidResult()),
		},
		{
			name:         "refused by the gateway",
			body:         string(marshal(t, notification())),
			recErr:       entrypay.Errorf(entrypay.EStatusInvalid, "payment is CANCELLED"),
			want:         alipayplus.Result{ResultCode: "UNKNOWN_EXCEPTION", ResultStatus: "U"},
			wantRecorded: new(paidResult()),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHandlerEnv(t)
			h.rec.err = tt.recErr
			c := h.caller
			if tt.clientID != "" {
				c = h.callerAs(tt.clientID)
			}
			got := h.post(t, c, []byte(tt.body))
			// Messages explain; only the code and status are the contract.
			if got.ResultCode != tt.want.ResultCode || got.ResultStatus != tt.want.ResultStatus ||
				(tt.want.ResultMessage != "" && got.ResultMessage != tt.want.ResultMessage) {
				t.Errorf("answer = %+v, want %+v", got, tt.want)
			}
			recorded := h.rec.results()
			switch {
			case tt.wantRecorded == nil && len(recorded) != 0:
				t.Errorf("recorded %+v, want nothing", recorded)
			case tt.wantRecorded != nil && len(recorded) != 1:
				t.Errorf("recorded %d results, want 1", len(recorded))
			case tt.wantRecorded != nil:
				if diff := cmp.Diff(*tt.wantRecorded, recorded[0], ignoreRaw); diff != "" {
					t.Errorf("recorded (-want +got):\n%s", diff)
				}
				if recorded[0].Raw != "notify "+tt.body {
					t.Errorf("Raw = %q, want the notification as received", recorded[0].Raw)
				}
			}
		})
	}
}

// TestNotifyHandlerSignature sends notifications by hand to check that an unverified
// request is refused with an unsigned INVALID_SIGNATURE and never recorded.
func TestNotifyHandlerSignature(t *testing.T) {
	h := newHandlerEnv(t)
	body := marshal(t, notification())
	ts := now.Format(antomsig.NotifyTimeLayout)
	sign := func(key *rsa.PrivateKey, uri, clientID string, body []byte) string {
		sig, err := antomsig.Signer{Key: key, KeyVersion: 1}.HeaderFor(http.MethodPost, uri, clientID, ts, body)
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	tests := []struct {
		name      string
		signature string
		wantCode  string
		wantSig   bool
	}{
		{"signed by a stranger", sign(strangerKey, notifyPath, acqClientID, body), "INVALID_SIGNATURE", false},
		{"signed for another URI", sign(walletKey, "/alipayplus/sandbox/notifyPayment", acqClientID, body), "INVALID_SIGNATURE", false},
		{"signed over another body", sign(walletKey, notifyPath, acqClientID, []byte(`{}`)), "INVALID_SIGNATURE", false},
		{"no signature header", "", "INVALID_SIGNATURE", false},
		{"a header without signature", "algorithm=RSA256,keyVersion=1", "INVALID_SIGNATURE", false},
		{"another algorithm", "algorithm=HMAC,keyVersion=1,signature=abc", "INVALID_SIGNATURE", false},
		{"garbage signature", "algorithm=RSA256,keyVersion=1,signature=%%%", "INVALID_SIGNATURE", false},
		{"correctly signed", sign(walletKey, notifyPath, acqClientID, body), "SUCCESS", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.rec.mu.Lock()
			h.rec.got = nil
			h.rec.mu.Unlock()
			req, err := http.NewRequest(http.MethodPost, h.srv.URL+notifyPath, bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json; charset=UTF-8")
			req.Header.Set("Client-Id", acqClientID)
			req.Header.Set("Request-Time", ts)
			if tt.signature != "" {
				req.Header.Set("Signature", tt.signature)
			}
			resp, err := h.web.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var ans alipayplus.NotifyPaymentResponse
			if resp.StatusCode != http.StatusOK || json.Unmarshal(data, &ans) != nil {
				t.Fatalf("HTTP %d %q", resp.StatusCode, data)
			}
			if ans.Result.ResultCode != tt.wantCode {
				t.Errorf("answer = %+v, want %s", ans.Result, tt.wantCode)
			}
			sig := resp.Header.Get("Signature")
			if (sig != "") != tt.wantSig {
				t.Errorf("Signature header = %q, want present=%v", sig, tt.wantSig)
			}
			if tt.wantSig {
				err := antomsig.VerifyHeader(&gatewayKey.PublicKey, sig, http.MethodPost, notifyPath,
					resp.Header.Get("Client-Id"), resp.Header.Get("Response-Time"), data)
				if err != nil {
					t.Errorf("answer signature: %v", err)
				}
			}
			if n := len(h.rec.results()); (n == 1) != tt.wantSig {
				t.Errorf("recorded %d results", n)
			}
		})
	}
}

// FuzzNotifyBody sends arbitrary bodies, each correctly signed, to the handler: it must
// always answer HTTP 200 with a signed JSON result, and never record a result without a
// payment id.
func FuzzNotifyBody(f *testing.F) {
	for _, seed := range []string{
		string(marshal(f, notification())),
		string(marshal(f, notification(func(n *alipayplus.NotifyPaymentRequest) {
			n.PaymentResult = alipayplus.Result{ResultCode: "USER_BALANCE_NOT_ENOUGH", ResultStatus: "F"}
		}))),
		`{"paymentResult":{"resultStatus":"S"},"paymentRequestId":"p"}`,
		`{"paymentResult":{"resultStatus":"S"},"paymentRequestId":" ","paymentAmount":{"currency":"IDR","value":"150"}}`,
		`{"paymentResult":{"resultStatus":"F"},"paymentRequestId":"p","paymentQuote":{"quotePrice":1e400}}`,
		`{"paymentResult":{"resultStatus":"S"},"paymentRequestId":null}`,
		`{"paymentRequestId":"p","paymentResult":{"resultStatus":true}}`,
		`{"a":1}`, `[]`, `null`, `""`, `{`, ``, "\xff",
	} {
		f.Add([]byte(seed))
	}
	h := newHandlerEnv(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		before := len(h.rec.results())
		ans, err := h.caller.Post(context.Background(), notifyPath, body)
		if err != nil {
			t.Fatalf("notify %q: %v (answer %q)", body, err, ans.Body)
		}
		var resp alipayplus.NotifyPaymentResponse
		if err := json.Unmarshal(ans.Body, &resp); err != nil || !utf8.Valid(ans.Body) {
			t.Fatalf("notify %q: answer %q is not JSON: %v", body, ans.Body, err)
		}
		switch resp.Result.ResultStatus {
		case "S", "F", "U":
		default:
			t.Fatalf("notify %q: answer %q has no result status", body, ans.Body)
		}
		if resp.Result.ResultCode == "" {
			t.Fatalf("notify %q: answer %q has no result code", body, ans.Body)
		}
		got := h.rec.results()[before:]
		for _, r := range got {
			if r.PaymentID == "" {
				t.Fatalf("notify %q: recorded %+v without a payment id", body, r)
			}
			if r.Status != entrypay.PaymentSuccess && r.Status != entrypay.PaymentFail {
				t.Fatalf("notify %q: recorded status %q", body, r.Status)
			}
		}
		if resp.Result.ResultStatus == "S" && len(got) != 1 {
			t.Fatalf("notify %q: acknowledged with %d results recorded", body, len(got))
		}
	})
}
