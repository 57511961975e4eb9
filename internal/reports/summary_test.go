package reports_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/reports"
)

func TestSummarize(t *testing.T) {
	all := settlementRows()
	row := func(typ string, n int, v, fee int64) reports.SummaryRow {
		return reports.SummaryRow{SettlementBatchID: batchID, CustomerID: merchantID, Acquirer: acquirer, SummaryType: typ,
			SettlementTime: settledAt, Count: n, SettlementAmount: usd(v), Fee: usd(fee)}
	}
	only := func(types ...string) []reports.SettlementRow {
		var out []reports.SettlementRow
		for _, r := range all {
			for _, t := range types {
				if r.TransactionType == t {
					out = append(out, r)
				}
			}
		}
		return out
	}
	tests := []struct {
		name    string
		details []reports.SettlementRow
		want    []reports.SummaryRow
	}{
		{"the day", all, []reports.SummaryRow{
			row("PAYMENT", 6, 1280+3302+1005+1450+918+2500, -23-59-18-50-17-45),
			row("REFUND", 1, -1651, 30),
			row("CANCEL", 1, -1280, 23),
			row("TOTAL", 8, 7524, -159),
		}},
		{"payments only", only("PAYMENT"), []reports.SummaryRow{row("PAYMENT", 6, 10455, -212), row("TOTAL", 6, 10455, -212)}},
		{"cancel before refund in the details", only("CANCEL", "REFUND"), []reports.SummaryRow{
			row("REFUND", 1, -1651, 30), row("CANCEL", 1, -1280, 23), row("TOTAL", 2, -2931, 53),
		}},
		{"no details", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := reports.Summarize(tt.details, settledAt)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Summarize (-want +got):\n%s", diff)
			}
			checkTotal(t, got)
			// What Summarize makes, WriteSettlementSummary takes.
			if err := reports.WriteSettlementSummary(&strings.Builder{}, got); err != nil {
				t.Error(err)
			}
		})
	}
}

// checkTotal checks that TOTAL adds up the other rows, and that the TOTAL's settlement
// amount plus its fee is the batch's net as entrypay.SettlementBatch defines it.
func checkTotal(t *testing.T, rows []reports.SummaryRow) {
	t.Helper()
	if len(rows) == 0 {
		return
	}
	var n int
	var v, fee int64
	b := entrypay.SettlementBatch{}
	for _, r := range rows[:len(rows)-1] {
		n, v, fee = n+r.Count, v+r.SettlementAmount.Value, fee+r.Fee.Value
		switch r.SummaryType {
		case "PAYMENT":
			b.Gross = r.SettlementAmount.Value
		case "REFUND":
			b.Refunds = r.SettlementAmount.Value
		case "CANCEL":
			b.Cancels = r.SettlementAmount.Value
		}
		b.Fees += r.Fee.Value
	}
	b.Net = b.Gross + b.Refunds + b.Cancels + b.Fees
	total := rows[len(rows)-1]
	if total.SummaryType != "TOTAL" || total.Count != n || total.SettlementAmount.Value != v || total.Fee.Value != fee {
		t.Errorf("TOTAL %+v does not add up the others: %d, %d, %d", total, n, v, fee)
	}
	if total.SettlementAmount.Value+total.Fee.Value != b.Net {
		t.Errorf("TOTAL settlement + fee = %d, batch net %d", total.SettlementAmount.Value+total.Fee.Value, b.Net)
	}
}

func TestSummarizeRefuses(t *testing.T) {
	big := settlementRows()[:2]
	big[0].TransactionAmount.Value, big[0].SettlementAmount.Value = math.MaxInt64, math.MaxInt64
	big[1].TransactionType, big[1].TransactionAmount.Value, big[1].SettlementAmount.Value = "PAYMENT", 1, 1
	bad := settlementRows()
	bad[2].TransactionType = "DISPUTE"
	tests := []struct {
		name    string
		details []reports.SettlementRow
		want    string
	}{
		{"overflow", big, "overflow"},
		{"unknown type", bad, `row 3 (transactionId "pay_01KJ8ZA0000000000000000P02"): transactionType "DISPUTE"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := reports.Summarize(tt.details, time.Time{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Summarize = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
