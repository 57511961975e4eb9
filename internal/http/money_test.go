package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/ams"
	"github.com/entrypay/entrypay/internal/antomsig"
	"github.com/entrypay/entrypay/internal/fx"
	"github.com/entrypay/entrypay/internal/reports"
	"github.com/entrypay/entrypay/internal/sandbox"
	"github.com/entrypay/entrypay/internal/walletfiles"
)

// movableClock is real time shifted by an offset a test can move on, so that signed
// requests stay inside the Request-Time window while the clearing day ends.
type movableClock struct{ offset atomic.Int64 }

func (c *movableClock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *movableClock) MoveTo(t time.Time)      { c.offset.Store(int64(time.Until(t))) }
func (c *movableClock) Advance(d time.Duration) { c.offset.Add(int64(d)) }
func (c *movableClock) at(hour int, day time.Time) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), hour, 0, 0, 0, day.Location())
}

// book is what a test expects the books to hold for one merchant, computed from the API's
// answers and the pricing, independently of the ledger.
type book struct {
	gross, refunds, cancels, fees      int64
	payments, refundCount, cancelCount int
}

func (b book) net() int64 { return b.gross + b.refunds + b.cancels + b.fees }

// moneyMerchant pays and refunds through the signed API.
type moneyMerchant struct {
	t   *testing.T
	h   *harness
	m   *entrypay.Merchant
	n   int
	fx  *fx.Engine
	pr  entrypay.Pricing
	exp book
}

const phUA = "Mozilla/5.0 (Linux; Android 14) Mobile GCash/5.80.0 AlipayConnect"

// pay takes a payment, has the customer confirm it, and accounts for it.
func (mm *moneyMerchant) pay(value int64, currency string) ams.PayResponse {
	t, h := mm.t, mm.h
	mm.n++
	body := strings.NewReplacer(`"currency":"HKD"`, `"currency":"`+currency+`"`, `"value":"1"`, fmt.Sprintf(`"value":"%d"`, value)).
		Replace(payBody(fmt.Sprintf("m-%s-%d", mm.m.ID[len(mm.m.ID)-6:], mm.n), 1, phUA, "https://merchant.example/n"))
	res, raw := h.call(t, mm.m, ams.PathPay, body)
	if res.ResultStatus != "S" {
		t.Fatalf("pay %d %s: %s", value, currency, raw)
	}
	var pay ams.PayResponse
	_ = json.Unmarshal(raw, &pay)
	if _, err := h.sb.Finish(context.Background(), tokenOf(pay.RedirectActionForm.RedirectURL), sandbox.OutcomeSuccess); err != nil {
		t.Fatal(err)
	}
	// The settlement amount: the payment converted at the quote the pay answer disclosed.
	gross := entrypay.Amount{Value: value, Currency: currency}
	if mm.m.SettlementCurrency != currency {
		if pay.SettlementQuote == nil || pay.GrossSettlementAmount == nil {
			t.Fatalf("pay %s for a %s merchant: no settlement quote in %s", currency, mm.m.SettlementCurrency, raw)
		}
		q := &entrypay.Quote{Pair: pay.SettlementQuote.QuoteCurrencyPair, Price: string(pay.SettlementQuote.QuotePrice)}
		var err error
		if gross, err = mm.fx.Convert(gross, q); err != nil {
			t.Fatal(err)
		}
		if string(pay.GrossSettlementAmount.Value) != gross.ValueString() {
			t.Fatalf("grossSettlementAmount %s, converting at the quote gives %s", pay.GrossSettlementAmount.Value, gross.ValueString())
		}
	} else if pay.SettlementQuote != nil {
		t.Fatalf("a same-currency payment disclosed a quote: %s", raw)
	}
	fixed := mm.pr.FixedFee
	fee, err := mm.fx.Fee(gross, mm.pr.DiscountRateBps, fixed)
	if err != nil {
		t.Fatal(err)
	}
	mm.exp.gross += gross.Value
	mm.exp.fees -= fee.Value
	mm.exp.payments++
	quote := "no conversion"
	if pay.SettlementQuote != nil {
		quote = pay.SettlementQuote.QuoteCurrencyPair + " " + string(pay.SettlementQuote.QuotePrice)
	}
	t.Logf("%s merchant: pay %s (%s) → settlement %s, fee %s", mm.m.SettlementCurrency, entrypay.Amount{Value: value, Currency: currency}, quote, gross, fee)
	return pay
}

// refund refunds part of a payment and accounts for it: the refund's settlement amount
// as the API answers it, and the returned fee share when the pricing returns it.
func (mm *moneyMerchant) refund(pay ams.PayResponse, value int64, returnFee bool) {
	t, h := mm.t, mm.h
	mm.n++
	res, raw := h.call(t, mm.m, ams.PathRefund, fmt.Sprintf(`{"refundRequestId":"r-%d","paymentId":%q,"refundAmount":{"currency":%q,"value":"%d"}}`,
		mm.n, pay.PaymentID, pay.PaymentAmount.Currency, value))
	if res.ResultStatus != "S" {
		t.Fatalf("refund: %s", raw)
	}
	var rf ams.RefundResponse
	_ = json.Unmarshal(raw, &rf)
	r, err := h.gw.RefundOf(context.Background(), mm.m, entrypay.RefundRef{ID: rf.RefundID})
	if err != nil {
		t.Fatal(err)
	}
	if mm.m.SettlementCurrency != string(pay.PaymentAmount.Currency) && (rf.GrossSettlementAmount == nil || string(rf.GrossSettlementAmount.Value) != r.SettlementAmount.ValueString()) {
		t.Fatalf("refund answer %s does not disclose its settlement amount %v", raw, r.SettlementAmount)
	}
	mm.exp.refunds -= r.SettlementAmount.Value
	t.Logf("%s merchant: refund %s of %s → settlement −%s, fee returned %s", mm.m.SettlementCurrency, r.Amount, pay.PaymentID, r.SettlementAmount, r.FeeReturned)
	if returnFee {
		mm.exp.fees += r.FeeReturned.Value
	} else if r.FeeReturned.Value != 0 {
		t.Fatalf("fee returned under a 'kept' policy: %v", r.FeeReturned)
	}
	mm.exp.refundCount++
}

// cancel reverses a paid payment: its settlement amount and its fee go back.
func (mm *moneyMerchant) cancel(pay ams.PayResponse) {
	t, h := mm.t, mm.h
	res, raw := h.call(t, mm.m, ams.PathCancel, fmt.Sprintf(`{"paymentId":%q}`, pay.PaymentID))
	if res.ResultStatus != "S" {
		t.Fatalf("cancel: %s", raw)
	}
	p, _ := h.gw.PaymentByID(context.Background(), pay.PaymentID)
	mm.exp.cancels -= p.SettlementAmount.Value
	mm.exp.fees += p.Fee.Value
	t.Logf("%s merchant: cancel %s → settlement −%s, fee returned %s", mm.m.SettlementCurrency, p.Amount, p.SettlementAmount, p.Fee)
	mm.exp.cancelCount++
}

// report fetches a report through the merchant's signed API.
func (mm *moneyMerchant) report(path, body string) ams.ReportResponse {
	mm.t.Helper()
	res, raw := mm.h.call(mm.t, mm.m, path, body)
	var r ams.ReportResponse
	_ = json.Unmarshal(raw, &r)
	if res.ResultStatus != "S" {
		mm.t.Fatalf("%s: %s", path, raw)
	}
	return r
}

func setupMoney(t *testing.T, kind string) (*harness, *movableClock, []*moneyMerchant) {
	clock := &movableClock{}
	// Start the day at 10:00 UTC+8, so that everything happens on one clearing day.
	day := time.Now().In(entrypay.DefaultClearing.Location).AddDate(0, 0, 1)
	clock.MoveTo(clock.at(10, day))
	h := newHarnessAt(t, kind, clock.Now)
	ctx := context.Background()
	if err := h.gw.AddRates(ctx, []entrypay.Rate{
		{Base: "USD", Quote: "HKD", Price: "7.8", Source: "test"},
		{Base: "USD", Quote: "JPY", Price: "150.25", Source: "test"},
		{Base: "USD", Quote: "KRW", Price: "1352.5", Source: "test"},
		{Base: "USD", Quote: "IDR", Price: "15710", Source: "test"},
		{Base: "USD", Quote: "PHP", Price: "56.09", Source: "test"},
	}); err != nil {
		t.Fatal(err)
	}
	var merchants []*moneyMerchant
	for _, spec := range []struct {
		currency string
		pricing  entrypay.Pricing
	}{
		{"USD", entrypay.Pricing{DiscountRateBps: 250, FixedFee: entrypay.Amount{Value: 30, Currency: "USD"}, RefundFeeReturned: true, FXSpreadBps: 50}},
		{"HKD", entrypay.Pricing{DiscountRateBps: 180, FXSpreadBps: 80}},
	} {
		m, err := h.gw.CreateMerchant(ctx, entrypay.NewMerchant{Name: "Shop " + spec.currency, MCC: "5812", Region: "HK", SettlementCurrency: spec.currency, Sandbox: true, PublicKey: antomsig.EncodePublicKey(&merchantKey.PublicKey)})
		if err != nil {
			t.Fatal(err)
		}
		spec.pricing.MerchantID = m.ID
		if _, err := h.gw.SetPricing(ctx, spec.pricing); err != nil {
			t.Fatal(err)
		}
		merchants = append(merchants, &moneyMerchant{t: t, h: h, m: m, fx: &fx.Engine{}, pr: spec.pricing})
	}
	return h, clock, merchants
}

// TestMoneyAddsUp drives payments in six currencies for a merchant settled in USD and one
// settled in HKD, with partial and full refunds and cancels, then closes the day and
// checks that the batches, the reports, the ledger and the wallet side agree to the last
// minor unit.
func TestMoneyAddsUp(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h, clock, ms := setupMoney(t, kind)
		usd, hkd := ms[0], ms[1]
		ctx := context.Background()
		date := h.gw.ClearingOf().Date(clock.Now())

		// The USD merchant: every currency, a refund in two parts, a partial refund, a cancel.
		hk := usd.pay(10000, "HKD")
		jp := usd.pay(1500, "JPY")
		kr := usd.pay(25000, "KRW")
		usd.pay(150000, "IDR")
		usd.pay(1234, "USD")
		usd.pay(56090, "PHP")
		usd.refund(hk, 3000, true)
		usd.refund(hk, 7000, true)
		usd.refund(jp, 500, true)
		usd.cancel(kr)
		// The HKD merchant: a full refund, a cancel, a same-currency payment.
		hkd.pay(8800, "HKD")
		u5 := hkd.pay(500, "USD")
		j3 := hkd.pay(3000, "JPY")
		hkd.refund(u5, 500, false)
		hkd.cancel(j3)

		// A day's reports are refused until the day is over.
		res, _ := h.call(t, usd.m, ams.PathTransactionItems, fmt.Sprintf(`{"transactionDate":%q}`, date))
		if res.ResultCode != "REPORT_NOT_READY" {
			t.Fatalf("report of an open day: %+v", res)
		}
		if _, err := h.gw.CloseDay(ctx, date); entrypay.ErrorCodeOf(err) != entrypay.EInvalid {
			t.Fatalf("closing an open day: %v", err)
		}

		clock.Advance(15 * time.Hour) // 01:00 the next day
		batches, err := h.gw.CloseDay(ctx, date)
		if err != nil {
			t.Fatal(err)
		}
		again, err := h.gw.CloseDay(ctx, date)
		if err != nil || len(again) != len(batches) {
			t.Fatalf("closing again: %d batches, %v", len(again), err)
		}
		if len(batches) != 2 {
			t.Fatalf("%d batches, want one per merchant", len(batches))
		}
		for _, mm := range ms {
			var b *entrypay.SettlementBatch
			for _, x := range batches {
				if x.MerchantID == mm.m.ID {
					b = x
				}
			}
			if b == nil || b.Status != entrypay.BatchClosed || b.Currency != mm.m.SettlementCurrency {
				t.Fatalf("batch of %s: %+v", mm.m.SettlementCurrency, b)
			}
			// The settlement amount is payments − refunds − cancels − fees, at the locked quotes.
			if b.Gross != mm.exp.gross || b.Refunds != mm.exp.refunds || b.Cancels != mm.exp.cancels || b.Fees != mm.exp.fees || b.Net != mm.exp.net() {
				t.Fatalf("%s batch %+v\nwant gross %d refunds %d cancels %d fees %d net %d", b.Currency, b, mm.exp.gross, mm.exp.refunds, mm.exp.cancels, mm.exp.fees, mm.exp.net())
			}
			if b.Payout != b.Net || b.Count != mm.exp.payments+mm.exp.refundCount+mm.exp.cancelCount {
				t.Fatalf("%s batch payout %d count %d", b.Currency, b.Payout, b.Count)
			}
			t.Logf("%s batch: gross %d, refunds %d, cancels %d, fees %d, net %d = payout %d (minor units of %s)",
				b.Currency, b.Gross, b.Refunds, b.Cancels, b.Fees, b.Net, b.Payout, b.Currency)

			// The reports add up to the same figures.
			details := mm.report(ams.PathSettlementItems, fmt.Sprintf(`{"settlementBatchId":%q}`, b.ID))
			rows, err := reports.ReadSettlementDetails(strings.NewReader(details.FileContent))
			if err != nil {
				t.Fatalf("%s: %v", details.FileName, err)
			}
			var sum int64
			for _, r := range rows {
				sum += r.SettlementAmount.Value + r.Fee.Value
			}
			if sum != b.Net || len(rows) != b.Count {
				t.Fatalf("settlement details sum to %d over %d rows, batch net %d over %d", sum, len(rows), b.Net, b.Count)
			}
			summary := mm.report(ams.PathSettlementSummary, fmt.Sprintf(`{"settlementBatchId":%q}`, b.ID))
			srows, err := reports.ReadSettlementSummary(strings.NewReader(summary.FileContent))
			if err != nil {
				t.Fatal(err)
			}
			total := srows[len(srows)-1]
			if total.SummaryType != reports.SummaryTotal || total.SettlementAmount.Value+total.Fee.Value != b.Net || total.Count != b.Count {
				t.Fatalf("summary TOTAL %+v, batch net %d", total, b.Net)
			}
			tx := mm.report(ams.PathTransactionItems, fmt.Sprintf(`{"transactionDate":%q}`, date))
			trows, err := reports.ReadTransactionDetails(strings.NewReader(tx.FileContent))
			if err != nil || len(trows) != b.Count {
				t.Fatalf("transaction details: %d rows, %v; want %d", len(trows), err, b.Count)
			}
			// The payout is confirmed and the money leaves the bank.
			if _, err := h.gw.SettleBatch(ctx, b.ID); err != nil {
				t.Fatal(err)
			}
		}
		// Another merchant's batch is not reachable.
		res, _ = h.call(t, usd.m, ams.PathSettlementItems, fmt.Sprintf(`{"settlementBatchId":%q}`, entrypay.BatchID(hkd.m.ID, "HKD", date)))
		if res.ResultCode != "ORDER_NOT_EXIST" {
			t.Fatalf("other merchant's batch: %+v", res)
		}

		// The wallet side's files match the books, line by line.
		result := reconcile(t, h, date)
		if len(result.Discrepancies) != 0 || result.Matched != 15 {
			t.Fatalf("reconciliation: %d matched, discrepancies %+v", result.Matched, result.Discrepancies)
		}
		// Once the wallet side has paid, it owes nothing more.
		err = h.db.Store.InTx(ctx, func(tx entrypay.Tx) error {
			rows, err := tx.Balances(ctx)
			for _, b := range rows {
				if strings.HasPrefix(b.Account, "wallet_receivable:") && b.Value != 0 {
					t.Errorf("%s %s = %d after settlement", b.Account, b.Currency, b.Value)
				}
				if strings.HasPrefix(b.Account, "merchant_") && b.Value != 0 {
					t.Errorf("%s %s = %d after payout", b.Account, b.Currency, b.Value)
				}
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		// The same files twice are refused.
		files, _ := h.sb.ClearingFiles("ACQ", date, h.gw.ClearingOf())
		if _, err := h.gw.Reconcile(ctx, reconciliationOf(t, files, date)); entrypay.ErrorCodeOf(err) != entrypay.EInvalid {
			t.Fatalf("second import: %v", err)
		}
	})
}

// TestReconcileFindsDiscrepancies changes and drops lines on the wallet side and sees
// them reported and held in suspense.
func TestReconcileFindsDiscrepancies(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h, clock, ms := setupMoney(t, kind)
		date := h.gw.ClearingOf().Date(clock.Now())
		a := ms[1].pay(1000, "HKD")
		b := ms[1].pay(2000, "HKD")
		ms[1].pay(3000, "HKD")
		h.sb.TamperClearing(a.PaymentID, 7)
		h.sb.DropClearing(b.PaymentID)
		clock.Advance(15 * time.Hour)
		got := reconcile(t, h, date)
		kinds := map[entrypay.DiscrepancyKind]string{}
		for _, d := range got.Discrepancies {
			kinds[d.Kind] = d.RequestID
		}
		if got.Matched != 1 || kinds[entrypay.AmountMismatch] != a.PaymentID || kinds[entrypay.MissingTheirs] != b.PaymentID || len(got.Discrepancies) != 2 {
			t.Fatalf("result %+v", got)
		}
		var suspense int64
		_ = h.db.Store.InTx(context.Background(), func(tx entrypay.Tx) error {
			suspense, _ = tx.Balance(context.Background(), entrypay.AccountSuspense("reconciliation", entrypay.NetworkSandbox), "HKD")
			return nil
		})
		// +7 cleared too much, −2000 not cleared: the receivable follows the wallet side.
		if suspense != -(7 - 2000) {
			t.Fatalf("suspense %d, want %d", suspense, -(7 - 2000))
		}
	})
}

func reconcile(t *testing.T, h *harness, date string) *entrypay.ReconcileResult {
	t.Helper()
	files, err := h.sb.ClearingFiles("ACQ", date, h.gw.ClearingOf())
	if err != nil {
		t.Fatal(err)
	}
	res, err := h.gw.Reconcile(context.Background(), reconciliationOf(t, files, date))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// reconciliationOf parses the sandbox's files as entrypay's reconcile command does.
func reconciliationOf(t *testing.T, files map[string][]byte, date string) entrypay.Reconciliation {
	t.Helper()
	in := entrypay.Reconciliation{Network: entrypay.NetworkSandbox, Date: date}
	for name, data := range files {
		in.Files = append(in.Files, entrypay.WalletFile{Name: name, Hash: fmt.Sprint(len(data))})
		kind, _, _, _, _, _, err := walletfiles.ParseName(name)
		if err != nil {
			t.Fatal(err)
		}
		switch kind {
		case walletfiles.KindTransactions:
			f, err := walletfiles.ParseTransactionFile(name, bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			in.Lines = append(in.Lines, f.Lines...)
		case walletfiles.KindSettlement:
			f, err := walletfiles.ParseSettlementFile(name, bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			in.Settled = append(in.Settled, entrypay.Amount{Value: f.Net, Currency: f.Currency})
		}
	}
	return in
}

func TestAdminMoneyAPI(t *testing.T) {
	h, clock, ms := setupMoney(t, "sqlite")
	call := func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, h.url+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+adminToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(data)
	}
	if status, body := call("PUT", "/admin/api/v1/fx/rates", `{"rates":[{"base":"USD","quote":"SGD","price":"1.34"}]}`); status != 200 || !strings.Contains(body, `"quote": "SGD"`) {
		t.Fatalf("rates: %d %s", status, body)
	}
	for _, bad := range []string{`{"rates":[{"base":"USD","quote":"SGD","price":"0"}]}`, `{"rates":[{"base":"USD","quote":"USD","price":"1"}]}`, `{"rates":[{"base":"XXY","quote":"SGD","price":"1"}]}`, `{"rates":[]}`, `{"rates":[{"base":"USD","quote":"SGD","price":"1e3"}]}`} {
		if status, body := call("PUT", "/admin/api/v1/fx/rates", bad); status != 400 {
			t.Errorf("rates %s: %d %s", bad, status, body)
		}
	}
	path := "/admin/api/v1/merchants/" + ms[0].m.ID + "/pricing"
	if status, body := call("PUT", path, `{"discountRateBps":"300","fixedFee":{"currency":"USD","value":"25"},"refundFeeReturned":true,"fxSpreadBps":"40"}`); status != 200 || !strings.Contains(body, `"300"`) {
		t.Fatalf("pricing: %d %s", status, body)
	}
	if status, body := call("PUT", path, `{"discountRateBps":"20000"}`); status != 400 {
		t.Fatalf("pricing over 100 %%: %d %s", status, body)
	}
	if status, body := call("PUT", path, `{"fixedFee":{"currency":"HKD","value":"25"}}`); status != 400 || !strings.Contains(body, "settlement currency") {
		t.Fatalf("fixed fee in another currency: %d %s", status, body)
	}
	ms[0].pay(1000, "USD")
	date := h.gw.ClearingOf().Date(clock.Now())
	if status, body := call("POST", "/admin/api/v1/settlement/close", fmt.Sprintf(`{"date":%q}`, date)); status != 400 {
		t.Fatalf("closing an open day: %d %s", status, body)
	}
	clock.Advance(15 * time.Hour)
	status, body := call("POST", "/admin/api/v1/settlement/close", fmt.Sprintf(`{"date":%q}`, date))
	if status != 200 || !strings.Contains(body, `"status": "CLOSED"`) {
		t.Fatalf("close: %d %s", status, body)
	}
	id := entrypay.BatchID(ms[0].m.ID, "USD", date)
	if status, body := call("POST", "/admin/api/v1/settlement/batches/"+id+"/settle", ""); status != 200 || !strings.Contains(body, `"status": "SETTLED"`) {
		t.Fatalf("settle: %d %s", status, body)
	}
	if status, body := call("GET", "/admin/api/v1/settlement/batches?merchantId="+ms[0].m.ID, ""); status != 200 || !strings.Contains(body, id) {
		t.Fatalf("batches: %d %s", status, body)
	}
}
