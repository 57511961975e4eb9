package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/alipayplus"
	"github.com/entrypay/entrypay/internal/jsonwire"
)

const (
	gcashPspID = "1022170000000000000"
	txHeader   = "participantId,counterParticipantId,transactionId,transactionRequestId,originalTransactionRequestId,transactionType,transactionTime,transactionAmountValue,transactionCurrency,settlementAmountValue,settlementCurrency,pspId,walletBrandName,clearingBatchId"
	stHeader   = "participantId,settlementBatchId,settlementCurrency,valueDate,transactionCount,grossAmountValue,refundAmountValue,cancelAmountValue,netAmountValue"
)

func inHKD(value string) func(*alipayplus.PayRequest) {
	return func(r *alipayplus.PayRequest) {
		r.PaymentAmount = alipayplus.Amount{Currency: "HKD", Value: jsonwire.String(value)}
		r.Order.OrderAmount = r.PaymentAmount
	}
}

func inUSD(value string) func(*alipayplus.PayRequest) {
	return func(r *alipayplus.PayRequest) {
		r.PaymentAmount = alipayplus.Amount{Currency: "USD", Value: jsonwire.String(value)}
		r.Order.OrderAmount = r.PaymentAmount
	}
}

// paid pays and confirms with outcome, failing the test unless the payment is then paid.
func (e *env) paid(id, outcome string, mods ...func(*alipayplus.PayRequest)) alipayplus.PayResponse {
	e.t.Helper()
	resp := e.payOK(id, mods...)
	if code, fin := e.confirm(resp.PaymentURL, outcome); code != http.StatusOK || fin.PaymentStatus != "SUCCESS" {
		e.t.Fatalf("confirm %s %s: HTTP %d %+v", id, outcome, code, fin)
	}
	return resp
}

func (e *env) refundOK(refundID, paymentRequestID, currency, value string) alipayplus.RefundResponse {
	e.t.Helper()
	var resp alipayplus.RefundResponse
	e.call(e.api, alipayplus.PathRefund, alipayplus.RefundRequest{
		RefundRequestID:  refundID,
		PaymentRequestID: paymentRequestID,
		RefundAmount:     alipayplus.Amount{Currency: currency, Value: jsonwire.String(value)},
	}, &resp)
	if resp.Result.ResultStatus != "S" {
		e.t.Fatalf("refund %s: %+v", refundID, resp.Result)
	}
	return resp
}

func (e *env) cancelOK(paymentRequestID string) {
	e.t.Helper()
	var resp alipayplus.CancelPaymentResponse
	e.call(e.api, alipayplus.PathCancelPayment, alipayplus.CancelPaymentRequest{PaymentRequestID: paymentRequestID}, &resp)
	if resp.Result.ResultStatus != "S" {
		e.t.Fatalf("cancel %s: %+v", paymentRequestID, resp.Result)
	}
}

// at moves the test clock to hh:mm:ss on the given day of March 2026, UTC+8.
func (e *env) at(day, hh, mm, ss int) {
	e.t.Helper()
	want := time.Date(2026, 3, day, hh, mm, ss, 0, time.FixedZone("UTC+8", 8*3600))
	now := e.clock.Now()
	if want.Before(now) {
		e.t.Fatalf("clock would go back from %s to %s", now, want)
	}
	e.clock.Advance(want.Sub(now))
}

func csvFile(header string, lines ...string) string {
	return header + "\n" + strings.Join(append(lines, "<END>"), "\n") + "\n"
}

func stringFiles(files map[string][]byte) map[string]string {
	out := make(map[string]string, len(files))
	for name, body := range files {
		out[name] = string(body)
	}
	return out
}

// clearingDay is a day of activity across the UTC+8 midnight, in two currencies, with
// everything that must not clear mixed in.
type clearingDay struct {
	p1, p2, p3, p6, p7 alipayplus.PayResponse
	r1, r2, r3         alipayplus.RefundResponse
}

func runClearingDay(e *env) clearingDay {
	e.t.Helper()
	var d clearingDay
	e.at(14, 23, 50, 0)
	d.p1 = e.paid("P1", OutcomeSuccess, inUSD("1234"))
	e.at(14, 23, 52, 0)
	d.p2 = e.paid("P2", OutcomeNoNotify, inHKD("5000"))
	e.at(14, 23, 55, 0)
	p3 := e.payOK("P3", inUSD("2000")) // confirmed after midnight

	e.at(14, 23, 56, 0)
	// Nothing of these moves money.
	p4 := e.payOK("P4", inUSD("999"))
	if code, fin := e.confirm(p4.PaymentURL, OutcomeBalanceNotEnough); code != http.StatusOK || fin.PaymentStatus != "FAIL" {
		e.t.Fatalf("confirm P4: HTTP %d %+v", code, fin)
	}
	e.payOK("P5", inUSD("500"))
	e.cancelOK("P5")
	other := e.caller(otherClientID, 5*time.Second)
	var px alipayplus.PayResponse
	e.call(other, alipayplus.PathPay, e.payRequest("PX", inUSD("4200")), &px)
	if code, fin := e.confirm(px.PaymentURL, OutcomeNoNotify); code != http.StatusOK || fin.PaymentStatus != "SUCCESS" {
		e.t.Fatalf("confirm PX: HTTP %d %+v", code, fin)
	}

	e.at(14, 23, 58, 0)
	d.r1 = e.refundOK("R1", "P1", "USD", "234")
	e.refundOK("R1", "P1", "USD", "234") // a resend clears once
	if code, _ := e.confirm(d.p1.PaymentURL, OutcomeSuccess); code != http.StatusOK {
		e.t.Fatalf("confirm P1 again: HTTP %d", code) // same outcome again: 200, not changed
	}
	e.at(14, 23, 59, 59)
	d.p6 = e.paid("P6", OutcomeSuccess, inUSD("700"))

	e.at(15, 0, 0, 0) // midnight in UTC+8 (16:00 UTC the day before)
	if code, fin := e.confirm(p3.PaymentURL, OutcomeSuccess); code != http.StatusOK || fin.PaymentStatus != "SUCCESS" {
		e.t.Fatalf("confirm P3: HTTP %d %+v", code, fin)
	}
	d.p3 = p3
	e.at(15, 0, 2, 0)
	e.cancelOK("P2")
	e.cancelOK("P2") // a resend reverses once
	e.at(15, 0, 3, 0)
	d.r2 = e.refundOK("R2", "P1", "USD", "100")
	e.at(15, 0, 4, 0)
	d.p7 = e.paid("P7", OutcomeSuccess, inUSD("1000"))
	d.r3 = e.refundOK("R3", "P7", "USD", "300")
	e.at(15, 0, 5, 0)
	e.cancelOK("P7") // takes back the 700 the refund left
	return d
}

func TestClearingFiles(t *testing.T) {
	e := setup(t)
	d := runClearingDay(e)
	line := func(txID, reqID, orig, typ, at, amount, cur, batch string) string {
		return strings.Join([]string{acqClientID, gcashPspID, txID, reqID, orig, typ, at, amount, cur, amount, cur, gcashPspID, "GCash", batch}, ",")
	}
	const (
		usd14, hkd14 = "CB20260314USD", "CB20260314HKD"
		usd15, hkd15 = "CB20260315USD", "CB20260315HKD"
	)
	name := func(kind, cur, batch string) string {
		return fmt.Sprintf("%s_%s_%s_%s_PA-%s_000.csv", kind, acqClientID, cur, batch, cur)
	}

	tests := []struct {
		date string
		want map[string]string
	}{
		{"2026-03-14", map[string]string{
			name("transactionItems", "USD", usd14): csvFile(txHeader,
				line(d.p1.PaymentID, "P1", "", "PAYMENT", "2026-03-14T23:50:00+08:00", "1234", "USD", usd14),
				line(d.r1.RefundID, "R1", "P1", "REFUND", "2026-03-14T23:58:00+08:00", "-234", "USD", usd14),
				line(d.p6.PaymentID, "P6", "", "PAYMENT", "2026-03-14T23:59:59+08:00", "700", "USD", usd14)),
			name("settlement", "USD", usd14): csvFile(stHeader,
				acqClientID+",CB20260314USD,USD,2026-03-15,3,1934,-234,0,1700"),
			name("transactionItems", "HKD", hkd14): csvFile(txHeader,
				line(d.p2.PaymentID, "P2", "", "PAYMENT", "2026-03-14T23:52:00+08:00", "5000", "HKD", hkd14)),
			name("settlement", "HKD", hkd14): csvFile(stHeader,
				acqClientID+",CB20260314HKD,HKD,2026-03-15,1,5000,0,0,5000"),
		}},
		{"2026-03-15", map[string]string{
			name("transactionItems", "USD", usd15): csvFile(txHeader,
				line(d.p3.PaymentID, "P3", "", "PAYMENT", "2026-03-15T00:00:00+08:00", "2000", "USD", usd15),
				line(d.r2.RefundID, "R2", "P1", "REFUND", "2026-03-15T00:03:00+08:00", "-100", "USD", usd15),
				line(d.p7.PaymentID, "P7", "", "PAYMENT", "2026-03-15T00:04:00+08:00", "1000", "USD", usd15),
				line(d.r3.RefundID, "R3", "P7", "REFUND", "2026-03-15T00:04:00+08:00", "-300", "USD", usd15),
				line(d.p7.PaymentID, "P7", "P7", "CANCEL", "2026-03-15T00:05:00+08:00", "-700", "USD", usd15)),
			name("settlement", "USD", usd15): csvFile(stHeader,
				acqClientID+",CB20260315USD,USD,2026-03-16,5,3000,-400,-700,1900"),
			name("transactionItems", "HKD", hkd15): csvFile(txHeader,
				line(d.p2.PaymentID, "P2", "P2", "CANCEL", "2026-03-15T00:02:00+08:00", "-5000", "HKD", hkd15)),
			name("settlement", "HKD", hkd15): csvFile(stHeader,
				acqClientID+",CB20260315HKD,HKD,2026-03-16,1,0,0,-5000,-5000"),
		}},
		{"2026-03-13", map[string]string{}},
		{"2026-03-16", map[string]string{}},
	}
	for _, tt := range tests {
		files, err := e.sb.ClearingFiles(acqClientID, tt.date, entrypay.DefaultClearing)
		if err != nil {
			t.Fatalf("ClearingFiles(%s): %v", tt.date, err)
		}
		if diff := cmp.Diff(tt.want, stringFiles(files)); diff != "" {
			t.Errorf("ClearingFiles(%s) (-want +got):\n%s", tt.date, diff)
		}
	}

	// The other acquirer sees only its own payment.
	files, err := e.sb.ClearingFiles(otherClientID, "2026-03-14", entrypay.DefaultClearing)
	if err != nil {
		t.Fatal(err)
	}
	st := fmt.Sprintf("settlement_%s_USD_CB20260314USD_PA-USD_000.csv", otherClientID)
	if got, want := string(files[st]), csvFile(stHeader, otherClientID+",CB20260314USD,USD,2026-03-15,1,4200,0,0,4200"); len(files) != 2 || got != want {
		t.Errorf("other acquirer's files: %d files, %s = %q, want %q", len(files), st, got, want)
	}

	// On a UTC cycle the whole activity, 15:50–16:05 UTC, is one day.
	files, err = e.sb.ClearingFiles(acqClientID, "2026-03-14", entrypay.Clearing{Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	wantUTC := map[string]string{
		name("settlement", "USD", usd14): csvFile(stHeader, acqClientID+",CB20260314USD,USD,2026-03-15,8,4934,-634,-700,3600"),
		name("settlement", "HKD", hkd14): csvFile(stHeader, acqClientID+",CB20260314HKD,HKD,2026-03-15,2,5000,0,-5000,0"),
	}
	for n, want := range wantUTC {
		if got := string(files[n]); got != want {
			t.Errorf("UTC cycle: %s = %q, want %q", n, got, want)
		}
	}
	if tx := string(files[name("transactionItems", "USD", usd14)]); !strings.Contains(tx, ",2026-03-14T16:05:00Z,") {
		t.Errorf("UTC cycle: times are not written in the cycle's zone:\n%s", tx)
	}
	if len(files) != 4 {
		t.Errorf("UTC cycle: %d files, want 4", len(files))
	}
}

func TestClearingFilesRefusesBadArguments(t *testing.T) {
	e := setup(t)
	for _, tt := range []struct{ acquirer, date string }{
		{"", "2026-03-14"},
		{acqClientID, "20260314"},
		{acqClientID, "2026-02-30"},
		{acqClientID, "2026-3-4"},
		{acqClientID, ""},
	} {
		if files, err := e.sb.ClearingFiles(tt.acquirer, tt.date, entrypay.DefaultClearing); err == nil {
			t.Errorf("ClearingFiles(%q, %q) = %v, want an error", tt.acquirer, tt.date, files)
		}
	}
}

func TestClearingRoutes(t *testing.T) {
	e := setup(t)
	runClearingDay(e)
	want, err := e.sb.ClearingFiles(acqClientID, "2026-03-14", entrypay.DefaultClearing)
	if err != nil {
		t.Fatal(err)
	}
	var wantNames []string
	for n := range want {
		wantNames = append(wantNames, n)
	}
	slices.Sort(wantNames)

	for _, date := range []string{"2026-03-14", "20260314"} {
		code, body := e.get(e.srv.URL + "/sandbox/settlements/" + acqClientID + "/" + date)
		var names []string
		if err := json.Unmarshal([]byte(body), &names); code != http.StatusOK || err != nil {
			t.Fatalf("list %s: HTTP %d %s (%v)", date, code, body, err)
		}
		if diff := cmp.Diff(wantNames, names); diff != "" {
			t.Errorf("list %s (-want +got):\n%s", date, diff)
		}
	}
	for _, n := range wantNames {
		res, err := e.web.Get(e.srv.URL + "/sandbox/settlements/" + acqClientID + "/2026-03-14/" + n)
		if err != nil {
			t.Fatal(err)
		}
		body := readAll(t, res)
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" || body != string(want[n]) {
			t.Errorf("GET %s: HTTP %d, %s, %q; want 200, text/csv and %q", n, res.StatusCode, res.Header.Get("Content-Type"), body, want[n])
		}
	}

	for _, tt := range []struct {
		path string
		code int
		body string
	}{
		{"/sandbox/settlements/" + acqClientID + "/2026-03-13", http.StatusOK, "[]\n"},
		{"/sandbox/settlements/NOBODY/2026-03-14", http.StatusOK, "[]\n"},
		{"/sandbox/settlements/" + acqClientID + "/2026-02-30", http.StatusBadRequest, ""},
		{"/sandbox/settlements/" + acqClientID + "/yesterday", http.StatusBadRequest, ""},
		{"/sandbox/settlements/" + acqClientID + "/2026-03-14/" + strings.Replace(wantNames[0], acqClientID, otherClientID, 1), http.StatusNotFound, ""},
		{"/sandbox/settlements/" + acqClientID + "/2026-03-13/" + wantNames[0], http.StatusNotFound, ""},
	} {
		code, body := e.get(e.srv.URL + tt.path)
		if code != tt.code || tt.body != "" && body != tt.body {
			t.Errorf("GET %s: HTTP %d %q, want %d %q", tt.path, code, body, tt.code, tt.body)
		}
	}
}

func readAll(t *testing.T, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestTamperAndDropClearing(t *testing.T) {
	e := setup(t)
	p1 := e.paid("P1", OutcomeSuccess, inUSD("1234"))
	e.sb.TamperClearing("R1", -1) // before the refund exists: applies to it all the same
	rf := e.refundOK("R1", "P1", "USD", "234")
	e.paid("P2", OutcomeNoNotify, inHKD("5000"))

	before, err := e.sb.ClearingFiles(acqClientID, "2026-03-14", entrypay.DefaultClearing)
	if err != nil {
		t.Fatal(err)
	}
	e.sb.TamperClearing("R1", -1) // calls add up
	e.sb.TamperClearing("P1", 10)
	e.sb.DropClearing("P2")
	after, err := e.sb.ClearingFiles(acqClientID, "2026-03-14", entrypay.DefaultClearing)
	if err != nil {
		t.Fatal(err)
	}

	usd := "transactionItems_SANDBOX_ACQ_1_USD_CB20260314USD_PA-USD_000.csv"
	usdSt := "settlement_SANDBOX_ACQ_1_USD_CB20260314USD_PA-USD_000.csv"
	hkdSt := "settlement_SANDBOX_ACQ_1_HKD_CB20260314HKD_PA-HKD_000.csv"
	if got, want := string(before[usdSt]), csvFile(stHeader, acqClientID+",CB20260314USD,USD,2026-03-15,2,1234,-235,0,999"); got != want {
		t.Errorf("before: %s = %q, want %q", usdSt, got, want)
	}
	if _, ok := before[hkdSt]; !ok || len(before) != 4 {
		t.Errorf("before: %d files, want 4 with %s", len(before), hkdSt)
	}

	wantTx := csvFile(txHeader,
		strings.Join([]string{acqClientID, gcashPspID, p1.PaymentID, "P1", "", "PAYMENT", "2026-03-14T10:00:00+08:00", "1244", "USD", "1244", "USD", gcashPspID, "GCash", "CB20260314USD"}, ","),
		strings.Join([]string{acqClientID, gcashPspID, rf.RefundID, "R1", "P1", "REFUND", "2026-03-14T10:00:00+08:00", "-236", "USD", "-236", "USD", gcashPspID, "GCash", "CB20260314USD"}, ","))
	want := map[string]string{
		usd:   wantTx,
		usdSt: csvFile(stHeader, acqClientID+",CB20260314USD,USD,2026-03-15,2,1244,-236,0,1008"),
	}
	if diff := cmp.Diff(want, stringFiles(after)); diff != "" {
		t.Errorf("after tampering (-want +got):\n%s", diff)
	}
}

// TestClearingConcurrent records and reads clearing lines at the same time (run with -race).
func TestClearingConcurrent(t *testing.T) {
	e := setup(t)
	const n = 8
	tokens := make([]string, n)
	for i := range tokens {
		resp := e.payOK(fmt.Sprintf("PC-%d", i), inUSD("100"))
		tokens[i] = e.sb.tokenFromURL(resp.PaymentURL)
	}
	var wg sync.WaitGroup
	for _, tok := range tokens {
		wg.Go(func() {
			if _, err := e.sb.Finish(context.Background(), tok, OutcomeNoNotify); err != nil {
				t.Error(err)
			}
		})
		wg.Go(func() {
			if _, err := e.sb.ClearingFiles(acqClientID, "2026-03-14", entrypay.DefaultClearing); err != nil {
				t.Error(err)
			}
			e.sb.TamperClearing("PC-0", 0)
		})
	}
	wg.Wait()
	files, err := e.sb.ClearingFiles(acqClientID, "2026-03-14", entrypay.DefaultClearing)
	if err != nil {
		t.Fatal(err)
	}
	st := "settlement_SANDBOX_ACQ_1_USD_CB20260314USD_PA-USD_000.csv"
	if got, want := string(files[st]), csvFile(stHeader, fmt.Sprintf("%s,CB20260314USD,USD,2026-03-15,%d,%d,0,0,%d", acqClientID, n, 100*n, 100*n)); got != want {
		t.Errorf("%s = %q, want %q", st, got, want)
	}
}
