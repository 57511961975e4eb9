package entrypay

import (
	"fmt"
	"time"
)

// PaymentStatus is where a payment is in its life.
type PaymentStatus string

// Payment statuses, as the merchant API spells them.
const (
	// PaymentProcessing: created; the customer has not finished in the wallet, or the
	// wallet side has not told entrypay yet.
	PaymentProcessing PaymentStatus = "PROCESSING"
	// PaymentSuccess: the customer paid. Final, except that a cancel inside the cancel
	// window reverses it.
	PaymentSuccess PaymentStatus = "SUCCESS"
	// PaymentFail: the wallet refused it, the customer gave up, or it expired. Final.
	PaymentFail PaymentStatus = "FAIL"
	// PaymentCancelled: the merchant cancelled it, before or after it was paid. Final.
	PaymentCancelled PaymentStatus = "CANCELLED"
)

// Final reports whether no further change is expected. SUCCESS is final for the customer
// and the merchant even though a cancel may still reverse it.
func (s PaymentStatus) Final() bool { return s != PaymentProcessing }

// Valid reports whether s is one of the four statuses.
func (s PaymentStatus) Valid() bool {
	switch s {
	case PaymentProcessing, PaymentSuccess, PaymentFail, PaymentCancelled:
		return true
	}
	return false
}

// canBecome lists the only legal transitions.
func (s PaymentStatus) canBecome(to PaymentStatus) bool {
	switch s {
	case PaymentProcessing:
		return to == PaymentSuccess || to == PaymentFail || to == PaymentCancelled
	case PaymentSuccess:
		return to == PaymentCancelled
	}
	return false
}

// Networks a payment can travel on.
const (
	NetworkAlipayPlus = "ALIPAYPLUS"
	NetworkSandbox    = "SANDBOX"
)

// LateSuccess states: a wallet reported a payment paid after entrypay had closed or
// cancelled it, so the money must go back to the customer.
const (
	LateSuccessReversing = "REVERSING"
	LateSuccessReversed  = "REVERSED"
)

// StoreRef is the store a payment was made at, as the merchant described it.
type StoreRef struct {
	// ReferenceID is the merchant's id for the store (order.merchant.store.referenceStoreId).
	ReferenceID string
	Name        string
	MCC         string
	// StoreID is entrypay's store, when the reference names one.
	StoreID string
}

// Payment is one customer paying one amount to one merchant.
type Payment struct {
	ID         string
	MerchantID string
	// RequestID is the merchant's paymentRequestId, unique per merchant.
	RequestID string
	Amount    Amount
	Status    PaymentStatus
	// ResultCode and ResultMessage explain a FAIL or CANCELLED status.
	ResultCode    string
	ResultMessage string

	ReferenceOrderID string
	OrderDescription string
	OrderAmount      Amount
	Store            StoreRef
	// Wallet is the wallet detected from UserAgent when the payment was created, or
	// CONNECT_WALLET when only "some Alipay+ wallet" was recognised.
	Wallet             string
	UserAgent          string
	ClientIP           string
	NotifyURL          string
	RedirectURL        string
	SettlementCurrency string
	Network            string
	// EntryCode is the code the customer scanned, when the payment came from a hosted page.
	EntryCode string

	// Set by the wallet side.
	WalletPaymentID  string
	CashierURL       string
	PspID            string
	WalletBrand      string
	WalletType       string
	WalletCustomerID string
	// CustomerAmount is what the customer was charged in the wallet's currency, with the
	// quote used; zero when the wallet side did not say.
	CustomerAmount Amount
	PaymentQuote   *Quote
	LateSuccess    string

	// SettlementAmount is what the merchant is credited in its settlement currency before
	// fees (Antom's grossSettlementAmount), at SettlementQuote, which is taken when the
	// payment is created, guaranteed until it expires and locked when it succeeds. With
	// no conversion the quote is nil and SettlementAmount equals Amount.
	SettlementAmount Amount
	SettlementQuote  *Quote
	// Fee is what entrypay charges for the payment, in the settlement currency; set at
	// success.
	Fee Amount
	// RiskReview is PENDING while the risk engine holds the payment for an operator
	// (it is not sent to the wallet side until released), then RELEASED, REJECTED or
	// EXPIRED; "" when it was never held.
	RiskReview string
	// Origin says who created the payment: an API client and its key version (a
	// merchant's own, a system integrator's, a partner's with its Agent-Token), or the
	// hosted page.
	Origin string
	// DeviceID is the customer's device as the request or the hosted page's cookie says.
	DeviceID string

	CreatedAt   time.Time
	UpdatedAt   time.Time
	ExpiresAt   time.Time
	PaidAt      time.Time
	CancelledAt time.Time
	// ClosedAt is when a PROCESSING payment became FAIL.
	ClosedAt time.Time
}

// moveTo changes the status, refusing illegal transitions.
func (p *Payment) moveTo(to PaymentStatus, at time.Time) error {
	if !p.Status.canBecome(to) {
		return &Error{Code: EStatusInvalid, Message: fmt.Sprintf("payment %s is %s and cannot become %s", p.ID, p.Status, to)}
	}
	p.Status = to
	p.UpdatedAt = at
	switch to {
	case PaymentSuccess:
		p.PaidAt = at
	case PaymentCancelled:
		p.CancelledAt = at
	case PaymentFail:
		p.ClosedAt = at
	}
	return nil
}

// Quote is an exchange rate: Price units of the pair's second currency per unit of the
// first, as a decimal string (never a float).
type Quote struct {
	ID         string
	Pair       string
	Price      string
	Start      time.Time
	Expiry     time.Time
	Guaranteed bool
}

// PaymentEvent is one line of a payment's history: what happened, when, and the detail
// (such as the wallet side's message) for whoever investigates later.
type PaymentEvent struct {
	PaymentID string
	At        time.Time
	Kind      string
	Detail    string
}

// Kinds of payment events.
const (
	EventCreated        = "created"
	EventWalletPay      = "wallet_pay"
	EventWalletResult   = "wallet_result"
	EventWalletNoAnswer = "wallet_no_answer"
	EventCancelled      = "cancelled"
	// EventCancelRequested: the merchant asked to cancel; the wallet side is being told.
	EventCancelRequested = "cancel_requested"
	EventClosed          = "closed"
	EventLateSuccess     = "late_success"
	EventReversed        = "late_success_reversed"
	EventMismatch        = "wallet_mismatch"
	EventRefund          = "refund"
	EventRisk            = "risk"
)
