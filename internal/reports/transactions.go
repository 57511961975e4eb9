package reports

import (
	"fmt"
	"io"
	"time"

	"github.com/entrypay/entrypay"
)

// TransactionRow is one line of the transaction details report: one successful
// transaction of the day.
type TransactionRow struct {
	CustomerID, Acquirer, AcquirerReferenceNo, ReferenceMerchantID, ReferenceStoreID   string
	TransactionID, OriginalTransactionID, TransactionRequestID, ReferenceTransactionID string
	OrderDescription, PaymentMethodType, PspName, TransactionType                      string // PAYMENT | REFUND | CANCEL
	PaymentTime                                                                        time.Time
	ProductCode                                                                        string
	TransactionAmount                                                                  entrypay.Amount // signed minor units; refunds/cancels negative
	OriginalTransactionRequestID                                                       string
	IssuingCountry, CardBrand, Funding                                                 string // empty for wallets
}

// transactionColumns are the columns of Antom's 2023 sample header, in its order.
var transactionColumns = []column[TransactionRow]{
	text("customerId", true, func(r *TransactionRow) *string { return &r.CustomerID }),
	text("acquirer", true, func(r *TransactionRow) *string { return &r.Acquirer }),
	text("acquirerReferenceNo", false, func(r *TransactionRow) *string { return &r.AcquirerReferenceNo }),
	text("referenceMerchantId", false, func(r *TransactionRow) *string { return &r.ReferenceMerchantID }),
	text("referenceStoreId", false, func(r *TransactionRow) *string { return &r.ReferenceStoreID }),
	text("transactionId", true, func(r *TransactionRow) *string { return &r.TransactionID }),
	text("originalTransactionId", false, func(r *TransactionRow) *string { return &r.OriginalTransactionID }),
	text("transactionRequestId", true, func(r *TransactionRow) *string { return &r.TransactionRequestID }),
	text("referenceTransactionId", false, func(r *TransactionRow) *string { return &r.ReferenceTransactionID }),
	text("orderDescription", false, func(r *TransactionRow) *string { return &r.OrderDescription }),
	text("paymentMethodType", true, func(r *TransactionRow) *string { return &r.PaymentMethodType }),
	text("pspName", false, func(r *TransactionRow) *string { return &r.PspName }),
	text("transactionType", true, func(r *TransactionRow) *string { return &r.TransactionType }),
	instant("paymentTime", true, func(r *TransactionRow) *time.Time { return &r.PaymentTime }),
	text("productCode", true, func(r *TransactionRow) *string { return &r.ProductCode }),
	value("transactionAmountValue", func(r *TransactionRow) *int64 { return &r.TransactionAmount.Value }),
	code("transactionCurrency", true, func(r *TransactionRow) *string { return &r.TransactionAmount.Currency }),
	text("originalTransactionRequestId", false, func(r *TransactionRow) *string { return &r.OriginalTransactionRequestID }),
	text("issuingCountry", false, func(r *TransactionRow) *string { return &r.IssuingCountry }),
	text("cardBrand", false, func(r *TransactionRow) *string { return &r.CardBrand }),
	text("funding", false, func(r *TransactionRow) *string { return &r.Funding }),
}

const transactionReport = "transaction details"

// checkTransaction applies the rules of one transaction details row: customerId,
// transactionId and transactionRequestId are set, the type is PAYMENT, REFUND or CANCEL,
// the currency is ISO 4217 and the amount is positive for a payment, negative otherwise.
func checkTransaction(r *TransactionRow) error {
	if err := required("customerId", r.CustomerID, "transactionId", r.TransactionID, "transactionRequestId", r.TransactionRequestID); err != nil {
		return err
	}
	if err := checkType(r.TransactionType); err != nil {
		return err
	}
	if err := checkCurrency("transactionCurrency", r.TransactionAmount.Currency); err != nil {
		return err
	}
	if err := checkSign("transactionAmountValue", r.TransactionType, r.TransactionAmount.Value, true); err != nil {
		return err
	}
	return checkTime("paymentTime", r.PaymentTime)
}

// WriteTransactionDetails writes the transaction details report of rows: the header
// line, one line per row and <END>. It checks every row first and writes nothing when
// one is wrong. Rows may be in any currencies.
func WriteTransactionDetails(w io.Writer, rows []TransactionRow) error {
	for i := range rows {
		if err := checkTransaction(&rows[i]); err != nil {
			return fmt.Errorf("%s: row %d (transactionId %q): %w", transactionReport, i+1, rows[i].TransactionID, err)
		}
	}
	if err := write(w, transactionColumns, rows); err != nil {
		return fmt.Errorf("write %s: %w", transactionReport, err)
	}
	return nil
}

// ReadTransactionDetails reads a transaction details report as WriteTransactionDetails
// writes it, finding the columns by name. The optional columns of Antom's header may be
// missing; their fields stay empty.
func ReadTransactionDetails(r io.Reader) ([]TransactionRow, error) {
	rows, _, err := read(r, transactionReport, transactionColumns, checkTransaction)
	return rows, err
}
