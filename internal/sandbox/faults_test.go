package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/entrypay/entrypay/internal/alipayplus"
	"github.com/entrypay/entrypay/internal/antomsig"
)

// onWait makes the sandbox close the returned channel when an answer starts being held back.
func (e *env) onWait() <-chan struct{} {
	ch := make(chan struct{})
	e.sb.mu.Lock()
	e.sb.testHookWait = func() { close(ch) }
	e.sb.mu.Unlock()
	return ch
}

// onAttempt returns a channel that receives once per recorded notification attempt.
func (e *env) onAttempt() <-chan struct{} {
	ch := make(chan struct{}, 64)
	e.sb.mu.Lock()
	e.sb.testHookAttempt = func() { ch <- struct{}{} }
	e.sb.mu.Unlock()
	return ch
}

func waitFor(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatalf("%s did not happen within 5 s", what)
	}
}

func (e *env) exists(paymentRequestID string) bool {
	e.t.Helper()
	return e.inquiry(alipayplus.InquiryPaymentRequest{PaymentRequestID: paymentRequestID}).Result.ResultCode == "SUCCESS"
}

func TestPayFaults(t *testing.T) {
	tests := []struct {
		mode        string
		delayMs     int
		wantErr     string // in the Caller's error; "" = a verified answer
		wantStatus  int
		wantResult  string // result code of a verified answer
		wantCreated bool
	}{
		{mode: "http500", wantErr: "HTTP 500", wantStatus: 500},
		{mode: "garbage", wantErr: "answer signature", wantStatus: 200},
		{mode: "unknown", wantResult: "UNKNOWN_EXCEPTION"},
		{mode: "badsig", wantErr: "answer signature", wantStatus: 200, wantCreated: true},
		{mode: "delay", delayMs: 30, wantResult: "SUCCESS", wantCreated: true},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			e := setup(t)
			e.setFault("pay", tt.mode, 1, tt.delayMs)
			body, _ := json.Marshal(e.payRequest("PR-FAULT"))
			start := time.Now()
			ans, err := e.api.Post(t.Context(), alipayplus.PathPay, body)
			elapsed := time.Since(start)
			if tt.wantErr != "" {
				if !errors.Is(err, antomsig.ErrNoAnswer) || !strings.Contains(err.Error(), tt.wantErr) || ans.Status != tt.wantStatus {
					t.Fatalf("err %v, status %d; want %q and HTTP %d", err, ans.Status, tt.wantErr, tt.wantStatus)
				}
				if tt.mode == "garbage" && json.Valid(ans.Body) {
					t.Errorf("garbage answer is valid JSON: %s", ans.Body)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				var resp alipayplus.PayResponse
				if err := json.Unmarshal(ans.Body, &resp); err != nil {
					t.Fatal(err)
				}
				if resp.Result.ResultCode != tt.wantResult {
					t.Errorf("result %+v, want %s", resp.Result, tt.wantResult)
				}
			}
			if tt.delayMs > 0 && elapsed < time.Duration(tt.delayMs)*time.Millisecond {
				t.Errorf("answered after %v, want at least %d ms", elapsed, tt.delayMs)
			}
			if got := e.exists("PR-FAULT"); got != tt.wantCreated {
				t.Errorf("payment created = %v, want %v", got, tt.wantCreated)
			}
			// The fault was for one call: a resend is answered normally.
			resp := e.payOK("PR-FAULT")
			if st, _ := e.sb.Payment(resp.PaymentID); st.Status != "PROCESSING" {
				t.Errorf("after the fault: %+v", st)
			}
		})
	}
}

func TestTimeoutFault(t *testing.T) {
	e := setup(t)
	e.setFault("pay", "timeout", 1, 0)
	waiting := e.onWait()
	impatient := e.caller(acqClientID, 300*time.Millisecond)
	body, _ := json.Marshal(e.payRequest("PR-TIMEOUT"))
	_, err := impatient.Post(t.Context(), alipayplus.PathPay, body)
	if !errors.Is(err, antomsig.ErrNoAnswer) {
		t.Fatalf("err %v, want a timeout", err)
	}
	waitFor(t, waiting, "holding the answer back")
	// The work was done; only the answer was lost. A resend finds it.
	if !e.exists("PR-TIMEOUT") {
		t.Error("the timed-out pay did not create the payment")
	}
	e.payOK("PR-TIMEOUT")
	// Cleanup closes the servers; goleak (TestMain) checks that the held handler returned.
}

func TestTimeoutFaultOtherAPIs(t *testing.T) {
	e := setup(t)
	resp := e.payOK("PR-TO-CANCEL")
	e.setFault("cancelPayment", "timeout", 1, 0)
	waiting := e.onWait()
	body, _ := json.Marshal(alipayplus.CancelPaymentRequest{PaymentID: resp.PaymentID})
	if _, err := e.caller(acqClientID, 300*time.Millisecond).Post(t.Context(), alipayplus.PathCancelPayment, body); err == nil {
		t.Fatal("cancel answered despite the timeout fault")
	}
	waitFor(t, waiting, "holding the answer back")
	if c := e.cancel(alipayplus.CancelPaymentRequest{PaymentID: resp.PaymentID}); c.Result.ResultStatus != "S" {
		t.Errorf("resent cancel %+v", c.Result)
	}
	if inq := e.inquiry(alipayplus.InquiryPaymentRequest{PaymentID: resp.PaymentID}); inq.PaymentResult.ResultCode != "ORDER_IS_CLOSED" {
		t.Errorf("inquiry %+v", inq.PaymentResult)
	}
}

func TestHeldAnswersReleased(t *testing.T) {
	tests := []struct {
		name    string
		release func(e *env, stopRun func())
	}{
		{"by Close", func(e *env, _ func()) { _ = e.sb.Close() }},
		{"by Run's context", func(_ *env, stopRun func()) { stopRun() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t)
			stopRun := e.runSandbox()
			e.setFault("inquiryPayment", "timeout", 0, 0)
			waiting := e.onWait()
			done := make(chan error, 1)
			go func() {
				body, _ := json.Marshal(alipayplus.InquiryPaymentRequest{PaymentRequestID: "PR-NONE"})
				_, err := e.api.Post(context.Background(), alipayplus.PathInquiryPayment, body)
				done <- err
			}()
			waitFor(t, waiting, "holding the answer back")
			tt.release(e, stopRun)
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("released answer: %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("the held answer was not released")
			}
		})
	}
}

func TestOtherAPIFaults(t *testing.T) {
	e := setup(t)
	resp := e.payOK("PR-OTHER-FAULTS")
	e.confirm(resp.PaymentURL, "SUCCESS")
	e.acq.note(t)

	e.setFault("inquiryPayment", "http500", 1, 0)
	body, _ := json.Marshal(alipayplus.InquiryPaymentRequest{PaymentID: resp.PaymentID})
	if ans, err := e.api.Post(t.Context(), alipayplus.PathInquiryPayment, body); ans.Status != 500 || err == nil {
		t.Errorf("inquiry http500: %d %v", ans.Status, err)
	}

	// A refund answered with a bad signature was made; the resend returns it.
	e.setFault("refund", "badsig", 1, 0)
	rbody, _ := json.Marshal(alipayplus.RefundRequest{RefundRequestID: "RF-BADSIG", PaymentID: resp.PaymentID, RefundAmount: usd("100")})
	if _, err := e.api.Post(t.Context(), alipayplus.PathRefund, rbody); err == nil || !strings.Contains(err.Error(), "signature") {
		t.Errorf("refund badsig: %v", err)
	}
	if r := e.refundCall("RF-BADSIG", "PR-OTHER-FAULTS", usd("100")); r.Result.ResultStatus != "S" {
		t.Errorf("resent refund %+v", r.Result)
	}
	if st, _ := e.sb.Payment(resp.PaymentID); st.Refunded != 100 {
		t.Errorf("refunded %d, want 100 (once)", st.Refunded)
	}

	// unknown does nothing.
	e.setFault("refund", "unknown", 1, 0)
	var r alipayplus.RefundResponse
	e.call(e.api, alipayplus.PathRefund, alipayplus.RefundRequest{RefundRequestID: "RF-UNKNOWN", PaymentID: resp.PaymentID, RefundAmount: usd("100")}, &r)
	if r.Result.ResultStatus != "U" || r.Result.ResultCode != "UNKNOWN_EXCEPTION" {
		t.Errorf("refund unknown %+v", r.Result)
	}
	if st, _ := e.sb.Payment(resp.PaymentID); st.Refunded != 100 {
		t.Errorf("refunded %d after an unknown answer, want 100", st.Refunded)
	}
}

func TestFaultCounts(t *testing.T) {
	e := setup(t)
	body, _ := json.Marshal(alipayplus.InquiryPaymentRequest{PaymentRequestID: "PR-NONE"})
	status := func() int {
		ans, _ := e.api.Post(t.Context(), alipayplus.PathInquiryPayment, body)
		return ans.Status
	}
	e.setFault("inquiryPayment", "http500", 2, 0)
	if got := []int{status(), status(), status()}; got[0] != 500 || got[1] != 500 || got[2] != 200 {
		t.Errorf("count 2 gave %v", got)
	}
	e.setFault("inquiryPayment", "http500", 0, 0)
	var list struct{ Faults []fault }
	e.postJSON(http.MethodGet, "/sandbox/api/v1/faults", "", &list)
	if len(list.Faults) != 1 || !list.Faults[0].UntilCleared {
		t.Errorf("faults %+v", list.Faults)
	}
	if got := []int{status(), status(), status()}; got[0] != 500 || got[2] != 500 {
		t.Errorf("count 0 gave %v", got)
	}
	if code := e.postJSON(http.MethodDelete, "/sandbox/api/v1/faults", "", &list); code != 200 || len(list.Faults) != 0 {
		t.Errorf("DELETE: %d %+v", code, list)
	}
	if got := status(); got != 200 {
		t.Errorf("after DELETE: HTTP %d", got)
	}
}

func TestFaultRequestErrors(t *testing.T) {
	e := setup(t)
	tests := []struct {
		body string
		has  string
	}{
		{`{"api":"payment","mode":"timeout"}`, "api"},
		{`{"api":"pay","mode":"slow"}`, "mode"},
		{`{"api":"pay","mode":"http500","count":-1}`, "count"},
		{`{"api":"pay","mode":"delay"}`, "delayMs"},
		{`{"api":"pay","mode":"delay","delayMs":600000}`, "delayMs"},
		{`{"api":"pay","mode":"http500","times":2}`, "times"},
		{`{"api":"pay","mode":"http500","count":"2"}`, "count"},
		{`not json`, "JSON"},
	}
	for _, tt := range tests {
		var ans map[string]string
		code := e.postJSON(http.MethodPost, "/sandbox/api/v1/faults", tt.body, &ans)
		if code != http.StatusBadRequest || !strings.Contains(ans["error"], tt.has) {
			t.Errorf("%s: HTTP %d %v, want 400 naming %q", tt.body, code, ans, tt.has)
		}
	}
}

// TestNotifyRetry: the acquirer answers 500 twice; confirm reports the failure and Run
// delivers the notification on the third attempt.
func TestNotifyRetry(t *testing.T) {
	e := setup(t)
	e.acq.fail.Store(2)
	attempts := e.onAttempt()
	resp := e.payOK("PR-RETRY")
	code, fin := e.confirm(resp.PaymentURL, "SUCCESS")
	if code != http.StatusOK || fin.Notified || !strings.Contains(fin.NotifyError, "HTTP 500") {
		t.Fatalf("confirm: HTTP %d %+v", code, fin)
	}
	e.acq.noNote(t)
	stop := e.runSandbox()
	n := e.acq.note(t)
	if n.PaymentID != resp.PaymentID || n.PaymentResult.ResultStatus != "S" {
		t.Errorf("notification %+v", n)
	}
	for range 3 {
		waitFor(t, attempts, "a notification attempt")
	}
	stop()
	st, _ := e.sb.Payment(resp.PaymentID)
	if !st.Notified || st.NotifyPending || st.NotifyTries != 3 || st.NotifyError != "" {
		t.Errorf("state %+v", st)
	}
	e.acq.noNote(t)
}

func TestNotifyGivesUp(t *testing.T) {
	e := setup(t, func(c *Config) { c.RetryDelays = []time.Duration{time.Millisecond, time.Millisecond} })
	e.acq.fail.Store(1000)
	resp := e.payOK("PR-GIVEUP")
	e.confirm(resp.PaymentURL, "SUCCESS")
	stop := e.runSandbox()
	for i := range 3 {
		select {
		case h := <-e.acq.hits:
			if h != "500" {
				t.Fatalf("hit %d: %s", i, h)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("only %d attempts within 5 s", i)
		}
	}
	stop()
	st, _ := e.sb.Payment(resp.PaymentID)
	if st.Notified || st.NotifyPending || st.NotifyTries != 3 || !strings.Contains(st.NotifyError, "gave up after 3 attempts") {
		t.Errorf("state %+v", st)
	}
	if len(e.acq.hits) != 0 {
		t.Errorf("%d attempts beyond the limit", len(e.acq.hits))
	}
}

func TestNotifyStopsWhenCancelled(t *testing.T) {
	e := setup(t)
	e.acq.fail.Store(1)
	resp := e.payOK("PR-CANCEL-RETRY")
	e.confirm(resp.PaymentURL, "SUCCESS")
	e.cancel(alipayplus.CancelPaymentRequest{PaymentID: resp.PaymentID})
	stop := e.runSandbox()
	stop()
	if st, _ := e.sb.Payment(resp.PaymentID); st.NotifyPending || st.NotifyTries != 1 {
		t.Errorf("state %+v", st)
	}
	if len(e.acq.hits) != 1 {
		t.Errorf("%d attempts, want 1", len(e.acq.hits))
	}
}

func TestNotifyFaults(t *testing.T) {
	tests := []struct {
		mode      string
		delayMs   int
		errHas    string // in the first attempt's error; "" = delivered at once
		acquirerS string // what the acquirer saw of the first attempt; "" = nothing
		copies    int    // notifications the acquirer gets when delivered at once (default 1)
	}{
		{mode: "http500", errHas: "HTTP 500"},
		{mode: "timeout", errHas: "timed out"},
		{mode: "badsig", errHas: "HTTP 401", acquirerS: "rejected"},
		{mode: "garbage", errHas: "F/PARAM_ILLEGAL", acquirerS: "refused"},
		{mode: "unknown", errHas: "F/PARAM_ILLEGAL", acquirerS: "refused"},
		{mode: "delay", delayMs: 20},
		{mode: "duplicate", delayMs: 20, copies: 3},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			e := setup(t)
			e.setFault("notify", tt.mode, 1, tt.delayMs)
			attempts := e.onAttempt()
			resp := e.payOK("PR-NOTIFY-FAULT")
			code, fin := e.confirm(resp.PaymentURL, "SUCCESS")
			if code != http.StatusOK || fin.PaymentStatus != "SUCCESS" {
				t.Fatalf("confirm: HTTP %d %+v", code, fin)
			}
			if tt.errHas == "" {
				if !fin.Notified {
					t.Errorf("not notified: %+v", fin)
				}
				for range max(tt.copies, 1) {
					if n := e.acq.note(t); n.PaymentID != resp.PaymentID {
						t.Errorf("notified %s, want %s", n.PaymentID, resp.PaymentID)
					}
				}
				e.acq.noNote(t)
				return
			}
			if fin.Notified || !strings.Contains(fin.NotifyError, tt.errHas) {
				t.Errorf("confirm %+v, want notifyError with %q", fin, tt.errHas)
			}
			if tt.acquirerS != "" {
				if h := <-e.acq.hits; !strings.HasPrefix(h, tt.acquirerS) {
					t.Errorf("acquirer saw %q, want %q", h, tt.acquirerS)
				}
			}
			e.acq.noNote(t)
			stop := e.runSandbox()
			if n := e.acq.note(t); n.PaymentResult.ResultStatus != "S" {
				t.Errorf("retried notification %+v", n.PaymentResult)
			}
			waitFor(t, attempts, "the first attempt")
			waitFor(t, attempts, "the retry")
			stop()
			if st, _ := e.sb.Payment(resp.PaymentID); !st.Notified || st.NotifyTries != 2 {
				t.Errorf("state %+v", st)
			}
		})
	}
}

func TestRunOnlyOnce(t *testing.T) {
	e := setup(t)
	ctx, cancel := context.WithCancel(t.Context())
	errs := make(chan error, 2)
	for range 2 {
		go func() { errs <- e.sb.Run(ctx) }()
	}
	first := <-errs // the refused one returns at once
	if first == nil {
		t.Error("a second concurrent Run did not fail")
	}
	cancel()
	if err := <-errs; err != nil {
		t.Errorf("Run: %v", err)
	}
}
