package ams

import (
	"encoding/json"
	"time"

	"github.com/entrypay/entrypay"
)

// TimeLayout is how the API writes date-times: ISO 8601 with offset, to the second.
const TimeLayout = "2006-01-02T15:04:05Z07:00"

// FormatTime writes t in TimeLayout, or "" for the zero time. Times are written in UTC so
// that the same instant always gives the same bytes.
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(TimeLayout)
}

// AmountOf converts a domain amount; nil for the zero amount.
func AmountOf(a entrypay.Amount) *Amount {
	if a == (entrypay.Amount{}) {
		return nil
	}
	return &Amount{Currency: String(a.Currency), Value: String(a.ValueString())}
}

// QuoteOf converts a domain quote; nil for none.
func QuoteOf(q *entrypay.Quote) *Quote {
	if q == nil {
		return nil
	}
	return &Quote{
		QuoteID:           q.ID,
		QuoteCurrencyPair: q.Pair,
		QuotePrice:        json.Number(q.Price),
		QuoteStartTime:    FormatTime(q.Start),
		QuoteExpiryTime:   FormatTime(q.Expiry),
		Guaranteed:        q.Guaranteed,
	}
}

// settlementOf gives grossSettlementAmount and settlementQuote: present only when the
// merchant is settled in another currency than it was paid in, as Antom does.
func settlementOf(amount entrypay.Amount, q *entrypay.Quote) (*Amount, *Quote) {
	if q == nil || amount.Currency == "" {
		return nil, nil
	}
	return AmountOf(amount), QuoteOf(q)
}

// PayResponseOf is the answer to pay for a payment the wallet side has accepted.
func PayResponseOf(p *entrypay.Payment) PayResponse {
	r := PayResponse{
		Result:            Success,
		PaymentRequestID:  p.RequestID,
		PaymentID:         p.ID,
		PaymentAmount:     AmountOf(p.Amount),
		PaymentCreateTime: FormatTime(p.CreatedAt),
		PaymentExpiryTime: FormatTime(p.ExpiresAt),
	}
	r.GrossSettlementAmount, r.SettlementQuote = settlementOf(p.SettlementAmount, p.SettlementQuote)
	if p.CashierURL != "" {
		r.RedirectActionForm = &RedirectActionForm{Method: "GET", RedirectURL: p.CashierURL}
	}
	return r
}

func pspCustomerInfo(p *entrypay.Payment) *PspCustomerInfo {
	name := p.WalletType
	if name == "" && p.Wallet != "" && p.Wallet != "CONNECT_WALLET" {
		name = p.Wallet
	}
	if name == "" && p.WalletCustomerID == "" {
		return nil
	}
	return &PspCustomerInfo{PspName: name, PspCustomerID: p.WalletCustomerID}
}

// InquiryPaymentResponseOf is the answer to inquiryPayment.
func InquiryPaymentResponseOf(p *entrypay.Payment, refunds []*entrypay.Refund) InquiryPaymentResponse {
	r := InquiryPaymentResponse{
		Result:            Success,
		PaymentStatus:     string(p.Status),
		PaymentRequestID:  p.RequestID,
		PaymentID:         p.ID,
		PaymentAmount:     AmountOf(p.Amount),
		PaymentCreateTime: FormatTime(p.CreatedAt),
		PaymentMethodType: "CONNECT_WALLET",
		PspCustomerInfo:   pspCustomerInfo(p),
	}
	r.GrossSettlementAmount, r.SettlementQuote = settlementOf(p.SettlementAmount, p.SettlementQuote)
	if p.Status != entrypay.PaymentProcessing {
		r.PaymentResultCode, r.PaymentResultMessage = p.ResultCode, p.ResultMessage
	}
	if p.Status == entrypay.PaymentSuccess || (p.Status == entrypay.PaymentCancelled && !p.PaidAt.IsZero()) {
		r.PaymentTime = FormatTime(p.PaidAt)
		r.ActualPaymentAmount = AmountOf(p.CustomerAmount)
		r.PaymentQuote = QuoteOf(p.PaymentQuote)
	}
	for _, rf := range refunds {
		t := Transaction{
			TransactionResult:    refundResult(rf),
			TransactionID:        rf.ID,
			TransactionType:      "REFUND",
			TransactionStatus:    string(rf.Status),
			TransactionAmount:    AmountOf(rf.Amount),
			TransactionRequestID: rf.RequestID,
			TransactionTime:      FormatTime(rf.RefundedAt),
		}
		r.Transactions = append(r.Transactions, t)
	}
	if p.Status == entrypay.PaymentCancelled {
		r.Transactions = append(r.Transactions, Transaction{
			TransactionResult: Success,
			TransactionID:     p.ID,
			TransactionType:   "CANCEL",
			TransactionStatus: "SUCCESS",
			TransactionTime:   FormatTime(p.CancelledAt),
		})
	}
	return r
}

func refundResult(rf *entrypay.Refund) Result {
	switch rf.Status {
	case entrypay.RefundSuccess:
		return Success
	case entrypay.RefundFail:
		return Result{ResultCode: rf.ResultCode, ResultStatus: StatusFail, ResultMessage: rf.ResultMessage}
	}
	return Result{ResultCode: string(entrypay.EInProcess), ResultStatus: StatusUnknown, ResultMessage: "refund in process"}
}

// CancelResponseOf is the answer to a successful cancel.
func CancelResponseOf(p *entrypay.Payment) CancelResponse {
	return CancelResponse{Result: Success, PaymentID: p.ID, PaymentRequestID: p.RequestID, CancelTime: FormatTime(p.CancelledAt)}
}

// RefundResponseOf is the answer to a successful refund; q is the payment's settlement
// quote, nil when there was no conversion.
func RefundResponseOf(rf *entrypay.Refund, q *entrypay.Quote) RefundResponse {
	r := RefundResponse{
		Result:          Success,
		RefundRequestID: rf.RequestID,
		RefundID:        rf.ID,
		PaymentID:       rf.PaymentID,
		RefundAmount:    AmountOf(rf.Amount),
		RefundTime:      FormatTime(rf.RefundedAt),
	}
	r.GrossSettlementAmount, r.SettlementQuote = settlementOf(rf.SettlementAmount, q)
	return r
}

// InquiryRefundResponseOf is the answer to inquiryRefund; q is the payment's settlement
// quote, nil when there was no conversion.
func InquiryRefundResponseOf(rf *entrypay.Refund, q *entrypay.Quote) InquiryRefundResponse {
	r := InquiryRefundResponse{
		Result:          Success,
		RefundID:        rf.ID,
		RefundRequestID: rf.RequestID,
		RefundAmount:    AmountOf(rf.Amount),
		RefundTime:      FormatTime(rf.RefundedAt),
		RefundStatus:    string(rf.Status),
	}
	r.GrossSettlementAmount, r.SettlementQuote = settlementOf(rf.SettlementAmount, q)
	return r
}

// NotificationOf is the notifyPayment message for a final payment: result S for a
// success, F with the payment's result code for a failure.
func NotificationOf(p *entrypay.Payment) NotifyPaymentRequest {
	n := NotifyPaymentRequest{
		NotifyType:        NotifyTypePaymentResult,
		Result:            Success,
		PaymentRequestID:  p.RequestID,
		PaymentID:         p.ID,
		PaymentAmount:     AmountOf(p.Amount),
		PaymentCreateTime: FormatTime(p.CreatedAt),
		PaymentMethodType: "CONNECT_WALLET",
		PspCustomerInfo:   pspCustomerInfo(p),
	}
	n.GrossSettlementAmount, n.SettlementQuote = settlementOf(p.SettlementAmount, p.SettlementQuote)
	if p.Status == entrypay.PaymentSuccess {
		n.PaymentTime = FormatTime(p.PaidAt)
		n.ActualPaymentAmount = AmountOf(p.CustomerAmount)
		n.PaymentQuote = QuoteOf(p.PaymentQuote)
	} else {
		n.Result = Result{ResultCode: p.ResultCode, ResultStatus: StatusFail, ResultMessage: p.ResultMessage}
	}
	return n
}
