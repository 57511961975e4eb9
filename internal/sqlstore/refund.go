package sqlstore

import (
	"context"
	"fmt"

	"github.com/entrypay/entrypay"
)

var refundCols = []string{
	"id", "payment_id", "merchant_id", "request_id", "reference_refund_id",
	"amount_value", "amount_currency", "reason", "status", "result_code", "result_message",
	"wallet_refund_id", "created_at", "updated_at", "refunded_at",
	"settlement_amount_value", "settlement_amount_currency", "fee_returned_value", "fee_returned_currency",
	"risk_review", "origin",
}

func refundArgs(r *entrypay.Refund) []any {
	return []any{
		r.ID, r.PaymentID, r.MerchantID, r.RequestID, r.ReferenceRefundID,
		r.Amount.Value, r.Amount.Currency, r.Reason, string(r.Status), r.ResultCode, r.ResultMessage,
		r.WalletRefundID, micros(r.CreatedAt), micros(r.UpdatedAt), micros(r.RefundedAt),
		r.SettlementAmount.Value, r.SettlementAmount.Currency, r.FeeReturned.Value, r.FeeReturned.Currency,
		r.RiskReview, r.Origin,
	}
}

func refundDest(r *entrypay.Refund) []any {
	return []any{
		&r.ID, &r.PaymentID, &r.MerchantID, &r.RequestID, &r.ReferenceRefundID,
		&r.Amount.Value, &r.Amount.Currency, &r.Reason, (*string)(&r.Status), &r.ResultCode, &r.ResultMessage,
		&r.WalletRefundID, timeCol{&r.CreatedAt}, timeCol{&r.UpdatedAt}, timeCol{&r.RefundedAt},
		&r.SettlementAmount.Value, &r.SettlementAmount.Currency, &r.FeeReturned.Value, &r.FeeReturned.Currency,
		&r.RiskReview, &r.Origin,
	}
}

var (
	selectRefundSQL = selectSQL("refunds", refundCols)
	insertRefundSQL = insertSQL("refunds", refundCols, "ON CONFLICT (merchant_id, request_id) DO NOTHING")
	updateRefundSQL = updateSQL("refunds", refundCols)
)

func scanRefund(r scanner) (*entrypay.Refund, error) {
	var rf entrypay.Refund
	if err := r.Scan(refundDest(&rf)...); err != nil {
		return nil, err
	}
	return &rf, nil
}

// Refund returns the refund q finds.
func (t *tx) Refund(ctx context.Context, q entrypay.RefundQuery) (*entrypay.Refund, error) {
	cond, args, err := where(q.ID, q.MerchantID, q.RequestID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: refund: %w", err)
	}
	r, err := scanRefund(t.queryRow(ctx, selectRefundSQL+cond+t.lock(q.ForUpdate), args...))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: %s: %w", describe("refund", q.ID, q.MerchantID, q.RequestID), notFound(err))
	}
	return r, nil
}

// RefundsOfPayment returns a payment's refunds in the order they were created.
func (t *tx) RefundsOfPayment(ctx context.Context, paymentID string) ([]*entrypay.Refund, error) {
	rs, err := queryAll(ctx, t, scanRefund, selectRefundSQL+" WHERE payment_id = $1 ORDER BY seq", paymentID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: refunds of payment %s: %w", paymentID, err)
	}
	return rs, nil
}

// InsertRefund adds r unless its merchant already has a refund with r's request id.
func (t *tx) InsertRefund(ctx context.Context, r *entrypay.Refund) (bool, error) {
	ok, err := t.insert(ctx, insertRefundSQL, refundArgs(r)...)
	if err != nil {
		return false, fmt.Errorf("sqlstore: insert refund %s: %w", r.ID, err)
	}
	return ok, nil
}

// UpdateRefund writes every field of r over the refund with r's id.
func (t *tx) UpdateRefund(ctx context.Context, r *entrypay.Refund) error {
	if err := t.update(ctx, updateRefundSQL, refundArgs(r)...); err != nil {
		return fmt.Errorf("sqlstore: update refund %s: %w", r.ID, err)
	}
	return nil
}
