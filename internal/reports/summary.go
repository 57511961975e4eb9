package reports

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/entrypay/entrypay"
)

// SummaryTotal is the summaryType of the row that adds up the others.
const SummaryTotal = "TOTAL"

// SummaryRow is one line of the settlement summary report: the transactions of one type
// in a settlement batch, or all of them (TOTAL).
type SummaryRow struct {
	SettlementBatchID, CustomerID, Acquirer, SummaryType string // PAYMENT, REFUND, CANCEL, TOTAL
	SettlementTime                                       time.Time
	Count                                                int
	SettlementAmount                                     entrypay.Amount // net, signed
	Fee                                                  entrypay.Amount // signed
}

// summaryColumns are the columns of Antom's settlement summary, mandatory ones first,
// then the optional ones in the order of Antom's table, which entrypay writes empty.
var summaryColumns = []column[SummaryRow]{
	text("settlementBatchId", true, func(r *SummaryRow) *string { return &r.SettlementBatchID }),
	text("customerId", true, func(r *SummaryRow) *string { return &r.CustomerID }),
	text("acquirer", true, func(r *SummaryRow) *string { return &r.Acquirer }),
	text("summaryType", true, func(r *SummaryRow) *string { return &r.SummaryType }),
	instant("settlementTime", true, func(r *SummaryRow) *time.Time { return &r.SettlementTime }),
	{
		name: "count", required: true,
		get: func(r *SummaryRow) string { return strconv.Itoa(r.Count) },
		set: func(r *SummaryRow, s string) error {
			v, err := parseMinor(s)
			if err != nil || v < 0 || int64(int(v)) != v {
				return fmt.Errorf("%q is not a count", s)
			}
			r.Count = int(v)
			return nil
		},
	},
	value("settlementAmountValue", func(r *SummaryRow) *int64 { return &r.SettlementAmount.Value }),
	code("settlementCurrency", true, func(r *SummaryRow) *string { return &r.SettlementAmount.Currency }),
	value("feeAmountValue", func(r *SummaryRow) *int64 { return &r.Fee.Value }),
	code("feeCurrency", true, func(r *SummaryRow) *string { return &r.Fee.Currency }),
	unused[SummaryRow]("taxFeeAmountValue"),
	unused[SummaryRow]("taxFeeCurrency"),
	unused[SummaryRow]("processingFeeAmountValue"),
	unused[SummaryRow]("processingFeeCurrency"),
	unused[SummaryRow]("nonGuaranteeCouponValue"),
	unused[SummaryRow]("nonGuaranteeCouponCurrency"),
	unused[SummaryRow]("disputeHandlingFee"),
	unused[SummaryRow]("disputeHandlingFeeCurrency"),
	unused[SummaryRow]("disputeReverseFee"),
	unused[SummaryRow]("disputeReverseFeeCurrency"),
	unused[SummaryRow]("interchangeFeeAmountValue"),
	unused[SummaryRow]("interchangeFeeCurrency"),
	unused[SummaryRow]("schemeFeeAmountValue"),
	unused[SummaryRow]("schemeFeeCurrency"),
	unused[SummaryRow]("acquirerMarkupAmountValue"),
	unused[SummaryRow]("acquirerMarkupCurrency"),
	unused[SummaryRow]("refundFeeAmountValue"),
	unused[SummaryRow]("refundFeeCurrency"),
}

const summaryReport = "settlement summary"

// summaryTypes are the summary types entrypay writes, in the order it writes them.
var summaryTypes = []string{entrypay.TxPayment, entrypay.TxRefund, entrypay.TxCancel, SummaryTotal}

// checkSummary applies the rules of one summary row: the ids are set, the type is one
// of summaryTypes, the count is not negative, the currency is ISO 4217 and the fee is in
// it.
func checkSummary(r *SummaryRow) error {
	if err := required("settlementBatchId", r.SettlementBatchID, "customerId", r.CustomerID); err != nil {
		return err
	}
	switch r.SummaryType {
	case entrypay.TxPayment, entrypay.TxRefund, entrypay.TxCancel, SummaryTotal:
	default:
		return fmt.Errorf("summaryType %q is not PAYMENT, REFUND, CANCEL or TOTAL", r.SummaryType)
	}
	if r.Count < 0 {
		return fmt.Errorf("count %d is negative", r.Count)
	}
	if err := checkCurrency("settlementCurrency", r.SettlementAmount.Currency); err != nil {
		return err
	}
	if r.Fee.Currency != r.SettlementAmount.Currency {
		return fmt.Errorf("feeCurrency %q is not the settlementCurrency %s: %w", r.Fee.Currency, r.SettlementAmount.Currency, ErrMixedBatch)
	}
	return checkTime("settlementTime", r.SettlementTime)
}

// errTotal reports a summary whose TOTAL row is missing or does not add up.
var errTotal = errors.New("the TOTAL row does not add up the others")

// checkSummaryRows checks that the rows summarise one batch: every row has the first
// row's batch id, customer id, acquirer and currency, no type appears twice, and the
// TOTAL row is there and adds up the others' counts, settlement amounts and fees. It
// returns the index of the row at fault.
func checkSummaryRows(rows []SummaryRow) (int, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	seen := make(map[string]bool, len(rows))
	total := -1
	count := 0
	amount := entrypay.Amount{Currency: rows[0].SettlementAmount.Currency}
	fee := amount
	for i := range rows {
		a, b := &rows[0], &rows[i]
		var what, want, got string
		switch {
		case b.SettlementBatchID != a.SettlementBatchID:
			what, want, got = "settlementBatchId", a.SettlementBatchID, b.SettlementBatchID
		case b.CustomerID != a.CustomerID:
			what, want, got = "customerId", a.CustomerID, b.CustomerID
		case b.Acquirer != a.Acquirer:
			what, want, got = "acquirer", a.Acquirer, b.Acquirer
		case b.SettlementAmount.Currency != a.SettlementAmount.Currency:
			what, want, got = "settlementCurrency", a.SettlementAmount.Currency, b.SettlementAmount.Currency
		}
		if what != "" {
			return i, fmt.Errorf("%s %q differs from the first row's %q: %w", what, got, want, ErrMixedBatch)
		}
		if seen[b.SummaryType] {
			return i, fmt.Errorf("summaryType %s appears twice", b.SummaryType)
		}
		seen[b.SummaryType] = true
		if b.SummaryType == SummaryTotal {
			total = i
			continue
		}
		var err error
		if count > int(^uint(0)>>1)-b.Count {
			return i, fmt.Errorf("the counts overflow: %w", errTotal)
		}
		count += b.Count
		if amount, err = amount.Add(b.SettlementAmount); err != nil {
			return i, fmt.Errorf("%v: %w", err, errTotal)
		}
		if fee, err = fee.Add(b.Fee); err != nil {
			return i, fmt.Errorf("%v: %w", err, errTotal)
		}
	}
	if total < 0 {
		return len(rows) - 1, fmt.Errorf("there is no TOTAL row: %w", errTotal)
	}
	t := &rows[total]
	if t.Count != count || t.SettlementAmount != amount || t.Fee != fee {
		return total, fmt.Errorf("TOTAL has count %d, settlement %d, fee %d; the others add up to %d, %d, %d: %w",
			t.Count, t.SettlementAmount.Value, t.Fee.Value, count, amount.Value, fee.Value, errTotal)
	}
	return 0, nil
}

// Summarize builds the settlement summary of one batch from its settlement details: one
// row per transaction type present, in the order PAYMENT, REFUND, CANCEL, then TOTAL,
// each with settlementTime. A row's count is its number of transactions, its settlement
// amount the sum of their settlement amounts (net of refunds and cancels, not of fees)
// and its fee the sum of their fees, as in Antom's sample (PAYMENT 1450 fee -50, REFUND
// -725 fee 25, TOTAL 725 fee -25). TOTAL's settlement amount plus its fee is what the
// batch pays out before carry-overs: entrypay.SettlementBatch.Net.
//
// Antom's summaries can end with a "default" row, second to last, that carries error
// corrections; entrypay corrects a batch with new transactions instead, and writes no
// such row.
//
// Summarize refuses details that WriteSettlementDetails would refuse, and sums that
// overflow. It returns no rows for no details: the summary of an empty batch is the
// header and <END>.
func Summarize(details []SettlementRow, settlementTime time.Time) ([]SummaryRow, error) {
	if err := checkSettlementRows(details); err != nil {
		return nil, fmt.Errorf("summarize: %w", err)
	}
	if len(details) == 0 {
		return nil, nil
	}
	first := &details[0]
	zero := entrypay.Amount{Currency: first.SettlementAmount.Currency}
	rows := make([]SummaryRow, len(summaryTypes))
	for i, t := range summaryTypes {
		rows[i] = SummaryRow{
			SettlementBatchID: first.SettlementBatchID, CustomerID: first.CustomerID, Acquirer: first.Acquirer,
			SummaryType: t, SettlementTime: settlementTime, SettlementAmount: zero, Fee: zero,
		}
	}
	total := &rows[len(rows)-1]
	for i := range details {
		d := &details[i]
		for j, t := range summaryTypes {
			if t != d.TransactionType {
				continue
			}
			for _, s := range []*SummaryRow{&rows[j], total} {
				var err error
				s.Count++
				if s.SettlementAmount, err = s.SettlementAmount.Add(d.SettlementAmount); err != nil {
					return nil, fmt.Errorf("summarize batch %s: settlement amounts of %s: %w", first.SettlementBatchID, s.SummaryType, err)
				}
				if s.Fee, err = s.Fee.Add(d.Fee); err != nil {
					return nil, fmt.Errorf("summarize batch %s: fees of %s: %w", first.SettlementBatchID, s.SummaryType, err)
				}
			}
		}
	}
	out := rows[:0]
	for _, r := range rows {
		if r.Count > 0 {
			out = append(out, r)
		}
	}
	return out, nil
}

// WriteSettlementSummary writes the settlement summary report of one settlement batch:
// the header line, one line per row and <END>. The rows must be of one batch, customer,
// acquirer and currency, each summary type at most once, and the TOTAL row must add up
// the others, as Summarize makes them; WriteSettlementSummary checks every row first
// and writes nothing when one is wrong. The optional Antom columns are written empty.
func WriteSettlementSummary(w io.Writer, rows []SummaryRow) error {
	for i := range rows {
		if err := checkSummary(&rows[i]); err != nil {
			return fmt.Errorf("%s: row %d (%s): %w", summaryReport, i+1, rows[i].SummaryType, err)
		}
	}
	if i, err := checkSummaryRows(rows); err != nil {
		return fmt.Errorf("%s: row %d (%s): %w", summaryReport, i+1, rows[i].SummaryType, err)
	}
	if err := write(w, summaryColumns, rows); err != nil {
		return fmt.Errorf("write %s: %w", summaryReport, err)
	}
	return nil
}

// ReadSettlementSummary reads a settlement summary report as WriteSettlementSummary
// writes it, finding the columns by name, and checks the rows by the same rules: a
// summary of Antom's with other summary types or a "default" row is refused. The
// optional columns may be missing, and must be empty if present.
func ReadSettlementSummary(r io.Reader) ([]SummaryRow, error) {
	rows, lines, err := read(r, summaryReport, summaryColumns, checkSummary)
	if err != nil {
		return nil, err
	}
	if i, err := checkSummaryRows(rows); err != nil {
		return nil, fmt.Errorf("%s: line %d: %w", summaryReport, lines[i], err)
	}
	return rows, nil
}
