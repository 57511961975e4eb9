package entrypay

import "time"

// Transaction types in reports and wallet-side files.
const (
	TxPayment = "PAYMENT"
	TxRefund  = "REFUND"
	TxCancel  = "CANCEL"
)

// ClearingLine is one transaction in the wallet side's clearing (transaction detail)
// file.
type ClearingLine struct {
	// TransactionID is the wallet side's id.
	TransactionID string
	// RequestID is entrypay's id: the payment id of a payment or cancel, the refund id of
	// a refund (what entrypay sent as paymentRequestId / refundRequestId).
	RequestID string
	// OriginalRequestID is the payment id a refund or cancel belongs to.
	OriginalRequestID string
	Type              string
	Time              time.Time
	// Amount is signed: refunds and cancels negative.
	Amount      Amount
	PspID       string
	WalletBrand string
}

// DiscrepancyKind says how a transaction fails to match.
type DiscrepancyKind string

// Kinds of discrepancies.
const (
	MissingOurs    DiscrepancyKind = "MISSING_ON_OUR_SIDE"
	MissingTheirs  DiscrepancyKind = "MISSING_ON_THEIR_SIDE"
	AmountMismatch DiscrepancyKind = "AMOUNT_MISMATCH"
	StatusMismatch DiscrepancyKind = "STATUS_MISMATCH"
)

// Discrepancy is one transaction that the wallet side's file and entrypay's books do not
// agree on.
type Discrepancy struct {
	Kind      DiscrepancyKind `json:"kind"`
	Type      string          `json:"type"`
	RequestID string          `json:"requestId"`
	// Ours and Theirs are the signed amounts each side has (zero when missing).
	Ours   Amount `json:"ours"`
	Theirs Amount `json:"theirs"`
	Detail string `json:"detail"`
}
