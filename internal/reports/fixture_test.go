package reports_test

import (
	"time"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/reports"
)

// The fixture is one merchant's clearing day, 2026-03-14 in UTC+8, settled in USD the
// next morning: two HKD payments (one cancelled, one partly refunded with its fee share
// returned), and payments in JPY, KRW, IDR and USD.
const (
	merchantID = "mer_01KJ8Z6T3V2N4Q5R7S9W0XBC1D"
	acquirer   = "entrypay"
	clearing   = "2026-03-14"
	product    = "IN_STORE_PAYMENT"
)

var (
	utc8        = time.FixedZone("UTC+8", 8*3600)
	batchID     = entrypay.BatchID(merchantID, "USD", clearing)
	settledAt   = time.Date(2026, 3, 15, 10, 0, 0, 0, utc8)
	usd         = func(v int64) entrypay.Amount { return entrypay.Amount{Value: v, Currency: "USD"} }
	at          = func(h, m, s int) time.Time { return time.Date(2026, 3, 14, h, m, s, 0, utc8) }
	fixtureRows = []reports.SettlementRow{
		{
			TransactionType: "PAYMENT", TransactionID: "pay_01KJ8ZA0000000000000000P01", TransactionRequestID: "ord-20260314-0001",
			ReferenceTransactionID: "POS-8841", PaymentMethodType: "ALIPAY_HK", PspName: "AlipayHK", ReferenceStoreID: "central-01",
			PaymentTime: at(12, 3, 17), TransactionAmount: entrypay.Amount{Value: 10000, Currency: "HKD"},
			SettlementAmount: usd(1280), QuoteCurrencyPair: "HKD/USD", QuotePrice: "0.12800000", Fee: usd(-23),
		},
		{
			TransactionType: "CANCEL", TransactionID: "pay_01KJ8ZA0000000000000000P01", TransactionRequestID: "ord-20260314-0001",
			OriginalTransactionRequestID: "ord-20260314-0001", PaymentMethodType: "ALIPAY_HK", PspName: "AlipayHK", ReferenceStoreID: "central-01",
			PaymentTime: at(12, 5, 2), TransactionAmount: entrypay.Amount{Value: -10000, Currency: "HKD"},
			SettlementAmount: usd(-1280), QuoteCurrencyPair: "HKD/USD", QuotePrice: "0.12800000", Fee: usd(23),
		},
		{
			TransactionType: "PAYMENT", TransactionID: "pay_01KJ8ZA0000000000000000P02", TransactionRequestID: "ord-20260314-0002",
			ReferenceTransactionID: "POS-8877", PaymentMethodType: "ALIPAY_HK", PspName: "AlipayHK", ReferenceStoreID: "central-01",
			PaymentTime: at(19, 41, 5), TransactionAmount: entrypay.Amount{Value: 25800, Currency: "HKD"},
			SettlementAmount: usd(3302), QuoteCurrencyPair: "HKD/USD", QuotePrice: "0.12800000", Fee: usd(-59),
		},
		{
			TransactionType: "REFUND", TransactionID: "rfd_01KJ8ZA0000000000000000R01", OriginalTransactionID: "pay_01KJ8ZA0000000000000000P02",
			TransactionRequestID: "rf-20260314-0001", OriginalTransactionRequestID: "ord-20260314-0002",
			PaymentMethodType: "ALIPAY_HK", PspName: "AlipayHK", ReferenceStoreID: "central-01",
			PaymentTime: at(21, 10, 44), TransactionAmount: entrypay.Amount{Value: -12900, Currency: "HKD"},
			SettlementAmount: usd(-1651), QuoteCurrencyPair: "HKD/USD", QuotePrice: "0.12800000", Fee: usd(30),
		},
		{
			TransactionType: "PAYMENT", TransactionID: "pay_01KJ8ZA0000000000000000P03", TransactionRequestID: "ord-20260314-0003",
			PaymentMethodType: "PAYPAY", PspName: "PayPay", ReferenceStoreID: "tsim-sha-tsui-02",
			PaymentTime: at(13, 30, 0), TransactionAmount: entrypay.Amount{Value: 1500, Currency: "JPY"},
			SettlementAmount: usd(1005), QuoteCurrencyPair: "JPY/USD", QuotePrice: "0.00670000", Fee: usd(-18),
		},
		{
			TransactionType: "PAYMENT", TransactionID: "pay_01KJ8ZA0000000000000000P04", TransactionRequestID: "ord-20260314-0004",
			PaymentMethodType: "KAKAOPAY", PspName: "KaKaoPay", ReferenceStoreID: "tsim-sha-tsui-02",
			PaymentTime: at(15, 2, 9), TransactionAmount: entrypay.Amount{Value: 18000, Currency: "KRW"},
			SettlementAmount: usd(1450), QuoteCurrencyPair: "KRW/USD", QuotePrice: "0.00080556", Fee: usd(-50),
		},
		{
			TransactionType: "PAYMENT", TransactionID: "pay_01KJ8ZA0000000000000000P05", TransactionRequestID: "ord-20260314-0005",
			PaymentMethodType: "DANA", PspName: "DANA", ReferenceStoreID: "tsim-sha-tsui-02",
			PaymentTime: at(16, 45, 31), TransactionAmount: entrypay.Amount{Value: 15000000, Currency: "IDR"},
			SettlementAmount: usd(918), QuoteCurrencyPair: "IDR/USD", QuotePrice: "0.00006120", Fee: usd(-17),
		},
		{
			TransactionType: "PAYMENT", TransactionID: "pay_01KJ8ZA0000000000000000P06", TransactionRequestID: "ord-20260314-0006",
			PaymentMethodType: "ALIPAY_CN", PspName: "Alipay", ReferenceStoreID: "central-01",
			PaymentTime: at(23, 59, 59), TransactionAmount: usd(2500),
			SettlementAmount: usd(2500), Fee: usd(-45),
		},
	}
	// descriptions are the orders' descriptions, which only the transaction details carry.
	descriptions = map[string]string{
		"ord-20260314-0001": "2× wonton noodles, 1× milk tea",
		"ord-20260314-0002": `陳記麵家 "set dinner" for 3`,
		"ord-20260314-0003": "Matcha soft serve",
		"ord-20260314-0004": "떡볶이 / tteokbokki",
		"ord-20260314-0005": "Nasi goreng",
		"ord-20260314-0006": "Gift card\nno. 42",
	}
)

// settlementRows returns the fixture's settlement details, batch fields filled in.
func settlementRows() []reports.SettlementRow {
	rows := make([]reports.SettlementRow, len(fixtureRows))
	for i, r := range fixtureRows {
		r.SettlementBatchID, r.CustomerID, r.Acquirer, r.ReferenceMerchantID = batchID, merchantID, acquirer, merchantID
		r.SettlementTime, r.ProductCode = settledAt, product
		rows[i] = r
	}
	return rows
}

// transactionRows returns the fixture's transaction details.
func transactionRows() []reports.TransactionRow {
	var rows []reports.TransactionRow
	for _, r := range settlementRows() {
		desc := ""
		if r.TransactionType == "PAYMENT" {
			desc = descriptions[r.TransactionRequestID]
		}
		rows = append(rows, reports.TransactionRow{
			CustomerID: r.CustomerID, Acquirer: r.Acquirer, ReferenceMerchantID: r.ReferenceMerchantID, ReferenceStoreID: r.ReferenceStoreID,
			TransactionID: r.TransactionID, OriginalTransactionID: r.OriginalTransactionID, TransactionRequestID: r.TransactionRequestID,
			ReferenceTransactionID: r.ReferenceTransactionID, OrderDescription: desc, PaymentMethodType: r.PaymentMethodType,
			PspName: r.PspName, TransactionType: r.TransactionType, PaymentTime: r.PaymentTime, ProductCode: r.ProductCode,
			TransactionAmount: r.TransactionAmount, OriginalTransactionRequestID: r.OriginalTransactionRequestID,
		})
	}
	return rows
}
