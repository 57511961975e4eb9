package entrypay

import "time"

// JobKind names a piece of deferred work.
type JobKind string

// Kinds of jobs. Each is enqueued in the same transaction as the state change that needs
// it, so a crash never loses one.
const (
	// JobNotifyMerchant delivers a Notification (Subject: notification id).
	JobNotifyMerchant JobKind = "notify_merchant"
	// JobWatchPayment asks the wallet side about a PROCESSING payment until it is final,
	// and closes it at expiry (Subject: payment id).
	JobWatchPayment JobKind = "watch_payment"
	// JobRetryRefund retries a refund whose outcome is unknown (Subject: refund id).
	JobRetryRefund JobKind = "retry_refund"
	// JobReverseLateSuccess gives back money paid after a payment was closed (Subject:
	// payment id).
	JobReverseLateSuccess JobKind = "reverse_late_success"
	// JobRegisterWallet registers an approved merchant with its wallet network (Subject:
	// registration id).
	JobRegisterWallet JobKind = "register_wallet"
	// JobNotifyRegistration delivers a registration's notifyRegistrationStatus to the
	// partner on the notification schedule (Subject: registration id).
	JobNotifyRegistration JobKind = "notify_registration"
)

// Job is deferred work about one subject.
type Job struct {
	Kind    JobKind
	Subject string
	RunAt   time.Time
}
