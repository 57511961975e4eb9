package walletfiles_test

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/walletfiles"
)

var utc8 = time.FixedZone("UTC+8", 8*3600)

// parseDay parses every file the sandbox gives for a day, checks each pair, and returns
// them by currency.
func parseDay(t *testing.T, files map[string][]byte) (map[string]*walletfiles.TransactionFile, map[string]*walletfiles.SettlementFile) {
	t.Helper()
	txs := map[string]*walletfiles.TransactionFile{}
	sts := map[string]*walletfiles.SettlementFile{}
	for name, body := range files {
		kind, _, cur, _, _, _, err := walletfiles.ParseName(name)
		if err != nil {
			t.Fatalf("ParseName(%s): %v", name, err)
		}
		switch kind {
		case walletfiles.KindTransactions:
			f, err := walletfiles.ParseTransactionFile(name, bytes.NewReader(body))
			if err != nil {
				t.Fatalf("ParseTransactionFile: %v\n%s", err, body)
			}
			txs[cur] = f
		case walletfiles.KindSettlement:
			f, err := walletfiles.ParseSettlementFile(name, bytes.NewReader(body))
			if err != nil {
				t.Fatalf("ParseSettlementFile: %v\n%s", err, body)
			}
			sts[cur] = f
		}
	}
	if len(txs) != len(sts) {
		t.Fatalf("%d transaction files and %d settlement files", len(txs), len(sts))
	}
	for cur, tx := range txs {
		if err := walletfiles.CheckPair(tx, sts[cur]); err != nil {
			t.Errorf("CheckPair %s: %v", cur, err)
		}
	}
	return txs, sts
}

func TestParseSandboxFiles(t *testing.T) {
	w := newWalletSide(t)
	w.at(14, 23, 50, 0)
	p1 := w.paid("P1", "USD", "1234", tngUA)
	w.at(14, 23, 55, 0)
	p2 := w.paid("P2", "HKD", "5000", gcashUA)
	r1 := w.refund("R1", "P1", "USD", "234")
	w.at(15, 0, 0, 30)
	w.cancel("P2")
	r2 := w.refund("R2", "P1", "USD", "1000")

	tng := func(l entrypay.ClearingLine) entrypay.ClearingLine {
		l.PspID, l.WalletBrand = "1022171000000000001", oddWalletName
		return l
	}
	gcash := func(l entrypay.ClearingLine) entrypay.ClearingLine {
		l.PspID, l.WalletBrand = "1022170000000000000", "GCash"
		return l
	}
	usd := func(v int64) entrypay.Amount { return entrypay.Amount{Value: v, Currency: "USD"} }
	hkd := func(v int64) entrypay.Amount { return entrypay.Amount{Value: v, Currency: "HKD"} }

	tests := []struct {
		date  string
		lines map[string][]entrypay.ClearingLine
		sts   map[string]walletfiles.SettlementFile
	}{
		{"2026-03-14", map[string][]entrypay.ClearingLine{
			"USD": {
				tng(entrypay.ClearingLine{TransactionID: p1.PaymentID, RequestID: "P1", Type: entrypay.TxPayment, Time: time.Date(2026, 3, 14, 23, 50, 0, 0, utc8), Amount: usd(1234)}),
				tng(entrypay.ClearingLine{TransactionID: r1.RefundID, RequestID: "R1", OriginalRequestID: "P1", Type: entrypay.TxRefund, Time: time.Date(2026, 3, 14, 23, 55, 0, 0, utc8), Amount: usd(-234)}),
			},
			"HKD": {
				gcash(entrypay.ClearingLine{TransactionID: p2.PaymentID, RequestID: "P2", Type: entrypay.TxPayment, Time: time.Date(2026, 3, 14, 23, 55, 0, 0, utc8), Amount: hkd(5000)}),
			},
		}, map[string]walletfiles.SettlementFile{
			"USD": {SettlementBatchID: "CB20260314USD", Currency: "USD", ValueDate: "2026-03-15", Count: 2, Gross: 1234, Refunds: -234, Net: 1000},
			"HKD": {SettlementBatchID: "CB20260314HKD", Currency: "HKD", ValueDate: "2026-03-15", Count: 1, Gross: 5000, Net: 5000},
		}},
		{"2026-03-15", map[string][]entrypay.ClearingLine{
			"USD": {
				tng(entrypay.ClearingLine{TransactionID: r2.RefundID, RequestID: "R2", OriginalRequestID: "P1", Type: entrypay.TxRefund, Time: time.Date(2026, 3, 15, 0, 0, 30, 0, utc8), Amount: usd(-1000)}),
			},
			"HKD": {
				gcash(entrypay.ClearingLine{TransactionID: p2.PaymentID, RequestID: "P2", OriginalRequestID: "P2", Type: entrypay.TxCancel, Time: time.Date(2026, 3, 15, 0, 0, 30, 0, utc8), Amount: hkd(-5000)}),
			},
		}, map[string]walletfiles.SettlementFile{
			"USD": {SettlementBatchID: "CB20260315USD", Currency: "USD", ValueDate: "2026-03-16", Count: 1, Refunds: -1000, Net: -1000},
			"HKD": {SettlementBatchID: "CB20260315HKD", Currency: "HKD", ValueDate: "2026-03-16", Count: 1, Cancels: -5000, Net: -5000},
		}},
	}
	for _, tt := range tests {
		files, err := w.sb.ClearingFiles(acquirerID, tt.date, entrypay.DefaultClearing)
		if err != nil {
			t.Fatal(err)
		}
		txs, sts := parseDay(t, files)
		for cur, want := range tt.lines {
			tx := txs[cur]
			if tx == nil {
				t.Errorf("%s: no %s transaction file", tt.date, cur)
				continue
			}
			if tx.ParticipantID != acquirerID || tx.Currency != cur || tx.AgreementID != "PA-"+cur || tx.ClearingBatchID != tt.sts[cur].SettlementBatchID {
				t.Errorf("%s: transaction file %+v", tt.date, tx)
			}
			if diff := cmp.Diff(want, tx.Lines); diff != "" {
				t.Errorf("%s %s lines (-want +got):\n%s", tt.date, cur, diff)
			}
			wantSt := tt.sts[cur]
			wantSt.Name, wantSt.ParticipantID = strings.Replace(tx.Name, "transactionItems_", "settlement_", 1), acquirerID
			if diff := cmp.Diff(&wantSt, sts[cur]); diff != "" {
				t.Errorf("%s %s settlement (-want +got):\n%s", tt.date, cur, diff)
			}
		}
		if len(txs) != len(tt.lines) {
			t.Errorf("%s: %d currencies, want %d", tt.date, len(txs), len(tt.lines))
		}
	}

	// A tampered line still parses and its pair still adds up: the difference is for
	// reconciliation against entrypay's books to find.
	w.sb.TamperClearing("R1", -1)
	files, err := w.sb.ClearingFiles(acquirerID, "2026-03-14", entrypay.DefaultClearing)
	if err != nil {
		t.Fatal(err)
	}
	txs, sts := parseDay(t, files)
	if got := txs["USD"].Lines[1].Amount.Value; got != -235 || sts["USD"].Net != 999 {
		t.Errorf("tampered refund = %d, net %d; want -235, 999", got, sts["USD"].Net)
	}
}

func TestParseName(t *testing.T) {
	kind, participant, cur, batch, agreement, seq, err := walletfiles.ParseName("/v1/settlements/clearing/X/20260315/transactionItems_SANDBOX_ACQ_1_HKD_CB20260314HKD_PA-HKD_007.csv")
	if err != nil {
		t.Fatal(err)
	}
	got := []string{kind, participant, cur, batch, agreement, seq}
	if want := []string{"transactionItems", "SANDBOX_ACQ_1", "HKD", "CB20260314HKD", "PA-HKD", "007"}; !slices.Equal(got, want) {
		t.Errorf("ParseName = %q, want %q", got, want)
	}
	for _, tt := range []struct{ name, want string }{
		{"transactionItems_P_HKD_B_A_000.txt", "does not end in .csv"},
		{"feeItems_P_HKD_B_A_000.csv", "does not start with"},
		{"transactionItems_HKD_B_A_000.csv", "want transactionItems_<participantId>"},
		{"settlement__HKD_B_A_000.csv", "participantId is empty"},
		{"settlement_P_HKD__A_000.csv", "batch id is empty"},
		{"settlement_P_HKD_B__000.csv", "participantAgreementId is empty"},
		{"settlement_P_HKD_B_A_1.csv", `seq "1" is not three digits`},
		{"settlement_P_hkd_B_A_000.csv", `settlement currency "hkd" is not an ISO 4217`},
		{"settlement_P_ABC_B_A_000.csv", `settlement currency "ABC" is not an ISO 4217`},
	} {
		_, _, _, _, _, _, err := walletfiles.ParseName(tt.name)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.name) {
			t.Errorf("ParseName(%s) = %v, want an error naming the file and saying %q", tt.name, err, tt.want)
		}
	}
}

const (
	txName    = "transactionItems_ACQ_1_USD_CB20260314USD_PA-USD_000.csv"
	stName    = "settlement_ACQ_1_USD_CB20260314USD_PA-USD_000.csv"
	txHeader  = "participantId,counterParticipantId,transactionId,transactionRequestId,originalTransactionRequestId,transactionType,transactionTime,transactionAmountValue,transactionCurrency,settlementAmountValue,settlementCurrency,pspId,walletBrandName,clearingBatchId"
	txPayment = "ACQ_1,PSP1,T1,P1,,PAYMENT,2026-03-14T10:00:00+08:00,1234,USD,1234,USD,PSP1,Wallet,CB20260314USD"
	txRefund  = "ACQ_1,PSP1,T2,R1,P1,REFUND,2026-03-14T11:00:00+08:00,-234,USD,-234,USD,PSP1,Wallet,CB20260314USD"
	txCancel  = "ACQ_1,PSP1,T1,P1,P1,CANCEL,2026-03-14T12:00:00+08:00,-1000,USD,-1000,USD,PSP1,Wallet,CB20260314USD"
	stHeader  = "participantId,settlementBatchId,settlementCurrency,valueDate,transactionCount,grossAmountValue,refundAmountValue,cancelAmountValue,netAmountValue"
	stLine    = "ACQ_1,CB20260314USD,USD,2026-03-15,3,1234,-234,-1000,0"
)

func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

func TestParseTransactionFileGood(t *testing.T) {
	want := []entrypay.ClearingLine{
		{TransactionID: "T1", RequestID: "P1", Type: "PAYMENT", Time: time.Date(2026, 3, 14, 10, 0, 0, 0, utc8), Amount: entrypay.Amount{Value: 1234, Currency: "USD"}, PspID: "PSP1", WalletBrand: "Wallet"},
		{TransactionID: "T2", RequestID: "R1", OriginalRequestID: "P1", Type: "REFUND", Time: time.Date(2026, 3, 14, 11, 0, 0, 0, utc8), Amount: entrypay.Amount{Value: -234, Currency: "USD"}, PspID: "PSP1", WalletBrand: "Wallet"},
		{TransactionID: "T1", RequestID: "P1", OriginalRequestID: "P1", Type: "CANCEL", Time: time.Date(2026, 3, 14, 12, 0, 0, 0, utc8), Amount: entrypay.Amount{Value: -1000, Currency: "USD"}, PspID: "PSP1", WalletBrand: "Wallet"},
	}
	for _, tt := range []struct{ name, file string }{
		{"as written", lines(txHeader, txPayment, txRefund, txCancel, "<END>")},
		{"no final newline", lines(txHeader, txPayment, txRefund, txCancel) + "<END>"},
		{"CRLF and a byte order mark", "\ufeff" + strings.ReplaceAll(lines(txHeader, txPayment, txRefund, txCancel, "<END>"), "\n", "\r\n")},
		{"columns reordered, one added, fields quoted", lines(
			"extra,clearingBatchId,walletBrandName,pspId,settlementCurrency,settlementAmountValue,transactionCurrency,transactionAmountValue,transactionTime,transactionType,originalTransactionRequestId,transactionRequestId,transactionId,counterParticipantId,participantId",
			`x,CB20260314USD,"Wallet",PSP1,USD,1234,USD,1234,2026-03-14T10:00:00+08:00,PAYMENT,,P1,T1,PSP1,ACQ_1`,
			`"y, z",CB20260314USD,Wallet,PSP1,USD,-234,USD,-234,2026-03-14T03:00:00Z,REFUND,P1,R1,T2,PSP1,ACQ_1`,
			`,CB20260314USD,Wallet,PSP1,USD,-1000,USD,-1000,2026-03-14T12:00:00+08:00,CANCEL,P1,P1,T1,PSP1,ACQ_1`,
			"<END>")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := walletfiles.ParseTransactionFile(txName, strings.NewReader(tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, f.Lines); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
			if f.Name != txName || f.ParticipantID != "ACQ_1" || f.Currency != "USD" || f.ClearingBatchID != "CB20260314USD" || f.AgreementID != "PA-USD" {
				t.Errorf("file = %+v", f)
			}
		})
	}

	f, err := walletfiles.ParseTransactionFile(txName, strings.NewReader(lines(txHeader, "<END>")))
	if err != nil || len(f.Lines) != 0 {
		t.Errorf("a file without transactions = %+v, %v; want no lines", f, err)
	}
}

// swap replaces the n-th comma-separated field of line (0-based).
func swap(line string, n int, v string) string {
	f := strings.Split(line, ",")
	f[n] = v
	return strings.Join(f, ",")
}

func TestParseTransactionFileErrors(t *testing.T) {
	good := func(ls ...string) string { return lines(append(append([]string{txHeader}, ls...), "<END>")...) }
	tests := []struct {
		name      string
		file      string
		line      int // 0: not on a line
		want      string
		truncated bool
	}{
		{"truncated", lines(txHeader, txPayment, txRefund), 0, "truncated", true},
		{"empty", "", 0, "truncated", true},
		{"header only", lines(txHeader), 0, "truncated", true},
		{"only <END>", lines("<END>"), 1, "no header line", false},
		{"line after <END>", lines(txHeader, txPayment, "<END>", txRefund), 4, "line after <END> (line 3)", false},
		{"second <END>", lines(txHeader, txPayment, "<END>", "<END>"), 4, "line after <END>", false},
		{"wrong participant", good(txPayment, swap(txRefund, 0, "ACQ_2")), 3, `participantId "ACQ_2" is not the file's participant "ACQ_1"`, false},
		{"negative payment", good(swap(swap(txPayment, 7, "-1234"), 9, "-1234")), 2, "transactionAmountValue -1234 of a PAYMENT must be positive", false},
		{"positive refund", good(txPayment, swap(swap(txRefund, 7, "234"), 9, "234")), 3, "transactionAmountValue 234 of a REFUND must be negative", false},
		{"zero cancel", good(txPayment, swap(swap(txCancel, 7, "0"), 9, "0")), 3, "transactionAmountValue 0 of a CANCEL must be negative", false},
		{"duplicate", good(txPayment, txRefund, swap(txRefund, 2, "T3")), 4, `REFUND transactionRequestId "R1" is already on line 3`, false},
		{"missing column", lines(strings.Replace(txHeader, ",transactionTime", "", 1), "<END>"), 1, "header lacks column transactionTime", false},
		{"columns missing", lines("participantId,transactionId", "<END>"), 1, "header lacks column counterParticipantId, transactionRequestId,", false},
		{"column twice", lines(txHeader+",pspId", "<END>"), 1, `header names column "pspId" twice`, false},
		{"unknown type", good(swap(txPayment, 5, "CAPTURE")), 2, `transactionType "CAPTURE" is not PAYMENT, REFUND or CANCEL`, false},
		{"bad time", good(swap(txPayment, 6, "2026-03-14 10:00:00")), 2, `transactionTime "2026-03-14 10:00:00" is not an ISO 8601`, false},
		{"time without offset", good(swap(txPayment, 6, "2026-03-14T10:00:00")), 2, "is not an ISO 8601 date-time with offset", false},
		{"unknown currency", good(swap(txPayment, 8, "ABC")), 2, `transactionCurrency "ABC" is not an ISO 4217 currency code`, false},
		{"other settlement currency", good(swap(swap(txPayment, 8, "HKD"), 10, "HKD")), 2, "settlementCurrency HKD is not the file's settlement currency USD", false},
		{"transaction currency differs", good(swap(txPayment, 8, "HKD")), 2, "transactionCurrency HKD differs from settlementCurrency USD", false},
		{"decimal amount", good(swap(txPayment, 7, "12.34")), 2, `transactionAmountValue "12.34" is not an integer`, false},
		{"plus sign", good(swap(txPayment, 7, "+1234")), 2, `transactionAmountValue "+1234" is not an integer`, false},
		{"leading zero", good(swap(txPayment, 7, "01234")), 2, `transactionAmountValue "01234" has a leading zero`, false},
		{"too many digits", good(swap(txPayment, 7, "12345678901234567")), 2, "has more than 16 digits", false},
		{"settlement amount differs", good(swap(txPayment, 9, "1235")), 2, "settlementAmountValue 1235 differs from transactionAmountValue 1234", false},
		{"other batch", good(swap(txPayment, 13, "CB20260315USD")), 2, `clearingBatchId "CB20260315USD" is not the file's batch "CB20260314USD"`, false},
		{"no request id", good(swap(txPayment, 3, "")), 2, "transactionRequestId is empty", false},
		{"refund of nothing", good(swap(txRefund, 4, "")), 2, "originalTransactionRequestId is empty: a REFUND must name its payment", false},
		{"fields missing", good(txPayment, "ACQ_1,PSP1,T2"), 3, "3 fields, the header has 14", false},
		{"bad quote", good(swap(txPayment, 12, `Wal"let`)), 2, "bare \"", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := walletfiles.ParseTransactionFile(txName, strings.NewReader(tt.file))
			if err == nil {
				t.Fatalf("parsed %+v, want an error", f)
			}
			fe, ok := errors.AsType[*walletfiles.FileError](err)
			if !ok || fe.File != txName || fe.Line != tt.line || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), txName) {
				t.Errorf("error = %v (line %d), want a *FileError on line %d saying %q", err, lineOf(fe), tt.line, tt.want)
			}
			if errors.Is(err, walletfiles.ErrTruncated) != tt.truncated {
				t.Errorf("errors.Is(%v, ErrTruncated) = %t", err, !tt.truncated)
			}
		})
	}

	for _, name := range []string{stName, "transactionItems_ACQ_1_USD_B_A_0.csv"} {
		if _, err := walletfiles.ParseTransactionFile(name, strings.NewReader(good(txPayment))); err == nil || !strings.Contains(err.Error(), "file name") {
			t.Errorf("ParseTransactionFile(%s) = %v, want a file name error", name, err)
		}
	}
}

func lineOf(fe *walletfiles.FileError) int {
	if fe == nil {
		return -1
	}
	return fe.Line
}

func TestParseSettlementFile(t *testing.T) {
	f, err := walletfiles.ParseSettlementFile(stName, strings.NewReader(lines(stHeader, stLine, "<END>")))
	if err != nil {
		t.Fatal(err)
	}
	want := &walletfiles.SettlementFile{Name: stName, ParticipantID: "ACQ_1", SettlementBatchID: "CB20260314USD", Currency: "USD", ValueDate: "2026-03-15", Count: 3, Gross: 1234, Refunds: -234, Cancels: -1000, Net: 0}
	if diff := cmp.Diff(want, f); diff != "" {
		t.Errorf("settlement file (-want +got):\n%s", diff)
	}

	tests := []struct {
		name      string
		file      string
		line      int
		want      string
		truncated bool
	}{
		{"net mismatch", lines(stHeader, swap(stLine, 8, "1"), "<END>"), 2, "netAmountValue 1 is not grossAmountValue + refundAmountValue + cancelAmountValue = 0", false},
		{"truncated", lines(stHeader, stLine), 0, "truncated", true},
		{"no summary", lines(stHeader, "<END>"), 2, "no summary line before <END>", false},
		{"two summaries", lines(stHeader, stLine, stLine, "<END>"), 3, "a second summary line", false},
		{"wrong participant", lines(stHeader, swap(stLine, 0, "ACQ_2"), "<END>"), 2, `participantId "ACQ_2" is not the file's participant "ACQ_1"`, false},
		{"other batch", lines(stHeader, swap(stLine, 1, "CB2"), "<END>"), 2, `settlementBatchId "CB2" is not the file's batch`, false},
		{"other currency", lines(stHeader, swap(stLine, 2, "HKD"), "<END>"), 2, "settlementCurrency HKD is not the file's settlement currency USD", false},
		{"unknown currency", lines(stHeader, swap(stLine, 2, "ABC"), "<END>"), 2, `settlementCurrency "ABC" is not an ISO 4217`, false},
		{"bad value date", lines(stHeader, swap(stLine, 3, "2026-02-30"), "<END>"), 2, `valueDate "2026-02-30" is not a YYYY-MM-DD date`, false},
		{"negative count", lines(stHeader, swap(stLine, 4, "-3"), "<END>"), 2, "transactionCount -3 is negative", false},
		{"positive refunds", lines(stHeader, swap(swap(stLine, 6, "234"), 8, "468"), "<END>"), 2, "refundAmountValue 234 has the wrong sign", false},
		{"negative gross", lines(stHeader, swap(stLine, 5, "-1"), "<END>"), 2, "grossAmountValue -1 has the wrong sign", false},
		{"bad header", lines(strings.Replace(stHeader, "netAmountValue", "net", 1), stLine, "<END>"), 1, "header lacks column netAmountValue", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := walletfiles.ParseSettlementFile(stName, strings.NewReader(tt.file))
			if err == nil {
				t.Fatalf("parsed %+v, want an error", f)
			}
			fe, ok := errors.AsType[*walletfiles.FileError](err)
			if !ok || fe.File != stName || fe.Line != tt.line || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v (line %d), want a *FileError on line %d saying %q", err, lineOf(fe), tt.line, tt.want)
			}
			if errors.Is(err, walletfiles.ErrTruncated) != tt.truncated {
				t.Errorf("errors.Is(%v, ErrTruncated) = %t", err, !tt.truncated)
			}
		})
	}
	if _, err := walletfiles.ParseSettlementFile(txName, strings.NewReader(lines(stHeader, stLine, "<END>"))); err == nil || !strings.Contains(err.Error(), "not a settlement file") {
		t.Errorf("ParseSettlementFile(%s) = %v, want a file name error", txName, err)
	}
}

func TestCheckPair(t *testing.T) {
	tx, err := walletfiles.ParseTransactionFile(txName, strings.NewReader(lines(txHeader, txPayment, txRefund, txCancel, "<END>")))
	if err != nil {
		t.Fatal(err)
	}
	st, err := walletfiles.ParseSettlementFile(stName, strings.NewReader(lines(stHeader, stLine, "<END>")))
	if err != nil {
		t.Fatal(err)
	}
	if err := walletfiles.CheckPair(tx, st); err != nil {
		t.Fatalf("CheckPair of a matching pair: %v", err)
	}

	tests := []struct {
		name   string
		change func(*walletfiles.SettlementFile)
		want   []string
	}{
		{"count", func(s *walletfiles.SettlementFile) { s.Count = 2 }, []string{"transactionCount 2, the transaction file has 3"}},
		{"totals", func(s *walletfiles.SettlementFile) { s.Gross, s.Refunds, s.Net = 1000, -200, -200 }, []string{
			"grossAmountValue 1000, the transaction file has 1234",
			"refundAmountValue -200, the transaction file has -234",
			"netAmountValue -200, the transaction file has 0",
		}},
		{"cancels", func(s *walletfiles.SettlementFile) { s.Cancels, s.Net = -999, 1 }, []string{"cancelAmountValue -999, the transaction file has -1000"}},
		{"batch", func(s *walletfiles.SettlementFile) {
			s.SettlementBatchID = "CB20260315USD"
			s.Name = strings.Replace(s.Name, "CB20260314USD", "CB20260315USD", 1)
		}, []string{"settlementBatchId CB20260315USD, the transaction file has CB20260314USD"}},
		{"agreement", func(s *walletfiles.SettlementFile) { s.Name = strings.Replace(s.Name, "PA-USD", "PA-2", 1) }, []string{"participantAgreementId PA-2, the transaction file has PA-USD"}},
		{"participant and currency", func(s *walletfiles.SettlementFile) { s.ParticipantID, s.Currency = "ACQ_2", "HKD" }, []string{"participantId ACQ_2", "settlementCurrency HKD"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := *st
			tt.change(&bad)
			err := walletfiles.CheckPair(tx, &bad)
			if !errors.Is(err, walletfiles.ErrMismatch) {
				t.Fatalf("CheckPair = %v, want ErrMismatch", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("CheckPair = %v, want it to say %q", err, w)
				}
			}
		})
	}
	if err := walletfiles.CheckPair(nil, st); !errors.Is(err, walletfiles.ErrMismatch) {
		t.Errorf("CheckPair(nil, st) = %v", err)
	}
}

func FuzzParseTransactionFile(f *testing.F) {
	f.Add(txName, lines(txHeader, txPayment, txRefund, txCancel, "<END>"))
	f.Add(txName, lines(txHeader, txPayment, txRefund))
	f.Add(txName, lines(txHeader, "<END>"))
	f.Add(txName, "\ufeff"+strings.ReplaceAll(lines(txHeader, `"ACQ_1",PSP1,T1,P1,,PAYMENT,2026-03-14T10:00:00Z,1,USD,1,USD,,"a ""b"", c",CB20260314USD`, "<END>"), "\n", "\r\n"))
	f.Add("transactionItems_A_B_C_JPY_B_A_999.csv", lines(txHeader, "A_B_C,,T,P,,PAYMENT,2026-03-14T10:00:00+09:00,9999999999999999,JPY,9999999999999999,JPY,,,B", "<END>"))
	f.Add("settlement_x.csv", "")
	f.Fuzz(func(t *testing.T, name, data string) {
		file, err := walletfiles.ParseTransactionFile(name, strings.NewReader(data))
		if err != nil {
			if _, ok := errors.AsType[*walletfiles.FileError](err); !ok || !strings.HasPrefix(err.Error(), "walletfiles: "+name+": ") {
				t.Fatalf("error %q is not a *FileError naming %q", err, name)
			}
			return
		}
		seen := map[string]bool{}
		for _, l := range file.Lines {
			switch {
			case l.Amount.Currency != file.Currency:
				t.Fatalf("line in %s, file in %s", l.Amount.Currency, file.Currency)
			case l.Type == entrypay.TxPayment && l.Amount.Value <= 0,
				(l.Type == entrypay.TxRefund || l.Type == entrypay.TxCancel) && (l.Amount.Value >= 0 || l.OriginalRequestID == ""),
				l.Type != entrypay.TxPayment && l.Type != entrypay.TxRefund && l.Type != entrypay.TxCancel:
				t.Fatalf("accepted line %+v", l)
			case l.RequestID == "" || l.TransactionID == "" || l.Time.IsZero():
				t.Fatalf("accepted line without ids or time %+v", l)
			case seen[l.Type+"\x00"+l.RequestID]:
				t.Fatalf("accepted a duplicate %+v", l)
			}
			seen[l.Type+"\x00"+l.RequestID] = true
		}
	})
}
