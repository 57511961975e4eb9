package reports_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/entrypay/entrypay/internal/reports"
)

// FuzzReadSettlementDetails: the reader never panics, and what it accepts can be
// written, reads back the same, and is then written byte for byte the same again.
func FuzzReadSettlementDetails(f *testing.F) {
	golden, _ := os.ReadFile(filepath.Join("testdata", reports.SettlementDetailsName("USD", batchID)))
	f.Add(golden)
	_, st, _ := allFields()
	var buf bytes.Buffer
	if err := reports.WriteSettlementDetails(&buf, []reports.SettlementRow{st}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("settlementBatchId,customerId,acquirer,transactionType,transactionId,transactionRequestId,paymentMethodType,paymentTime,settlementTime,productCode,transactionAmountValue,transactionCurrency,settlementAmountValue,settlementCurrency,feeAmountValue,feeCurrency\n" +
		"b,c,a,REFUND,t,r,m,2018-12-26T10:00:00+08:30,,p,-9000,KRW,-725,USD,25,USD\r\n<END>"))
	f.Add([]byte("settlementBatchId\n<END>\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := reports.ReadSettlementDetails(bytes.NewReader(data))
		if err != nil {
			return
		}
		var first bytes.Buffer
		if err := reports.WriteSettlementDetails(&first, rows); err != nil {
			t.Fatalf("read %d rows that cannot be written: %v", len(rows), err)
		}
		again, err := reports.ReadSettlementDetails(bytes.NewReader(first.Bytes()))
		if err != nil {
			t.Fatalf("cannot read what was written: %v\n%s", err, first.Bytes())
		}
		if diff := cmp.Diff(rows, again, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("round trip (-read +reread):\n%s", diff)
		}
		var second bytes.Buffer
		if err := reports.WriteSettlementDetails(&second, again); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first.Bytes(), second.Bytes()) {
			t.Fatalf("written twice differently:\n%s\n%s", first.Bytes(), second.Bytes())
		}
	})
}
