package reports

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/entrypay/entrypay"
)

// SettlementRow is one line of the settlement details report: one transaction of a
// settlement batch and what it settles for. The Antom columns it has no field for (tax,
// processing, coupons, disputes, installments, card, interchange, scheme, markup and
// refund fees) are written empty.
type SettlementRow struct {
	SettlementBatchID, CustomerID, Acquirer, AcquirerReferenceNo, ReferenceMerchantID, ReferenceStoreID                               string
	TransactionType, TransactionID, OriginalTransactionID, TransactionRequestID, OriginalTransactionRequestID, ReferenceTransactionID string
	PaymentMethodType, PspName                                                                                                        string
	PaymentTime, SettlementTime                                                                                                       time.Time
	ProductCode                                                                                                                       string
	TransactionAmount                                                                                                                 entrypay.Amount // signed
	SettlementAmount                                                                                                                  entrypay.Amount // signed, in the settlement currency
	QuoteCurrencyPair, QuotePrice                                                                                                     string          // empty when no conversion
	Fee                                                                                                                               entrypay.Amount // signed: negative when charged, positive when returned
}

// settlementColumns are the columns of Antom's settlement details field summary, in
// its order.
var settlementColumns = []column[SettlementRow]{
	text("settlementBatchId", true, func(r *SettlementRow) *string { return &r.SettlementBatchID }),
	text("customerId", true, func(r *SettlementRow) *string { return &r.CustomerID }),
	text("acquirer", true, func(r *SettlementRow) *string { return &r.Acquirer }),
	text("acquirerReferenceNo", false, func(r *SettlementRow) *string { return &r.AcquirerReferenceNo }),
	text("referenceMerchantId", false, func(r *SettlementRow) *string { return &r.ReferenceMerchantID }),
	text("referenceStoreId", false, func(r *SettlementRow) *string { return &r.ReferenceStoreID }),
	text("transactionType", true, func(r *SettlementRow) *string { return &r.TransactionType }),
	text("transactionId", true, func(r *SettlementRow) *string { return &r.TransactionID }),
	text("originalTransactionId", false, func(r *SettlementRow) *string { return &r.OriginalTransactionID }),
	text("transactionRequestId", true, func(r *SettlementRow) *string { return &r.TransactionRequestID }),
	text("originalTransactionRequestId", false, func(r *SettlementRow) *string { return &r.OriginalTransactionRequestID }),
	text("referenceTransactionId", false, func(r *SettlementRow) *string { return &r.ReferenceTransactionID }),
	text("paymentMethodType", true, func(r *SettlementRow) *string { return &r.PaymentMethodType }),
	text("pspName", false, func(r *SettlementRow) *string { return &r.PspName }),
	instant("paymentTime", true, func(r *SettlementRow) *time.Time { return &r.PaymentTime }),
	instant("settlementTime", true, func(r *SettlementRow) *time.Time { return &r.SettlementTime }),
	text("productCode", true, func(r *SettlementRow) *string { return &r.ProductCode }),
	value("transactionAmountValue", func(r *SettlementRow) *int64 { return &r.TransactionAmount.Value }),
	code("transactionCurrency", true, func(r *SettlementRow) *string { return &r.TransactionAmount.Currency }),
	value("settlementAmountValue", func(r *SettlementRow) *int64 { return &r.SettlementAmount.Value }),
	code("settlementCurrency", true, func(r *SettlementRow) *string { return &r.SettlementAmount.Currency }),
	code("quoteCurrencyPair", false, func(r *SettlementRow) *string { return &r.QuoteCurrencyPair }),
	code("quotePrice", false, func(r *SettlementRow) *string { return &r.QuotePrice }),
	value("feeAmountValue", func(r *SettlementRow) *int64 { return &r.Fee.Value }),
	code("feeCurrency", true, func(r *SettlementRow) *string { return &r.Fee.Currency }),
	unused[SettlementRow]("taxFeeAmountValue"),
	unused[SettlementRow]("taxFeeCurrency"),
	unused[SettlementRow]("processingFeeAmountValue"),
	unused[SettlementRow]("processingFeeCurrency"),
	unused[SettlementRow]("nonGuaranteeCouponValue"),
	unused[SettlementRow]("nonGuaranteeCouponCurrency"),
	unused[SettlementRow]("disputeHandlingFee"),
	unused[SettlementRow]("disputeHandlingFeeCurrency"),
	unused[SettlementRow]("disputeReverseFee"),
	unused[SettlementRow]("disputeReverseFeeCurrency"),
	unused[SettlementRow]("installmentsNum"),
	unused[SettlementRow]("issuingCountry"),
	unused[SettlementRow]("cardBrand"),
	unused[SettlementRow]("funding"),
	unused[SettlementRow]("interchangeFeeAmountValue"),
	unused[SettlementRow]("interchangeFeeCurrency"),
	unused[SettlementRow]("schemeFeeAmountValue"),
	unused[SettlementRow]("schemeFeeCurrency"),
	unused[SettlementRow]("acquirerMarkupAmountValue"),
	unused[SettlementRow]("acquirerMarkupCurrency"),
	unused[SettlementRow]("refundFeeAmountValue"),
	unused[SettlementRow]("refundFeeCurrency"),
}

const settlementReport = "settlement details"

// checkSettlement applies the rules of one settlement details row: the ids are set,
// the type is PAYMENT, REFUND or CANCEL, the currencies are ISO 4217, the fee is in the
// settlement currency, the transaction amount is positive for a payment and negative
// otherwise (the settlement amount likewise, or zero when a small amount converts to
// nothing), and a quote has both its pair and its price or neither.
func checkSettlement(r *SettlementRow) error {
	if err := required("settlementBatchId", r.SettlementBatchID, "customerId", r.CustomerID, "transactionId", r.TransactionID, "transactionRequestId", r.TransactionRequestID); err != nil {
		return err
	}
	if err := checkType(r.TransactionType); err != nil {
		return err
	}
	if err := checkCurrency("transactionCurrency", r.TransactionAmount.Currency); err != nil {
		return err
	}
	if err := checkCurrency("settlementCurrency", r.SettlementAmount.Currency); err != nil {
		return err
	}
	if r.Fee.Currency != r.SettlementAmount.Currency {
		return fmt.Errorf("feeCurrency %q is not the settlementCurrency %s (a row without a fee has a zero fee in the settlement currency): %w", r.Fee.Currency, r.SettlementAmount.Currency, ErrMixedBatch)
	}
	if err := checkSign("transactionAmountValue", r.TransactionType, r.TransactionAmount.Value, true); err != nil {
		return err
	}
	if err := checkSign("settlementAmountValue", r.TransactionType, r.SettlementAmount.Value, false); err != nil {
		return err
	}
	if err := checkQuote(r.QuoteCurrencyPair, r.QuotePrice); err != nil {
		return err
	}
	if err := checkTime("paymentTime", r.PaymentTime); err != nil {
		return err
	}
	return checkTime("settlementTime", r.SettlementTime)
}

// checkQuote refuses half a quote, a pair that is not two currency codes "BASE/QUOTE",
// and a price that is not a plain positive decimal such as "0.12800000".
func checkQuote(pair, price string) error {
	if pair == "" && price == "" {
		return nil
	}
	if pair == "" || price == "" {
		return fmt.Errorf("quoteCurrencyPair %q and quotePrice %q: a quote needs both", pair, price)
	}
	base, quote, ok := strings.Cut(pair, "/")
	if !ok || checkCurrency("base", base) != nil || checkCurrency("quote", quote) != nil {
		return fmt.Errorf("quoteCurrencyPair %q is not two currency codes BASE/QUOTE", pair)
	}
	whole, frac, dot := strings.Cut(price, ".")
	if whole == "" || strings.Trim(whole, "0123456789") != "" || dot && (frac == "" || strings.Trim(frac, "0123456789") != "") ||
		strings.Trim(price, "0.") == "" {
		return fmt.Errorf("quotePrice %q is not a positive decimal number", price)
	}
	return nil
}

// checkBatch refuses settlement rows of more than one batch: every row has the first
// row's batch id, customer id, acquirer and settlement currency. It returns the index
// of the first row that differs.
func checkBatch(rows []SettlementRow) (int, error) {
	for i := 1; i < len(rows); i++ {
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
		default:
			continue
		}
		return i, fmt.Errorf("%s %q differs from the first row's %q: %w", what, got, want, ErrMixedBatch)
	}
	return 0, nil
}

// checkSettlementRows checks every row and that they make one batch, naming the bad
// row by its index.
func checkSettlementRows(rows []SettlementRow) error {
	for i := range rows {
		if err := checkSettlement(&rows[i]); err != nil {
			return fmt.Errorf("%s: row %d (transactionId %q): %w", settlementReport, i+1, rows[i].TransactionID, err)
		}
	}
	if i, err := checkBatch(rows); err != nil {
		return fmt.Errorf("%s: row %d (transactionId %q): %w", settlementReport, i+1, rows[i].TransactionID, err)
	}
	return nil
}

// WriteSettlementDetails writes the settlement details report of one settlement batch:
// the header line, one line per row and <END>. Every row must carry the same batch id,
// customer id, acquirer and settlement currency (one batch in one currency per file)
// and a fee in that currency; WriteSettlementDetails checks every row first and writes
// nothing when one is wrong. The Antom columns SettlementRow has no field for are
// written empty.
func WriteSettlementDetails(w io.Writer, rows []SettlementRow) error {
	if err := checkSettlementRows(rows); err != nil {
		return err
	}
	if err := write(w, settlementColumns, rows); err != nil {
		return fmt.Errorf("write %s: %w", settlementReport, err)
	}
	return nil
}

// ReadSettlementDetails reads a settlement details report as WriteSettlementDetails
// writes it, finding the columns by name, and checks the rows by the same rules. The
// columns SettlementRow has no field for may be missing, and must be empty if present.
func ReadSettlementDetails(r io.Reader) ([]SettlementRow, error) {
	rows, lines, err := read(r, settlementReport, settlementColumns, checkSettlement)
	if err != nil {
		return nil, err
	}
	if i, err := checkBatch(rows); err != nil {
		return nil, fmt.Errorf("%s: line %d: %w", settlementReport, lines[i], err)
	}
	return rows, nil
}
