// Package statements builds a merchant's report files — the transaction details of a
// clearing day and the settlement details and summary of a settlement batch — from the
// gateway's report items, in the formats of package reports. The CLI, the settlement run
// and the merchant's report API all use it, so the three give the same bytes.
package statements

import (
	"bytes"
	"fmt"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/reports"
)

// Acquirer is the acquirer column of every report.
const Acquirer = "entrypay"

// File is one report file.
type File struct {
	Name string
	Data []byte
}

// ids gives the id columns of an item.
func ids(it entrypay.Item) (txID, originalID, requestID, originalRequestID string) {
	p := it.Payment
	switch it.Type {
	case entrypay.TxRefund:
		return it.Refund.ID, p.ID, it.Refund.RequestID, p.RequestID
	case entrypay.TxCancel:
		return p.ID, p.ID, p.RequestID, p.RequestID
	}
	return p.ID, "", p.RequestID, ""
}

func walletType(p *entrypay.Payment) string {
	if p.WalletType != "" {
		return p.WalletType
	}
	return p.Wallet
}

// TransactionDetails is the day's successful transactions: payments, refunds that
// succeeded on the day, and cancels. clearing tells which day an instant belongs to.
func TransactionDetails(m *entrypay.Merchant, date string, items []entrypay.Item, clearing entrypay.Clearing) (File, error) {
	var rows []reports.TransactionRow
	for _, it := range items {
		if it.Type == entrypay.TxRefund && (it.Refund.Status != entrypay.RefundSuccess || clearing.Date(it.Refund.RefundedAt) != date) {
			continue
		}
		txID, originalID, requestID, originalRequestID := ids(it)
		p := it.Payment
		row := reports.TransactionRow{
			CustomerID: m.ID, Acquirer: Acquirer, ReferenceMerchantID: m.ID, ReferenceStoreID: p.Store.ReferenceID,
			TransactionID: txID, OriginalTransactionID: originalID, TransactionRequestID: requestID,
			OrderDescription: p.OrderDescription, PaymentMethodType: walletType(p), PspName: p.WalletBrand,
			TransactionType: it.Type, PaymentTime: it.Time, ProductCode: "IN_STORE_PAYMENT",
			TransactionAmount: it.TransactionAmount, OriginalTransactionRequestID: originalRequestID,
		}
		if it.Type == entrypay.TxPayment {
			row.ReferenceTransactionID = p.ReferenceOrderID
		}
		rows = append(rows, row)
	}
	var b bytes.Buffer
	if err := reports.WriteTransactionDetails(&b, rows); err != nil {
		return File{}, fmt.Errorf("transaction details of %s: %w", date, err)
	}
	return File{Name: reports.TransactionDetailsName(date), Data: b.Bytes()}, nil
}

// SettlementRows are a batch's settlement detail rows.
func SettlementRows(m *entrypay.Merchant, batch *entrypay.SettlementBatch, items []entrypay.Item) []reports.SettlementRow {
	rows := make([]reports.SettlementRow, 0, len(items))
	for _, it := range items {
		txID, originalID, requestID, originalRequestID := ids(it)
		p := it.Payment
		row := reports.SettlementRow{
			SettlementBatchID: batch.ID, CustomerID: m.ID, Acquirer: Acquirer, ReferenceMerchantID: m.ID, ReferenceStoreID: p.Store.ReferenceID,
			TransactionType: it.Type, TransactionID: txID, OriginalTransactionID: originalID,
			TransactionRequestID: requestID, OriginalTransactionRequestID: originalRequestID,
			PaymentMethodType: walletType(p), PspName: p.WalletBrand,
			PaymentTime: it.Time, SettlementTime: batch.ClosedAt, ProductCode: "IN_STORE_PAYMENT",
			TransactionAmount: it.TransactionAmount, SettlementAmount: it.SettlementAmount, Fee: it.Fee,
		}
		if it.Type == entrypay.TxPayment {
			row.ReferenceTransactionID = p.ReferenceOrderID
		}
		if q := p.SettlementQuote; q != nil {
			row.QuoteCurrencyPair, row.QuotePrice = q.Pair, q.Price
		}
		rows = append(rows, row)
	}
	return rows
}

// Settlement is a closed batch's settlement details and summary.
func Settlement(m *entrypay.Merchant, batch *entrypay.SettlementBatch, items []entrypay.Item) (details, summary File, err error) {
	if batch.Status == entrypay.BatchOpen {
		return File{}, File{}, entrypay.Errorf(entrypay.EReportNotReady, "settlement batch %s is still open", batch.ID)
	}
	rows := SettlementRows(m, batch, items)
	var d bytes.Buffer
	if err := reports.WriteSettlementDetails(&d, rows); err != nil {
		return File{}, File{}, fmt.Errorf("settlement details of %s: %w", batch.ID, err)
	}
	sums, err := reports.Summarize(rows, batch.ClosedAt)
	if err != nil {
		return File{}, File{}, fmt.Errorf("settlement summary of %s: %w", batch.ID, err)
	}
	var s bytes.Buffer
	if err := reports.WriteSettlementSummary(&s, sums); err != nil {
		return File{}, File{}, fmt.Errorf("settlement summary of %s: %w", batch.ID, err)
	}
	return File{Name: reports.SettlementDetailsName(batch.Currency, batch.ID), Data: d.Bytes()},
		File{Name: reports.SettlementSummaryName(batch.Currency, batch.ID), Data: s.Bytes()}, nil
}
