package entrypay

import (
	"fmt"
	"time"
)

// RefundStatus is where a refund is in its life.
type RefundStatus string

// Refund statuses, as the merchant API spells them.
const (
	RefundProcessing RefundStatus = "PROCESSING"
	RefundSuccess    RefundStatus = "SUCCESS"
	RefundFail       RefundStatus = "FAIL"
)

// Refund gives back part or all of a successful payment.
type Refund struct {
	ID         string
	PaymentID  string
	MerchantID string
	// RequestID is the merchant's refundRequestId, unique per merchant.
	RequestID         string
	ReferenceRefundID string
	Amount            Amount
	Reason            string
	Status            RefundStatus
	ResultCode        string
	ResultMessage     string
	WalletRefundID    string
	// SettlementAmount is what the refund takes from the merchant in the settlement
	// currency, at the payment's locked quote; FeeReturned is the part of the payment's fee
	// given back with it. Both are fixed when the refund is created.
	SettlementAmount Amount
	FeeReturned      Amount
	// RiskReview is PENDING while the risk engine holds the refund for an operator,
	// then RELEASED, REJECTED or EXPIRED; "" when it was never held.
	RiskReview string
	// Origin says who asked for the refund: an API client and its key version (a
	// merchant's own, a system integrator's, a partner's with its Agent-Token), or a
	// dashboard user.
	Origin     string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	RefundedAt time.Time
}

func (r *Refund) moveTo(to RefundStatus, at time.Time) error {
	if r.Status != RefundProcessing || (to != RefundSuccess && to != RefundFail) {
		return &Error{Code: EStatusInvalid, Message: fmt.Sprintf("refund %s is %s and cannot become %s", r.ID, r.Status, to)}
	}
	r.Status = to
	r.UpdatedAt = at
	if to == RefundSuccess {
		r.RefundedAt = at
	}
	return nil
}
