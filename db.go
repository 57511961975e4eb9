package entrypay

import (
	"context"
	"time"
)

// DB is the database. Every change the gateway makes happens inside one InTx call, so
// the state change, its journal entry, its events and the jobs it causes commit together
// or not at all.
type DB interface {
	// InTx runs fn in a transaction and commits if fn returns nil. It may run fn again
	// when the database asks for a retry (serialization failure), so fn must have no
	// effect outside the transaction.
	InTx(ctx context.Context, fn func(Tx) error) error
}

// PaymentQuery finds one payment: by ID, or by merchant and RequestID. MerchantID, when
// set, restricts the search to that merchant's payments.
type PaymentQuery struct {
	ID         string
	MerchantID string
	RequestID  string
	// ForUpdate locks the row until the transaction ends.
	ForUpdate bool
}

// RefundQuery finds one refund: by ID, or by merchant and RequestID.
type RefundQuery struct {
	ID         string
	MerchantID string
	RequestID  string
	ForUpdate  bool
}

// Tx is what the gateway can do inside a transaction. Lookups that find nothing return an
// error wrapping ErrNotFound; inserts that hit a unique key return inserted=false without
// spoiling the transaction.
type Tx interface {
	Merchant(ctx context.Context, id string) (*Merchant, error)
	MerchantByClientID(ctx context.Context, clientID string) (*Merchant, error)
	InsertMerchant(ctx context.Context, m *Merchant) error
	UpdateMerchant(ctx context.Context, m *Merchant) error
	// MerchantKey returns the given key version, or the latest when version is 0.
	MerchantKey(ctx context.Context, clientID string, version int) (*MerchantKey, error)
	InsertMerchantKey(ctx context.Context, k *MerchantKey) error

	StoreByID(ctx context.Context, id string) (*Store, error)
	InsertStore(ctx context.Context, s *Store) error
	StoresOfMerchant(ctx context.Context, merchantID string) ([]*Store, error)

	// EntryCode returns the code with the given (upper-case) value.
	EntryCode(ctx context.Context, value string, forUpdate bool) (*EntryCode, error)
	EntryCodes(ctx context.Context, q EntryCodeQuery) ([]*EntryCode, error)
	InsertEntryCode(ctx context.Context, c *EntryCode) (inserted bool, err error)
	UpdateEntryCode(ctx context.Context, c *EntryCode) error

	// Branding returns a merchant's page branding; ErrNotFound when it has none.
	Branding(ctx context.Context, merchantID string) (*Branding, error)
	PutBranding(ctx context.Context, b *Branding) error

	// GatewayKey returns the latest gateway key.
	GatewayKey(ctx context.Context) (*GatewayKey, error)
	InsertGatewayKey(ctx context.Context, k *GatewayKey) (inserted bool, err error)

	Payment(ctx context.Context, q PaymentQuery) (*Payment, error)
	InsertPayment(ctx context.Context, p *Payment) (inserted bool, err error)
	UpdatePayment(ctx context.Context, p *Payment) error
	InsertPaymentEvent(ctx context.Context, e *PaymentEvent) error
	PaymentEvents(ctx context.Context, paymentID string) ([]*PaymentEvent, error)

	Refund(ctx context.Context, q RefundQuery) (*Refund, error)
	RefundsOfPayment(ctx context.Context, paymentID string) ([]*Refund, error)
	InsertRefund(ctx context.Context, r *Refund) (inserted bool, err error)
	UpdateRefund(ctx context.Context, r *Refund) error

	InsertJournalEntry(ctx context.Context, e *JournalEntry) error
	JournalEntries(ctx context.Context, paymentID string) ([]*JournalEntry, error)

	Notification(ctx context.Context, id string, forUpdate bool) (*Notification, error)
	NotificationsOfPayment(ctx context.Context, paymentID string) ([]*Notification, error)
	InsertNotification(ctx context.Context, n *Notification) error
	UpdateNotification(ctx context.Context, n *Notification) error
	InsertNotificationAttempt(ctx context.Context, a *NotificationAttempt) error
	NotificationAttempts(ctx context.Context, notificationID string) ([]*NotificationAttempt, error)

	// Enqueue schedules a job; it runs only if the transaction commits.
	Enqueue(ctx context.Context, j Job) error
}

// WalletSide is the wallet network a payment travels on (Alipay+ or the sandbox).
// A definite refusal is an *Error whose code is the wallet side's result code; an error
// wrapping ErrWalletNoAnswer means the outcome is unknown and the call may be repeated
// (every call is idempotent by entrypay's ids).
type WalletSide interface {
	// Pay creates the payment on the wallet side and returns the cashier URL.
	Pay(ctx context.Context, p *Payment, m *Merchant) (WalletPayment, error)
	// InquirePayment asks for the payment's state; ENotFound if the wallet side has none.
	InquirePayment(ctx context.Context, p *Payment) (WalletResult, error)
	// CancelPayment closes an unpaid payment or reverses a paid one.
	CancelPayment(ctx context.Context, p *Payment) error
	// Refund refunds r of p.
	Refund(ctx context.Context, p *Payment, r *Refund) (WalletRefund, error)
}

// WalletPayment is the wallet side's answer to pay.
type WalletPayment struct {
	WalletPaymentID string
	CashierURL      string
	PspID           string
	WalletBrand     string
}

// WalletResult is what the wallet side says about a payment, from a notification or an
// inquiry.
type WalletResult struct {
	// PaymentID is entrypay's payment id (the wallet side's paymentRequestId).
	PaymentID string
	// Status is PROCESSING, SUCCESS or FAIL.
	Status           PaymentStatus
	ResultCode       string
	ResultMessage    string
	WalletPaymentID  string
	Amount           Amount
	PaidAt           time.Time
	PspID            string
	WalletBrand      string
	WalletType       string
	WalletCustomerID string
	CustomerAmount   Amount
	Quote            *Quote
	// Raw is the message as received, kept in the payment's history.
	Raw string
}

// WalletRefund is the wallet side's answer to refund.
type WalletRefund struct {
	WalletRefundID string
	RefundedAt     time.Time
}

// Notifier formats and delivers merchant notifications.
type Notifier interface {
	// CheckURL refuses notification URLs entrypay will not call (not http(s), or a
	// loopback/private address when those are not allowed).
	CheckURL(raw string) error
	// Format builds the notifyPayment body for a final payment.
	Format(p *Payment, m *Merchant) ([]byte, error)
	// Deliver makes one attempt and reports it; it does not touch the database.
	Deliver(ctx context.Context, m *Merchant, n *Notification) NotificationAttempt
}
