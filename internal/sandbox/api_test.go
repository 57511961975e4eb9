package sandbox

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entrypay/entrypay/internal/alipayplus"
	"github.com/entrypay/entrypay/internal/jsonwire"
)

func TestPayWalletAndCharge(t *testing.T) {
	tests := []struct {
		name       string
		ua         string
		amount     alipayplus.Amount
		wantCode   string // result code
		wantWallet string
		wantCharge alipayplus.Amount
		wantQuote  string
	}{
		{"USD to KRW: 0 digits, half-even up", "Mozilla/5.0 KAKAOTALK 10.4.5", usd("100"), "SUCCESS", "KAKAOPAY", amt("KRW", "1376"), "1375.50000000"},
		{"USD to KRW: 0 digits, half-even down", "Mozilla/5.0 KAKAOTALK 10.4.5", usd("300"), "SUCCESS", "KAKAOPAY", amt("KRW", "4126"), "1375.50000000"},
		{"USD to IDR: a whole rupiah", "Mozilla/5.0 DANA/2.50.0", usd("123"), "SUCCESS", "DANA", amt("IDR", "1998800"), "16250.00000000"},
		{"HKD to PHP", gcashUA, amt("HKD", "10000"), "SUCCESS", "GCASH", amt("PHP", "71913"), "7.19129878"},
		{"JPY to CNY", "AliApp(AP/10.1.32.600) AlipayClient/10.1.32.600", amt("JPY", "1000"), "SUCCESS", "ALIPAY_CN", amt("CNY", "4750"), "0.04750413"},
		{"AlipayHK before Alipay", "AliApp(APHK/2.6.0) AlipayClientHK/2.6.0 AlipayClient/2.6.0", amt("HKD", "1"), "SUCCESS", "ALIPAY_HK", amt("HKD", "1"), "1.00000000"},
		{"generic Alipay+ marker means Alipay (7.185 to even)", "Mozilla/5.0 SomeWallet/1.0 AlipayConnect iapconnectsdk/2.37.0", usd("100"), "SUCCESS", "ALIPAY_CN", amt("CNY", "718"), "7.18500000"},
		{"IDR payment to TNG", "Mozilla/5.0 TNGD/1.0", amt("IDR", "5000000"), "SUCCESS", "TNG", amt("MYR", "1369"), "0.00027385"},
		{"below the wallet minimum", "Mozilla/5.0 DANA/2.50.0", usd("1"), "PAYMENT_AMOUNT_EXCEED_LIMIT", "", alipayplus.Amount{}, ""},
		{"below KRW minimum", "KakaoPay/1.0", usd("3"), "PAYMENT_AMOUNT_EXCEED_LIMIT", "", alipayplus.Amount{}, ""},
		{"plain browser", "Mozilla/5.0 (iPhone) Safari/604.1", usd("100"), "NO_PAY_OPTIONS", "", alipayplus.Amount{}, ""},
		{"currency without a sandbox rate", gcashUA, amt("CHF", "100"), "CURRENCY_NOT_SUPPORT", "", alipayplus.Amount{}, ""},
	}
	e := setup(t)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := "PR-FX-" + string(rune('A'+i))
			resp := e.pay(id, func(r *alipayplus.PayRequest) {
				r.PaymentAmount = tt.amount
				r.Order.Env.UserAgent = tt.ua
			})
			if resp.Result.ResultCode != tt.wantCode {
				t.Fatalf("result %+v, want %s", resp.Result, tt.wantCode)
			}
			if tt.wantCode != "SUCCESS" {
				if resp.Result.ResultStatus != "F" || resp.PaymentID != "" || resp.PaymentURL != "" {
					t.Errorf("refusal %+v", resp)
				}
				return
			}
			st, ok := e.sb.Payment(resp.PaymentID)
			if !ok {
				t.Fatal("payment not found")
			}
			if st.Wallet != tt.wantWallet || st.Charge != tt.wantCharge || st.QuotePrice != tt.wantQuote {
				t.Errorf("wallet %s charge %+v quote %s, want %s %+v %s", st.Wallet, st.Charge, st.QuotePrice, tt.wantWallet, tt.wantCharge, tt.wantQuote)
			}
		})
	}
	// The minimum is explained in the message.
	resp := e.pay("PR-FX-MIN", func(r *alipayplus.PayRequest) {
		r.PaymentAmount = usd("1")
		r.Order.Env.UserAgent = "DANA/2.50.0"
	})
	if want := "the charge of 162.00 IDR is below DANA's minimum of 300.00 IDR"; resp.Result.ResultMessage != want {
		t.Errorf("message %q, want %q", resp.Result.ResultMessage, want)
	}
}

func usd(v string) alipayplus.Amount { return amt("USD", v) }

func amt(cur, v string) alipayplus.Amount {
	return alipayplus.Amount{Currency: cur, Value: jsonwire.String(v)}
}

func TestPayParamIllegal(t *testing.T) {
	e := setup(t)
	valid, _ := json.Marshal(e.payRequest("PR-PARAM"))
	// edit rewrites the valid request as a generic map, so that any field can be broken.
	edit := func(f func(m map[string]any)) string {
		var m map[string]any
		_ = json.Unmarshal(valid, &m)
		f(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	sub := func(m map[string]any, keys ...string) map[string]any {
		for _, k := range keys {
			m = m[k].(map[string]any)
		}
		return m
	}
	tests := []struct {
		name   string
		body   string
		msgHas string
	}{
		{"not JSON", `{"paymentRequestId":`, "JSON"},
		{"empty body", ``, "empty"},
		{"unknown field", edit(func(m map[string]any) { m["productCode"] = "IN_STORE_PAYMENT" }), "productCode"},
		{"nested unknown field", edit(func(m map[string]any) { sub(m, "order", "env")["browser"] = "x" }), "browser"},
		{"value as object", edit(func(m map[string]any) { sub(m, "paymentAmount")["value"] = map[string]any{} }), "paymentAmount.value"},
		{"missing paymentRequestId", edit(func(m map[string]any) { delete(m, "paymentRequestId") }), "paymentRequestId"},
		{"long paymentRequestId", edit(func(m map[string]any) { m["paymentRequestId"] = strings.Repeat("x", 65) }), "paymentRequestId"},
		{"missing amount", edit(func(m map[string]any) { delete(m, "paymentAmount") }), "paymentAmount.currency"},
		{"decimal value", edit(func(m map[string]any) { sub(m, "paymentAmount")["value"] = "12.34" }), "paymentAmount.value"},
		{"zero value", edit(func(m map[string]any) { sub(m, "paymentAmount")["value"] = "0" }), "paymentAmount.value"},
		{"negative value", edit(func(m map[string]any) { sub(m, "paymentAmount")["value"] = "-5" }), "paymentAmount.value"},
		{"lower-case currency", edit(func(m map[string]any) { sub(m, "paymentAmount")["currency"] = "usd" }), "paymentAmount.currency"},
		{"IDR not ending in 00", edit(func(m map[string]any) { m["paymentAmount"] = map[string]any{"currency": "IDR", "value": "1234550"} }), "end in 00"},
		{"order code scenario", edit(func(m map[string]any) { sub(m, "paymentFactor")["inStorePaymentScenario"] = "OrderCode" }), "paymentFactor.inStorePaymentScenario"},
		{"no user agent", edit(func(m map[string]any) { delete(sub(m, "order"), "env") }), "order.env.userAgent"},
		{"no notify URL", edit(func(m map[string]any) { delete(m, "paymentNotifyUrl") }), "paymentNotifyUrl"},
		{"relative notify URL", edit(func(m map[string]any) { m["paymentNotifyUrl"] = "/notify" }), "paymentNotifyUrl"},
		{"script redirect URL", edit(func(m map[string]any) { m["paymentRedirectUrl"] = "javascript:alert(1)" }), "paymentRedirectUrl"},
		{"bad expiry", edit(func(m map[string]any) { m["paymentExpiryTime"] = "tomorrow" }), "paymentExpiryTime"},
		{"past expiry", edit(func(m map[string]any) { m["paymentExpiryTime"] = "2026-03-14T09:00:00+08:00" }), "paymentExpiryTime"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ans, err := e.api.Post(t.Context(), alipayplus.PathPay, []byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			var resp alipayplus.PayResponse
			if err := json.Unmarshal(ans.Body, &resp); err != nil {
				t.Fatal(err)
			}
			if resp.Result.ResultStatus != "F" || resp.Result.ResultCode != "PARAM_ILLEGAL" || !strings.Contains(resp.Result.ResultMessage, tt.msgHas) {
				t.Errorf("result %+v, want F/PARAM_ILLEGAL naming %q", resp.Result, tt.msgHas)
			}
		})
	}
}

func TestPayIdempotency(t *testing.T) {
	e := setup(t)
	first := e.payOK("PR-IDEM")
	again := e.payOK("PR-IDEM")
	if again.PaymentID != first.PaymentID || again.PaymentURL != first.PaymentURL || again.PaymentCreateTime != first.PaymentCreateTime {
		t.Errorf("resend answered %+v, first %+v", again, first)
	}
	// Even once paid, a resend answers the same creation.
	if code, _ := e.confirm(first.PaymentURL, "SUCCESS"); code != http.StatusOK {
		t.Fatalf("confirm: HTTP %d", code)
	}
	e.acq.note(t)
	if again := e.payOK("PR-IDEM"); again.PaymentID != first.PaymentID {
		t.Errorf("resend after payment created %s", again.PaymentID)
	}

	tests := []struct {
		name   string
		amount alipayplus.Amount
	}{
		{"different value", usd("1235")},
		{"different currency", amt("HKD", "1234")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := e.pay("PR-IDEM", func(r *alipayplus.PayRequest) { r.PaymentAmount = tt.amount })
			if resp.Result.ResultStatus != "F" || resp.Result.ResultCode != "REPEAT_REQ_INCONSISTENT" || resp.PaymentID != "" {
				t.Errorf("answer %+v", resp)
			}
		})
	}

	// The key is per acquirer: another acquirer's same id is another payment.
	var other alipayplus.PayResponse
	e.call(e.caller(otherClientID, 5e9), alipayplus.PathPay, e.payRequest("PR-IDEM"), &other)
	if other.Result.ResultStatus != "S" || other.PaymentID == first.PaymentID {
		t.Errorf("other acquirer: %+v", other)
	}
}

func TestPayConcurrentDuplicates(t *testing.T) {
	e := setup(t)
	const n = 8
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			body, _ := json.Marshal(e.payRequest("PR-RACE"))
			ans, err := e.api.Post(t.Context(), alipayplus.PathPay, body)
			if err != nil {
				t.Error(err)
				return
			}
			var resp alipayplus.PayResponse
			_ = json.Unmarshal(ans.Body, &resp)
			ids[i] = resp.PaymentID
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id == "" || id != ids[0] {
			t.Fatalf("concurrent duplicates got ids %v", ids)
		}
	}
	e.sb.mu.Lock()
	count := len(e.sb.payments)
	e.sb.mu.Unlock()
	if count != 1 {
		t.Errorf("%d payments created, want 1", count)
	}
}

func TestAuthentication(t *testing.T) {
	e := setup(t)
	body, _ := json.Marshal(alipayplus.InquiryPaymentRequest{PaymentRequestID: "PR-X"})
	path := "/sandbox" + alipayplus.PathInquiryPayment
	good := func() map[string]string { return signedHeaders(t, acquirerKey, acqClientID, path, body) }
	with := func(h map[string]string, k, v string) map[string]string {
		if v == "" {
			delete(h, k)
		} else {
			h[k] = v
		}
		return h
	}
	tests := []struct {
		name    string
		body    []byte
		headers map[string]string
		code    string
		signed  bool
	}{
		{"valid", body, good(), "ORDER_NOT_EXIST", true},
		{"signed by another key", body, signedHeaders(t, strangerKey, acqClientID, path, body), "INVALID_SIGNATURE", false},
		{"body changed after signing", []byte(`{"paymentRequestId":"PR-Y"}`), good(), "INVALID_SIGNATURE", false},
		{"signed without the base path", body, signedHeaders(t, acquirerKey, acqClientID, alipayplus.PathInquiryPayment, body), "INVALID_SIGNATURE", false},
		{"no Signature header", body, with(good(), "Signature", ""), "INVALID_SIGNATURE", false},
		{"garbled Signature header", body, with(good(), "Signature", "algorithm=RSA256,keyVersion=1,signature=%%%"), "INVALID_SIGNATURE", false},
		{"unknown client", body, signedHeaders(t, acquirerKey, "SANDBOX_NOBODY", path, body), "CLIENT_INVALID", true},
		{"no Client-Id", body, with(good(), "Client-Id", ""), "CLIENT_INVALID", false},
		{"bad Request-Time", body, with(good(), "Request-Time", "yesterday"), "PARAM_ILLEGAL", false},
		{"body too large", []byte(`{"paymentRequestId":"` + strings.Repeat("x", maxBody) + `"}`), good(), "PARAM_ILLEGAL", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, result := e.rawPost(path, tt.body, tt.headers)
			if res.StatusCode != http.StatusOK {
				t.Errorf("HTTP %d, want 200", res.StatusCode)
			}
			if result.ResultStatus != "F" || result.ResultCode != tt.code {
				t.Errorf("result %+v, want F/%s", result, tt.code)
			}
			if got := res.Header.Get("Signature") != ""; got != tt.signed {
				t.Errorf("answer signed = %v, want %v", got, tt.signed)
			}
		})
	}
}

func TestInquiry(t *testing.T) {
	e := setup(t)
	resp := e.payOK("PR-INQ")
	tests := []struct {
		name   string
		req    alipayplus.InquiryPaymentRequest
		result string // result code
		status string // paymentResult status, "" for none
	}{
		{"by request id", alipayplus.InquiryPaymentRequest{PaymentRequestID: "PR-INQ"}, "SUCCESS", "U"},
		{"by payment id", alipayplus.InquiryPaymentRequest{PaymentID: resp.PaymentID}, "SUCCESS", "U"},
		{"by both", alipayplus.InquiryPaymentRequest{PaymentRequestID: "PR-INQ", PaymentID: resp.PaymentID}, "SUCCESS", "U"},
		{"ids of different payments", alipayplus.InquiryPaymentRequest{PaymentRequestID: "PR-OTHER", PaymentID: resp.PaymentID}, "ORDER_NOT_EXIST", ""},
		{"unknown", alipayplus.InquiryPaymentRequest{PaymentRequestID: "PR-NONE"}, "ORDER_NOT_EXIST", ""},
		{"no id", alipayplus.InquiryPaymentRequest{}, "PARAM_ILLEGAL", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inq := e.inquiry(tt.req)
			if inq.Result.ResultCode != tt.result {
				t.Fatalf("result %+v, want %s", inq.Result, tt.result)
			}
			if tt.status == "" {
				if inq.PaymentResult != nil || inq.Result.ResultStatus != "F" {
					t.Errorf("answer %+v", inq)
				}
				return
			}
			if inq.PaymentResult == nil || inq.PaymentResult.ResultStatus != tt.status || inq.PaymentResult.ResultCode != "PAYMENT_IN_PROCESS" {
				t.Errorf("paymentResult %+v", inq.PaymentResult)
			}
			if inq.ActualPaymentAmount != nil || inq.PaymentQuote == nil || inq.PaymentQuote.QuoteCurrencyPair != "USD/PHP" || inq.WalletType != "GCASH" {
				t.Errorf("pending inquiry %+v", inq)
			}
		})
	}
	// Another acquirer cannot see this one's payment, even by its paymentId.
	var other alipayplus.InquiryPaymentResponse
	e.call(e.caller(otherClientID, 5e9), alipayplus.PathInquiryPayment, alipayplus.InquiryPaymentRequest{PaymentID: resp.PaymentID}, &other)
	if other.Result.ResultCode != "ORDER_NOT_EXIST" {
		t.Errorf("other acquirer's inquiry: %+v", other.Result)
	}
}

func (e *env) cancel(req alipayplus.CancelPaymentRequest) alipayplus.CancelPaymentResponse {
	e.t.Helper()
	var resp alipayplus.CancelPaymentResponse
	e.call(e.api, alipayplus.PathCancelPayment, req, &resp)
	return resp
}

func TestCancelUnpaid(t *testing.T) {
	e := setup(t)
	resp := e.payOK("PR-CANCEL")
	c := e.cancel(alipayplus.CancelPaymentRequest{PaymentRequestID: "PR-CANCEL"})
	if c.Result.ResultStatus != "S" || c.PaymentID != resp.PaymentID || c.PaymentRequestID != "PR-CANCEL" || c.CancelTime != "2026-03-14T10:00:00+08:00" {
		t.Fatalf("cancel %+v", c)
	}
	inq := e.inquiry(alipayplus.InquiryPaymentRequest{PaymentID: resp.PaymentID})
	if inq.PaymentResult == nil || inq.PaymentResult.ResultStatus != "F" || inq.PaymentResult.ResultCode != "ORDER_IS_CLOSED" {
		t.Errorf("inquiry after cancel %+v", inq.PaymentResult)
	}
	code, fin := e.confirm(resp.PaymentURL, "SUCCESS")
	if code != http.StatusConflict || fin.ResultCode != "ORDER_IS_CLOSED" || fin.Changed {
		t.Errorf("confirm after cancel: HTTP %d %+v", code, fin)
	}
	_, page := e.get(resp.PaymentURL)
	if !strings.Contains(page, "cancelled by the acquirer") || strings.Contains(page, `value="confirm"`) {
		t.Errorf("cashier page after cancel:\n%s", page)
	}
	// Idempotent: the same cancelTime later on.
	e.clock.Advance(mustDuration(t, "1m"))
	if again := e.cancel(alipayplus.CancelPaymentRequest{PaymentID: resp.PaymentID}); again != c {
		t.Errorf("second cancel %+v, want %+v", again, c)
	}
	e.acq.noNote(t)

	if c := e.cancel(alipayplus.CancelPaymentRequest{PaymentRequestID: "PR-NONE"}); c.Result.ResultCode != "ORDER_NOT_EXIST" {
		t.Errorf("cancel of unknown %+v", c.Result)
	}
}

func TestCancelPaidReverses(t *testing.T) {
	e := setup(t)
	before, _ := e.sb.Balance("GCASH")
	resp := e.payOK("PR-REVERSE")
	e.confirm(resp.PaymentURL, "SUCCESS")
	e.acq.note(t)
	// A partial refund first: the reversal gives back only what is left.
	if r := e.refundCall("RF-REV-1", "PR-REVERSE", usd("234")); r.Result.ResultStatus != "S" {
		t.Fatalf("refund %+v", r.Result)
	}
	if c := e.cancel(alipayplus.CancelPaymentRequest{PaymentID: resp.PaymentID}); c.Result.ResultStatus != "S" {
		t.Fatalf("cancel %+v", c.Result)
	}
	if after, _ := e.sb.Balance("GCASH"); after != before {
		t.Errorf("balance after reversal %s, want %s", after.Value, before.Value)
	}
	inq := e.inquiry(alipayplus.InquiryPaymentRequest{PaymentID: resp.PaymentID})
	if inq.PaymentResult.ResultCode != "ORDER_IS_CLOSED" {
		t.Errorf("inquiry after reversal %+v", inq.PaymentResult)
	}
	if r := e.refundCall("RF-REV-2", "PR-REVERSE", usd("1")); r.Result.ResultCode != "ORDER_STATUS_INVALID" {
		t.Errorf("refund after reversal %+v", r.Result)
	}
}

func (e *env) refundCall(refundID, paymentRequestID string, a alipayplus.Amount) alipayplus.RefundResponse {
	e.t.Helper()
	var resp alipayplus.RefundResponse
	e.call(e.api, alipayplus.PathRefund, alipayplus.RefundRequest{RefundRequestID: refundID, PaymentRequestID: paymentRequestID, RefundAmount: a}, &resp)
	return resp
}

func TestRefunds(t *testing.T) {
	e := setup(t)
	start, _ := e.sb.Balance("GCASH")
	// 9.99 USD is 561.438 PHP, charged 561.44: thirds of it do not divide evenly.
	resp := e.payOK("PR-REFUND", func(r *alipayplus.PayRequest) { r.PaymentAmount = usd("999") })
	e.payOK("PR-UNPAID")
	e.confirm(resp.PaymentURL, "SUCCESS")
	e.acq.note(t)

	steps := []struct {
		name      string
		refundID  string
		paymentID string // paymentRequestId
		amount    alipayplus.Amount
		code      string
		credit    int64 // change of the customer's PHP balance
	}{
		{"first third", "RF-1", "PR-REFUND", usd("333"), "SUCCESS", 18715},
		{"resend", "RF-1", "PR-REFUND", usd("333"), "SUCCESS", 0},
		{"resend with another amount", "RF-1", "PR-REFUND", usd("334"), "REPEAT_REQ_INCONSISTENT", 0},
		{"resend for another payment", "RF-1", "PR-UNPAID", usd("333"), "REPEAT_REQ_INCONSISTENT", 0},
		{"other currency", "RF-2", "PR-REFUND", amt("PHP", "100"), "CURRENCY_NOT_SUPPORT", 0},
		{"second third", "RF-3", "PR-REFUND", usd("333"), "SUCCESS", 18715},
		{"more than is left", "RF-4", "PR-REFUND", usd("334"), "REFUND_AMOUNT_EXCEED", 0},
		{"last third gives back exactly the rest", "RF-5", "PR-REFUND", usd("333"), "SUCCESS", 18714},
		{"nothing left", "RF-6", "PR-REFUND", usd("1"), "REFUND_AMOUNT_EXCEED", 0},
		{"unpaid payment", "RF-7", "PR-UNPAID", usd("1"), "ORDER_STATUS_INVALID", 0},
		{"unknown payment", "RF-8", "PR-NONE", usd("1"), "ORDER_NOT_EXIST", 0},
		{"zero", "RF-9", "PR-REFUND", usd("0"), "PARAM_ILLEGAL", 0},
	}
	var first alipayplus.RefundResponse
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			before, _ := e.sb.Balance("GCASH")
			r := e.refundCall(st.refundID, st.paymentID, st.amount)
			if r.Result.ResultCode != st.code {
				t.Fatalf("result %+v, want %s", r.Result, st.code)
			}
			after, _ := e.sb.Balance("GCASH")
			if got := mustInt(t, after.Value) - mustInt(t, before.Value); got != st.credit {
				t.Errorf("customer credited %d, want %d", got, st.credit)
			}
			if st.code != "SUCCESS" {
				return
			}
			if r.RefundID == "" || r.RefundRequestID != st.refundID || r.PspID != "1022170000000000000" || *r.RefundAmount != st.amount || r.RefundTime == "" {
				t.Errorf("answer %+v", r)
			}
			if st.refundID == "RF-1" {
				if first.RefundID == "" {
					first = r
				} else if r.RefundID != first.RefundID || r.RefundTime != first.RefundTime {
					t.Errorf("resend answered refund %s, first %s", r.RefundID, first.RefundID)
				}
			}
		})
	}
	if end, _ := e.sb.Balance("GCASH"); end != start {
		t.Errorf("after a full refund the balance is %s, want %s", end.Value, start.Value)
	}
	st, _ := e.sb.Payment(resp.PaymentID)
	if st.Refunded != 999 {
		t.Errorf("refunded %d, want 999", st.Refunded)
	}
}

// TestRootBasePath serves the sandbox at the root of its own listener, as `entrypay
// sandbox` may.
func TestRootBasePath(t *testing.T) {
	e := setup(t)
	root := New(Config{
		Key:       sandboxKey,
		Acquirers: e.sb.cfg.Acquirers,
		HTTP:      e.sb.client,
	})
	srv := httptest.NewServer(root.Handler())
	t.Cleanup(srv.Close)
	c := e.caller(acqClientID, 5*time.Second)
	c.BaseURL = srv.URL
	var resp alipayplus.PayResponse
	e.call(c, alipayplus.PathPay, e.payRequest("PR-ROOT"), &resp)
	if resp.Result.ResultStatus != "S" || !strings.HasPrefix(resp.PaymentURL, "/cashier/") {
		t.Fatalf("pay %+v", resp)
	}
	var none resultOnly
	e.call(c, "/aps/api/v1/payments/capture", map[string]string{}, &none)
	if none.Result.ResultCode != "NO_INTERFACE_DEF" {
		t.Errorf("unknown API: %+v", none.Result)
	}
	res, err := e.web.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("index: HTTP %d", res.StatusCode)
	}
}
