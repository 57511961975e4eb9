package sqlstore

import (
	"context"
	"fmt"

	"github.com/entrypay/entrypay"
)

var notificationCols = []string{"id", "payment_id", "merchant_id", "url", "body", "status", "attempts", "created_at", "delivered_at"}

func notificationArgs(n *entrypay.Notification) []any {
	return []any{n.ID, n.PaymentID, n.MerchantID, n.URL, blob(n.Body), string(n.Status), n.Attempts, micros(n.CreatedAt), micros(n.DeliveredAt)}
}

func notificationDest(n *entrypay.Notification) []any {
	return []any{&n.ID, &n.PaymentID, &n.MerchantID, &n.URL, blobCol{&n.Body}, (*string)(&n.Status), &n.Attempts, timeCol{&n.CreatedAt}, timeCol{&n.DeliveredAt}}
}

var (
	selectNotificationSQL = selectSQL("notifications", notificationCols)
	insertNotificationSQL = insertSQL("notifications", notificationCols, "ON CONFLICT DO NOTHING")
	updateNotificationSQL = updateSQL("notifications", notificationCols)
)

func scanNotification(r scanner) (*entrypay.Notification, error) {
	var n entrypay.Notification
	if err := r.Scan(notificationDest(&n)...); err != nil {
		return nil, err
	}
	return &n, nil
}

// Notification returns the notification with the given id, locked until the transaction
// ends when forUpdate is set.
func (t *tx) Notification(ctx context.Context, id string, forUpdate bool) (*entrypay.Notification, error) {
	n, err := scanNotification(t.queryRow(ctx, selectNotificationSQL+" WHERE id = $1"+t.lock(forUpdate), id))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: notification %s: %w", id, notFound(err))
	}
	return n, nil
}

// NotificationsOfPayment returns a payment's notifications in the order they were
// created.
func (t *tx) NotificationsOfPayment(ctx context.Context, paymentID string) ([]*entrypay.Notification, error) {
	ns, err := queryAll(ctx, t, scanNotification, selectNotificationSQL+" WHERE payment_id = $1 ORDER BY seq", paymentID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: notifications of payment %s: %w", paymentID, err)
	}
	return ns, nil
}

// InsertNotification adds n; a taken id is an error wrapping ErrDuplicate.
func (t *tx) InsertNotification(ctx context.Context, n *entrypay.Notification) error {
	if err := t.mustInsert(ctx, insertNotificationSQL, notificationArgs(n)...); err != nil {
		return fmt.Errorf("sqlstore: insert notification %s: %w", n.ID, err)
	}
	return nil
}

// UpdateNotification writes every field of n over the notification with n's id.
func (t *tx) UpdateNotification(ctx context.Context, n *entrypay.Notification) error {
	if err := t.update(ctx, updateNotificationSQL, notificationArgs(n)...); err != nil {
		return fmt.Errorf("sqlstore: update notification %s: %w", n.ID, err)
	}
	return nil
}

var notificationAttemptCols = []string{"notification_id", "attempt", "at", "duration_ns", "http_status", "response", "error", "acknowledged", "manual"}

// notificationAttemptArgs stores Duration in nanoseconds, its own unit, so it round-trips
// exactly.
func notificationAttemptArgs(a *entrypay.NotificationAttempt) []any {
	return []any{a.NotificationID, a.Attempt, micros(a.At), int64(a.Duration), a.HTTPStatus, a.Response, a.Error, a.Acknowledged, a.Manual}
}

func notificationAttemptDest(a *entrypay.NotificationAttempt) []any {
	return []any{&a.NotificationID, &a.Attempt, timeCol{&a.At}, (*int64)(&a.Duration), &a.HTTPStatus, &a.Response, &a.Error, &a.Acknowledged, &a.Manual}
}

var (
	selectNotificationAttemptSQL = selectSQL("notification_attempts", notificationAttemptCols)
	insertNotificationAttemptSQL = insertSQL("notification_attempts", notificationAttemptCols, "ON CONFLICT DO NOTHING")
)

func scanNotificationAttempt(r scanner) (*entrypay.NotificationAttempt, error) {
	var a entrypay.NotificationAttempt
	if err := r.Scan(notificationAttemptDest(&a)...); err != nil {
		return nil, err
	}
	return &a, nil
}

// InsertNotificationAttempt records a; a second record of the same attempt number is an
// error wrapping ErrDuplicate.
func (t *tx) InsertNotificationAttempt(ctx context.Context, a *entrypay.NotificationAttempt) error {
	if err := t.mustInsert(ctx, insertNotificationAttemptSQL, notificationAttemptArgs(a)...); err != nil {
		return fmt.Errorf("sqlstore: insert attempt %d of notification %s: %w", a.Attempt, a.NotificationID, err)
	}
	return nil
}

// NotificationAttempts returns a notification's attempts by attempt number.
func (t *tx) NotificationAttempts(ctx context.Context, notificationID string) ([]*entrypay.NotificationAttempt, error) {
	as, err := queryAll(ctx, t, scanNotificationAttempt, selectNotificationAttemptSQL+" WHERE notification_id = $1 ORDER BY attempt", notificationID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: attempts of notification %s: %w", notificationID, err)
	}
	return as, nil
}
