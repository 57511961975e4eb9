package entrypay

import "time"

// NotificationStatus is where a merchant notification is in its delivery.
type NotificationStatus string

// Notification statuses.
const (
	NotificationPending   NotificationStatus = "PENDING"
	NotificationDelivered NotificationStatus = "DELIVERED"
	// NotificationFailed: every scheduled attempt failed.
	NotificationFailed NotificationStatus = "FAILED"
)

// Notification is a notifyPayment message to a merchant. Its body is fixed when the
// payment becomes final, so every attempt sends the same bytes.
type Notification struct {
	ID          string
	PaymentID   string
	MerchantID  string
	URL         string
	Body        []byte
	Status      NotificationStatus
	Attempts    int
	CreatedAt   time.Time
	DeliveredAt time.Time
}

// NotificationAttempt records one delivery attempt.
type NotificationAttempt struct {
	NotificationID string
	Attempt        int
	At             time.Time
	Duration       time.Duration
	// HTTPStatus is 0 when no answer came.
	HTTPStatus int
	// Response is the start of the merchant's answer, for whoever investigates.
	Response     string
	Error        string
	Acknowledged bool
	// Manual marks an attempt asked for from the dashboard rather than made by the
	// delivery schedule.
	Manual bool
}

// DefaultNotifySchedule is when each notification attempt is made, counted from the
// previous one: Antom's schedule, eight attempts in about 24 hours.
var DefaultNotifySchedule = []time.Duration{
	0, 2 * time.Minute, 10 * time.Minute, 10 * time.Minute,
	time.Hour, 2 * time.Hour, 6 * time.Hour, 15 * time.Hour,
}
