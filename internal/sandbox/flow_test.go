package sandbox

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/entrypay/entrypay/internal/alipayplus"
)

// TestPayConfirmNotifyInquiry walks a whole payment: pay, the cashier page, the customer's
// confirmation, the signed notification and the inquiry after it.
func TestPayConfirmNotifyInquiry(t *testing.T) {
	e := setup(t)
	before, _ := e.sb.Balance("GCASH")
	resp := e.payOK("PR-FLOW-1", func(r *alipayplus.PayRequest) {
		r.Order.Merchant.MerchantName = "<script>alert(1)</script>"
		r.Order.Merchant.Store.StoreName = "Noodles & Co"
		r.PaymentRedirectURL = "https://merchant.example/done?order=1&x=<y>"
	})

	if resp.PspID != "1022170000000000000" || resp.WalletBrandName != "GCash" {
		t.Errorf("pay wallet = %s/%s, want GCash", resp.PspID, resp.WalletBrandName)
	}
	if resp.PaymentAmount == nil || *resp.PaymentAmount != (alipayplus.Amount{Currency: "USD", Value: "1234"}) {
		t.Errorf("pay paymentAmount = %+v", resp.PaymentAmount)
	}
	if !strings.HasPrefix(resp.PaymentURL, e.srv.URL+"/sandbox/cashier/") {
		t.Fatalf("paymentUrl %q is not under %s/sandbox/cashier/", resp.PaymentURL, e.srv.URL)
	}
	if token := resp.PaymentURL[strings.LastIndex(resp.PaymentURL, "/")+1:]; len(token) != 32 {
		t.Errorf("cashier token %q is not 128 bits of hex", token)
	}
	if resp.PaymentCreateTime != "2026-03-14T10:00:00+08:00" {
		t.Errorf("paymentCreateTime = %q", resp.PaymentCreateTime)
	}

	code, page := e.get(resp.PaymentURL)
	if code != http.StatusOK {
		t.Fatalf("cashier GET: HTTP %d", code)
	}
	for _, want := range []string{
		"GCash", "12.34 USD", "693.51 PHP", "1 USD = 56.20000000 PHP",
		"&lt;script&gt;alert(1)&lt;/script&gt;", "Noodles &amp; Co",
		`value="confirm"`, `value="cancel"`, `value="fail_balance"`, `value="pay_no_notify"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("cashier page lacks %q", want)
		}
	}
	if strings.Contains(page, "<script>alert(1)") {
		t.Error("cashier page contains the merchant name unescaped")
	}

	code, fin := e.confirm(resp.PaymentURL, "SUCCESS")
	if code != http.StatusOK {
		t.Fatalf("confirm: HTTP %d %+v", code, fin)
	}
	wantFin := Finished{
		PaymentID: resp.PaymentID, PaymentRequestID: "PR-FLOW-1", PaymentStatus: "SUCCESS",
		ResultCode: "SUCCESS", ResultMessage: "success",
		PaymentAmount:       alipayplus.Amount{Currency: "USD", Value: "1234"},
		ActualPaymentAmount: &alipayplus.Amount{Currency: "PHP", Value: "69351"},
		Notified:            true, Changed: true,
	}
	if diff := cmp.Diff(wantFin, fin); diff != "" {
		t.Errorf("confirm answer (-want +got):\n%s", diff)
	}

	n := e.acq.note(t)
	if n.PaymentQuote == nil || n.PaymentQuote.QuoteID == "" {
		t.Fatalf("notification has no quote id: %+v", n.PaymentQuote)
	}
	wantNote := alipayplus.NotifyPaymentRequest{
		PaymentResult:       alipayplus.Result{ResultCode: "SUCCESS", ResultStatus: "S", ResultMessage: "success"},
		PaymentRequestID:    "PR-FLOW-1",
		PaymentID:           resp.PaymentID,
		AcquirerID:          acqClientID,
		PspID:               "1022170000000000000",
		CustomerID:          "2088000000000003",
		PaymentAmount:       &alipayplus.Amount{Currency: "USD", Value: "1234"},
		PaymentTime:         "2026-03-14T10:00:00+08:00",
		WalletBrandName:     "GCash",
		ActualPaymentAmount: &alipayplus.Amount{Currency: "PHP", Value: "69351"},
		PaymentQuote: &alipayplus.Quote{
			QuoteID: n.PaymentQuote.QuoteID, QuoteCurrencyPair: "USD/PHP", QuotePrice: "56.20000000",
			QuoteStartTime: "2026-03-14T10:00:00+08:00", QuoteExpiryTime: "2026-03-14T10:10:00+08:00", Guaranteed: "true",
		},
		WalletType: "GCASH",
	}
	if diff := cmp.Diff(wantNote, n); diff != "" {
		t.Errorf("notification (-want +got):\n%s", diff)
	}
	e.acq.noNote(t)

	inq := e.inquiry(alipayplus.InquiryPaymentRequest{PaymentRequestID: "PR-FLOW-1"})
	wantInq := alipayplus.InquiryPaymentResponse{
		Result:              alipayplus.Result{ResultCode: "SUCCESS", ResultStatus: "S", ResultMessage: "success"},
		PaymentResult:       &alipayplus.Result{ResultCode: "SUCCESS", ResultStatus: "S", ResultMessage: "success"},
		PaymentRequestID:    "PR-FLOW-1",
		PaymentID:           resp.PaymentID,
		PaymentAmount:       &alipayplus.Amount{Currency: "USD", Value: "1234"},
		PaymentTime:         "2026-03-14T10:00:00+08:00",
		PspID:               "1022170000000000000",
		CustomerID:          "2088000000000003",
		WalletBrandName:     "GCash",
		ActualPaymentAmount: &alipayplus.Amount{Currency: "PHP", Value: "69351"},
		PaymentQuote:        wantNote.PaymentQuote,
		WalletType:          "GCASH",
	}
	if diff := cmp.Diff(wantInq, inq); diff != "" {
		t.Errorf("inquiry (-want +got):\n%s", diff)
	}

	after, _ := e.sb.Balance("GCASH")
	if got, want := mustInt(t, after.Value)+69351, mustInt(t, before.Value); got != want {
		t.Errorf("balance went from %s to %s, want a debit of 69351", before.Value, after.Value)
	}

	// The page now shows the result and leads back to the merchant, escaped.
	_, page = e.get(resp.PaymentURL)
	for _, want := range []string{"Paid", `content="6; url=https://merchant.example/done?order=1&amp;x=&lt;y&gt;"`, "Back to the merchant", "has been notified"} {
		if !strings.Contains(page, want) {
			t.Errorf("final cashier page lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, `value="confirm"`) {
		t.Error("final cashier page still offers Confirm")
	}

	// A final state never changes: the same outcome is 200, another is 409.
	code, fin = e.confirm(resp.PaymentURL, "SUCCESS")
	if code != http.StatusOK || fin.Changed || fin.PaymentStatus != "SUCCESS" {
		t.Errorf("repeated confirm: HTTP %d %+v", code, fin)
	}
	code, fin = e.confirm(resp.PaymentURL, "USER_CANCEL")
	if code != http.StatusConflict || fin.PaymentStatus != "SUCCESS" {
		t.Errorf("conflicting confirm: HTTP %d %+v, want 409 and SUCCESS", code, fin)
	}
	e.acq.noNote(t)
}

func mustInt[S ~string](t *testing.T, v S) int64 {
	t.Helper()
	var n int64
	for _, c := range string(v) {
		if c < '0' || c > '9' {
			t.Fatalf("%q is not an integer", string(v))
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

func TestFailureOutcomes(t *testing.T) {
	tests := []struct {
		outcome string
		code    string
	}{
		{"USER_BALANCE_NOT_ENOUGH", "USER_BALANCE_NOT_ENOUGH"},
		{"USER_PAYMENT_VERIFICATION_FAILED", "USER_PAYMENT_VERIFICATION_FAILED"},
		{"USER_CANCEL", "ORDER_IS_CLOSED"},
	}
	for _, tt := range tests {
		t.Run(tt.outcome, func(t *testing.T) {
			e := setup(t)
			before, _ := e.sb.Balance("GCASH")
			resp := e.payOK("PR-" + tt.outcome)
			code, fin := e.confirm(resp.PaymentURL, tt.outcome)
			if code != http.StatusOK || fin.PaymentStatus != "FAIL" || fin.ResultCode != tt.code || !fin.Notified {
				t.Fatalf("confirm: HTTP %d %+v", code, fin)
			}
			n := e.acq.note(t)
			if n.PaymentResult.ResultStatus != "F" || n.PaymentResult.ResultCode != tt.code {
				t.Errorf("notification paymentResult = %+v, want F/%s", n.PaymentResult, tt.code)
			}
			if n.ActualPaymentAmount != nil || n.PaymentTime != "" {
				t.Errorf("failed notification carries a charge %+v / time %q", n.ActualPaymentAmount, n.PaymentTime)
			}
			if tt.outcome == "USER_CANCEL" && n.PaymentResult.ResultMessage != "user cancelled the payment" {
				t.Errorf("USER_CANCEL message = %q", n.PaymentResult.ResultMessage)
			}
			inq := e.inquiry(alipayplus.InquiryPaymentRequest{PaymentID: resp.PaymentID})
			if inq.PaymentResult == nil || inq.PaymentResult.ResultStatus != "F" || inq.PaymentResult.ResultCode != tt.code {
				t.Errorf("inquiry paymentResult = %+v", inq.PaymentResult)
			}
			if after, _ := e.sb.Balance("GCASH"); after != before {
				t.Errorf("balance changed from %v to %v", before, after)
			}
			// A failed payment cannot be confirmed later.
			if code, fin := e.confirm(resp.PaymentURL, "SUCCESS"); code != http.StatusConflict || fin.PaymentStatus != "FAIL" {
				t.Errorf("confirm after failure: HTTP %d %+v", code, fin)
			}
			e.acq.noNote(t)
		})
	}
}

func TestSuccessWithoutBalance(t *testing.T) {
	e := setup(t)
	if err := e.sb.SetBalance("GCASH", 69350); err != nil { // one centavo short
		t.Fatal(err)
	}
	resp := e.payOK("PR-POOR")
	code, fin := e.confirm(resp.PaymentURL, "SUCCESS")
	if code != http.StatusOK || fin.PaymentStatus != "FAIL" || fin.ResultCode != "USER_BALANCE_NOT_ENOUGH" {
		t.Fatalf("confirm: HTTP %d %+v", code, fin)
	}
	if n := e.acq.note(t); n.PaymentResult.ResultCode != "USER_BALANCE_NOT_ENOUGH" {
		t.Errorf("notification %+v", n.PaymentResult)
	}
	if b, _ := e.sb.Balance("GCASH"); b.Value != "69350" {
		t.Errorf("balance = %s, want unchanged 69350", b.Value)
	}
}

func TestNoNotify(t *testing.T) {
	e := setup(t)
	resp := e.payOK("PR-SILENT")
	// The path alone names the payment too.
	u, _ := url.Parse(resp.PaymentURL)
	code, fin := e.confirm(u.Path, "NO_NOTIFY")
	if code != http.StatusOK || fin.PaymentStatus != "SUCCESS" || fin.Notified {
		t.Fatalf("confirm: HTTP %d %+v", code, fin)
	}
	e.acq.noNote(t)
	if len(e.acq.hits) != 0 {
		t.Errorf("the acquirer was called %d times", len(e.acq.hits))
	}
	inq := e.inquiry(alipayplus.InquiryPaymentRequest{PaymentRequestID: "PR-SILENT"})
	if inq.PaymentResult == nil || inq.PaymentResult.ResultStatus != "S" || inq.ActualPaymentAmount == nil {
		t.Errorf("inquiry %+v", inq)
	}
	// Run has nothing to retry either.
	stop := e.runSandbox()
	stop()
	e.acq.noNote(t)
}

func TestCashierActions(t *testing.T) {
	tests := []struct {
		action     string
		status     string
		code       string
		notified   bool
		wantOnPage string
	}{
		{"confirm", "SUCCESS", "SUCCESS", true, "Paid"},
		{"cancel", "FAIL", "ORDER_IS_CLOSED", true, "user cancelled the payment"},
		{"fail_balance", "FAIL", "USER_BALANCE_NOT_ENOUGH", true, "Payment failed"},
		{"fail_verification", "FAIL", "USER_PAYMENT_VERIFICATION_FAILED", true, "Payment failed"},
		{"pay_no_notify", "SUCCESS", "SUCCESS", false, "not notified"},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			e := setup(t)
			resp := e.payOK("PR-CASHIER")
			res, err := e.web.PostForm(resp.PaymentURL, url.Values{"action": {tt.action}})
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/sandbox/cashier/"+resp.PaymentURL[strings.LastIndex(resp.PaymentURL, "/")+1:] {
				t.Fatalf("POST: HTTP %d Location %q", res.StatusCode, res.Header.Get("Location"))
			}
			st, ok := e.sb.Payment(resp.PaymentID)
			if !ok || st.Status != tt.status || st.ResultCode != tt.code || st.Notified != tt.notified {
				t.Errorf("state %+v", st)
			}
			if tt.notified {
				e.acq.note(t)
			}
			e.acq.noNote(t)
			_, page := e.get(resp.PaymentURL)
			if !strings.Contains(page, tt.wantOnPage) {
				t.Errorf("page lacks %q", tt.wantOnPage)
			}
		})
	}
}

func TestCashierErrors(t *testing.T) {
	e := setup(t)
	code, page := e.get(e.srv.URL + "/sandbox/cashier/0123456789abcdef0123456789abcdef")
	if code != http.StatusNotFound || !strings.Contains(page, "Unknown payment") || !strings.Contains(page, "<html") {
		t.Errorf("unknown token: HTTP %d %s", code, page)
	}
	res, err := e.web.PostForm(e.srv.URL+"/sandbox/cashier/nope", url.Values{"action": {"confirm"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("POST unknown token: HTTP %d", res.StatusCode)
	}
	resp := e.payOK("PR-CASHIER-ERR")
	res, err = e.web.PostForm(resp.PaymentURL, url.Values{"action": {"steal"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("POST bad action: HTTP %d", res.StatusCode)
	}
	if st, _ := e.sb.Payment(resp.PaymentID); st.Status != "PROCESSING" {
		t.Errorf("bad action changed the payment: %+v", st)
	}
}

func TestConfirmAPIErrors(t *testing.T) {
	e := setup(t)
	resp := e.payOK("PR-CONFIRM-ERR")
	tests := []struct {
		name     string
		body     string
		code     int
		errorHas string
	}{
		{"unknown payment", `{"paymentUrl":"http://x/sandbox/cashier/ffff","outcome":"SUCCESS"}`, 404, "no payment"},
		{"bad outcome", `{"paymentUrl":"` + resp.PaymentURL + `","outcome":"MAYBE"}`, 400, "outcome"},
		{"unknown field", `{"paymentUrl":"` + resp.PaymentURL + `","result":"SUCCESS"}`, 400, "result"},
		{"wrong type", `{"paymentUrl":7}`, 400, "paymentUrl"},
		{"no url", `{"outcome":"SUCCESS"}`, 400, "paymentUrl"},
		{"not JSON", `paymentUrl=x`, 400, "JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ans map[string]string
			code := e.postJSON(http.MethodPost, "/sandbox/api/v1/confirm", tt.body, &ans)
			if code != tt.code || !strings.Contains(ans["error"], tt.errorHas) {
				t.Errorf("HTTP %d %v, want %d and an error naming %q", code, ans, tt.code, tt.errorHas)
			}
		})
	}
	if st, _ := e.sb.Payment(resp.PaymentID); st.Status != "PROCESSING" {
		t.Errorf("a refused confirm changed the payment: %+v", st)
	}
}

func TestExpiry(t *testing.T) {
	tests := []struct {
		name    string
		expiry  string
		advance string
	}{
		{"default ten minutes", "", "10m"},
		{"given expiry", "2026-03-14T02:03:00Z", "3m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t)
			resp := e.payOK("PR-EXP", func(r *alipayplus.PayRequest) { r.PaymentExpiryTime = tt.expiry })
			d := mustDuration(t, tt.advance)
			e.clock.Advance(d - 1)
			if inq := e.inquiry(alipayplus.InquiryPaymentRequest{PaymentID: resp.PaymentID}); inq.PaymentResult.ResultStatus != "U" {
				t.Fatalf("just before expiry: %+v", inq.PaymentResult)
			}
			e.clock.Advance(1)
			inq := e.inquiry(alipayplus.InquiryPaymentRequest{PaymentID: resp.PaymentID})
			if inq.PaymentResult == nil || inq.PaymentResult.ResultStatus != "F" || inq.PaymentResult.ResultCode != "ORDER_IS_CLOSED" {
				t.Errorf("after expiry: %+v", inq.PaymentResult)
			}
			code, fin := e.confirm(resp.PaymentURL, "SUCCESS")
			if code != http.StatusConflict || fin.PaymentStatus != "FAIL" || fin.ResultCode != "ORDER_IS_CLOSED" || fin.Changed {
				t.Errorf("confirm after expiry: HTTP %d %+v", code, fin)
			}
			_, page := e.get(resp.PaymentURL)
			if !strings.Contains(page, "expired") || strings.Contains(page, `value="confirm"`) {
				t.Errorf("expired cashier page:\n%s", page)
			}
			e.acq.noNote(t)
		})
	}
}

func TestIndexPage(t *testing.T) {
	e := setup(t)
	resp := e.payOK("PR-INDEX")
	code, page := e.get(e.srv.URL + "/sandbox/")
	if code != http.StatusOK {
		t.Fatalf("HTTP %d", code)
	}
	for _, want := range []string{"GCASH", "Kakao Pay", "300.00 IDR", resp.PaymentID, "PR-INDEX", "/sandbox/cashier/"} {
		if !strings.Contains(page, want) {
			t.Errorf("index lacks %q", want)
		}
	}
}
