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
	// InReadTx runs fn in a read-only transaction: a consistent snapshot that takes no
	// write lock (SQLite's one writer is not held while a page or a client is looked
	// up). fn must not write.
	InReadTx(ctx context.Context, fn func(Tx) error) error
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

	// EachPayment calls fn for every payment, oldest first (for verification).
	EachPayment(ctx context.Context, fn func(*Payment) error) error

	Refund(ctx context.Context, q RefundQuery) (*Refund, error)
	RefundsOfPayment(ctx context.Context, paymentID string) ([]*Refund, error)
	InsertRefund(ctx context.Context, r *Refund) (inserted bool, err error)
	UpdateRefund(ctx context.Context, r *Refund) error

	// InsertJournalEntry stores e and adds its postings to the balance rows, locking
	// those rows in a fixed order so that concurrent postings never deadlock.
	InsertJournalEntry(ctx context.Context, e *JournalEntry) error
	JournalEntries(ctx context.Context, paymentID string) ([]*JournalEntry, error)
	// EntriesOfBatch returns a settlement batch's entries in creation order.
	EntriesOfBatch(ctx context.Context, batchID string) ([]*JournalEntry, error)
	// EntriesOfClearingDate returns a clearing day's entries in creation order.
	EntriesOfClearingDate(ctx context.Context, date string) ([]*JournalEntry, error)
	// EachJournalEntry calls fn for every entry in creation order (for verification).
	EachJournalEntry(ctx context.Context, fn func(*JournalEntry) error) error
	// Balances returns the balance rows; PostingSums the same sums computed from the
	// postings themselves, for comparison.
	Balances(ctx context.Context) ([]Balance, error)
	PostingSums(ctx context.Context) ([]Balance, error)
	// Balance returns one account's balance in one currency (0 when it has none).
	Balance(ctx context.Context, account, currency string) (int64, error)

	InsertRates(ctx context.Context, rates []Rate) error
	// LatestRates returns the newest rate of every pair.
	LatestRates(ctx context.Context) ([]Rate, error)
	// Pricing returns a merchant's pricing; ErrNotFound when none was set.
	Pricing(ctx context.Context, merchantID string) (*Pricing, error)
	PutPricing(ctx context.Context, p *Pricing) error

	// EnsureBatch inserts b unless a batch with its id exists.
	EnsureBatch(ctx context.Context, b *SettlementBatch) error
	Batch(ctx context.Context, id string, forUpdate bool) (*SettlementBatch, error)
	// Batches lists batches of a clearing day (or all when date is ""), optionally of one
	// merchant.
	Batches(ctx context.Context, merchantID, clearingDate string) ([]*SettlementBatch, error)
	UpdateBatch(ctx context.Context, b *SettlementBatch) error

	// ReportDelivery returns where a merchant's reports are uploaded; ErrNotFound when
	// nowhere.
	ReportDelivery(ctx context.Context, merchantID string) (*ReportDelivery, error)
	PutReportDelivery(ctx context.Context, d *ReportDelivery) error
	DeleteReportDelivery(ctx context.Context, merchantID string) error
	// ReportUpload returns the record of a merchant's upload of a clearing day;
	// ErrNotFound when there is none.
	ReportUpload(ctx context.Context, merchantID, clearingDate string) (*ReportUpload, error)
	PutReportUpload(ctx context.Context, u *ReportUpload) error

	// InsertRuleSet stores a rule set under the next version number, which it sets.
	InsertRuleSet(ctx context.Context, rs *RuleSet) error
	RuleSet(ctx context.Context, version int64) (*RuleSet, error)
	// RuleSets lists the stored rule sets, newest first.
	RuleSets(ctx context.Context) ([]*RuleSet, error)
	UpdateRuleSet(ctx context.Context, rs *RuleSet) error

	InsertRiskDecision(ctx context.Context, d *RiskDecision) error
	RiskDecision(ctx context.Context, id string, forUpdate bool) (*RiskDecision, error)
	RiskDecisions(ctx context.Context, q RiskDecisionQuery) ([]*RiskDecision, error)
	UpdateRiskDecision(ctx context.Context, d *RiskDecision) error
	// AddRiskCounts adds each count's figures to its bucket, creating it, in the order
	// given (callers sort them, so that concurrent payments lock buckets in one order).
	AddRiskCounts(ctx context.Context, counts []RiskCount) error
	// RiskCounts returns the buckets of keys that start at or after since[span] for the
	// spans given, and their "all" rows.
	RiskCounts(ctx context.Context, keys []string, since map[string]int64) ([]RiskCount, error)

	// RecordWalletFile remembers an imported wallet-side file by name and content hash;
	// inserted is false when the same name was imported before.
	RecordWalletFile(ctx context.Context, name, hash string, importedAt time.Time) (inserted bool, err error)

	Notification(ctx context.Context, id string, forUpdate bool) (*Notification, error)
	NotificationsOfPayment(ctx context.Context, paymentID string) ([]*Notification, error)
	InsertNotification(ctx context.Context, n *Notification) error
	UpdateNotification(ctx context.Context, n *Notification) error
	InsertNotificationAttempt(ctx context.Context, a *NotificationAttempt) error
	NotificationAttempts(ctx context.Context, notificationID string) ([]*NotificationAttempt, error)

	// Payments lists a merchant's payments matching f, newest first (created_at, then
	// id, descending); f.MerchantID is required.
	Payments(ctx context.Context, f PaymentFilter) ([]*Payment, error)
	// PaymentTotals counts and sums a merchant's payments of a status created in
	// [from, to), per currency in currency order.
	PaymentTotals(ctx context.Context, merchantID string, status PaymentStatus, from, to time.Time) ([]PaymentTotal, error)
	// PaymentBuckets counts and sums a merchant's payments created in [from, to) per
	// bucket (bucket long, from the Unix epoch), status, currency, wallet and store.
	PaymentBuckets(ctx context.Context, merchantID string, from, to time.Time, bucket time.Duration) ([]PaymentBucket, error)

	// User returns the user q finds (by ID, else by Email).
	User(ctx context.Context, q UserQuery) (*User, error)
	// InsertUser adds u; inserted is false when its email is taken.
	InsertUser(ctx context.Context, u *User) (inserted bool, err error)
	UpdateUser(ctx context.Context, u *User) error
	// UsersOf lists the users of a merchant ("" for the operators), by email.
	UsersOf(ctx context.Context, merchantID string) ([]*User, error)
	// DeleteUser removes a user with its links and sessions; the audit log keeps its
	// entries (they carry the email).
	DeleteUser(ctx context.Context, id string) error
	InsertUserLink(ctx context.Context, l *UserLink) error
	// UserLink returns the link stored under the token's hash.
	UserLink(ctx context.Context, tokenHash string, forUpdate bool) (*UserLink, error)
	UpdateUserLink(ctx context.Context, l *UserLink) error
	InsertSession(ctx context.Context, s *Session) error
	// Session returns the session stored under the token's hash.
	Session(ctx context.Context, tokenHash string) (*Session, error)
	UpdateSession(ctx context.Context, s *Session) error
	// DeleteSession removes a session; removing one that does not exist is not an error.
	DeleteSession(ctx context.Context, tokenHash string) error
	InsertAuditEntry(ctx context.Context, e *AuditEntry) error
	// AuditEntries lists entries matching q, newest first.
	AuditEntries(ctx context.Context, q AuditQuery) ([]*AuditEntry, error)

	// Partners: Agent-Tokens, key labels.
	InsertAgentToken(ctx context.Context, t *AgentToken) error
	// AgentToken returns the token with this value (ErrNotFound when none).
	AgentToken(ctx context.Context, token string) (*AgentToken, error)
	UpdateAgentToken(ctx context.Context, t *AgentToken) error
	// AgentTokens lists the tokens given by a merchant (merchantID) or to a partner
	// (partnerID), newest first; one of the two is required.
	AgentTokens(ctx context.Context, merchantID, partnerID string) ([]*AgentToken, error)

	// Merchant registration.
	// InsertRegistration stores a new registration; inserted is false when the partner
	// used its request id before, or has a registration of its referenceMerchantId that
	// is not rejected.
	InsertRegistration(ctx context.Context, r *Registration) (inserted bool, err error)
	// Registration returns a registration by id; partnerID, when set, restricts the
	// search to that partner's (another's is ErrNotFound).
	Registration(ctx context.Context, id, partnerID string, forUpdate bool) (*Registration, error)
	// Registrations lists the registrations q selects, newest first.
	Registrations(ctx context.Context, q RegistrationQuery) ([]*Registration, error)
	UpdateRegistration(ctx context.Context, r *Registration) error
	// InsertRegistrationAttempt records an attempt to deliver a registration's
	// notifyRegistrationStatus (a.NotificationID is the registration id).
	InsertRegistrationAttempt(ctx context.Context, a *NotificationAttempt) error
	RegistrationAttempts(ctx context.Context, registrationID string) ([]*NotificationAttempt, error)

	// Operator console: risk and operations.

	// InsertDiscrepancy stores a discrepancy a reconciliation run found.
	InsertDiscrepancy(ctx context.Context, d *StoredDiscrepancy) error
	Discrepancy(ctx context.Context, id string, forUpdate bool) (*StoredDiscrepancy, error)
	// Discrepancies lists the discrepancies q selects, newest first.
	Discrepancies(ctx context.Context, q DiscrepancyQuery) ([]*StoredDiscrepancy, error)
	UpdateDiscrepancy(ctx context.Context, d *StoredDiscrepancy) error
	// QueuedJobs lists the job queue's jobs in q's states, soonest scheduled first.
	QueuedJobs(ctx context.Context, q QueuedJobQuery) ([]*QueuedJob, error)
	QueuedJob(ctx context.Context, id int64) (*QueuedJob, error)
	// RetryJob makes a job available to run at once (a discarded one gets one more
	// attempt); DiscardJob cancels it: it will not run again. Both take effect when the
	// transaction commits.
	RetryJob(ctx context.Context, id int64) (*QueuedJob, error)
	DiscardJob(ctx context.Context, id int64) (*QueuedJob, error)
	// JobStats counts the queue's jobs per state and finds the oldest job due at now.
	JobStats(ctx context.Context, now time.Time) (*JobStats, error)
	NotificationCounts(ctx context.Context) (NotificationCounts, error)
	// SchemaVersion is the newest migration applied to the database.
	SchemaVersion(ctx context.Context) (int64, error)

	// Stores and entry codes pages.
	// MerchantStore, MerchantEntryCode and MerchantBatch find a store, a code (by its
	// upper-case value) or a settlement batch only among merchantID's: another
	// merchant's is ErrNotFound, like one that does not exist.
	MerchantStore(ctx context.Context, merchantID, id string) (*Store, error)
	MerchantEntryCode(ctx context.Context, merchantID, value string, forUpdate bool) (*EntryCode, error)
	MerchantBatch(ctx context.Context, merchantID, id string) (*SettlementBatch, error)

	// Developers pages: keys, notification delivery log.

	// MerchantKeys lists every version of a client's public key, revoked ones too, by
	// version; forUpdate locks them until the transaction ends.
	MerchantKeys(ctx context.Context, clientID string, forUpdate bool) ([]*MerchantKey, error)
	// UpdateMerchantKey writes k's revocation time over the stored version.
	UpdateMerchantKey(ctx context.Context, k *MerchantKey) error
	// MerchantNotification returns a notification of the merchant's; another merchant's
	// is ErrNotFound, like one that does not exist.
	MerchantNotification(ctx context.Context, merchantID, id string, forUpdate bool) (*Notification, error)
	// NotificationLog lists a merchant's notifications and test notifications, newest
	// first; q.MerchantID is required.
	NotificationLog(ctx context.Context, q NotificationLogQuery) ([]*NotificationLogEntry, error)
	InsertTestNotification(ctx context.Context, n *TestNotification) error
	// TestNotification returns a test notification of the merchant's (ErrNotFound for
	// another merchant's).
	TestNotification(ctx context.Context, merchantID, id string) (*TestNotification, error)

	// Operator console.

	// Merchants lists every merchant, by name then id.
	Merchants(ctx context.Context) ([]*Merchant, error)
	// MerchantForUpdate returns a merchant and locks its row until the transaction ends.
	MerchantForUpdate(ctx context.Context, id string) (*Merchant, error)
	// SettlementVolume sums the settlement amounts in currency of a merchant's PROCESSING
	// and SUCCESS payments created in [from, to).
	SettlementVolume(ctx context.Context, merchantID, currency string, from, to time.Time) (int64, error)
	// WalletStats counts, per network and wallet (in that order), the payments created in
	// [from, to) by status and the wallet calls whose outcome was unknown
	// (EventWalletNoAnswer events) recorded in it.
	WalletStats(ctx context.Context, from, to time.Time) ([]WalletStats, error)
	// RateSets returns the newest limit sets of rates (rates stored with one CreatedAt),
	// newest first, each set's rates in the order they were stored.
	RateSets(ctx context.Context, limit int) ([]RateSet, error)

	// Enqueue schedules a job; it runs only if the transaction commits.
	Enqueue(ctx context.Context, j Job) error
	// AfterCommit runs f once the transaction has committed, and never if it does not
	// (a retried transaction forgets the f of its failed attempts).
	AfterCommit(f func())
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
	// RegisterMerchant registers an approved merchant and its first store with the
	// wallet network (Alipay+ registration), idempotent by r.ID.
	RegisterMerchant(ctx context.Context, r *Registration, m *Merchant, s *Store) error
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
	// FormatRegistration builds the notifyRegistrationStatus body of a reviewed
	// registration; agentToken is the partner's token for an approved one.
	FormatRegistration(r *Registration, agentToken string) ([]byte, error)
	// Deliver makes one attempt and reports it; it does not touch the database.
	Deliver(ctx context.Context, m *Merchant, n *Notification) NotificationAttempt
}
