package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/entrypay/entrypay"
)

// The developers pages: key versions, a merchant's notifications and its test
// notifications.

// MerchantKeys lists every version of a client's key, revoked ones too, by version.
func (t *tx) MerchantKeys(ctx context.Context, clientID string, forUpdate bool) ([]*entrypay.MerchantKey, error) {
	ks, err := queryAll(ctx, t, func(r scanner) (*entrypay.MerchantKey, error) {
		var k entrypay.MerchantKey
		return &k, r.Scan(merchantKeyDest(&k)...)
	}, selectMerchantKeySQL+" WHERE client_id = $1 ORDER BY key_version"+t.lock(forUpdate), clientID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: keys of client %s: %w", clientID, err)
	}
	return ks, nil
}

const updateMerchantKeySQL = "UPDATE merchant_keys SET revoked_at = $3 WHERE client_id = $1 AND key_version = $2"

// UpdateMerchantKey writes k's revocation time; the key itself never changes.
func (t *tx) UpdateMerchantKey(ctx context.Context, k *entrypay.MerchantKey) error {
	if err := t.update(ctx, updateMerchantKeySQL, k.ClientID, k.KeyVersion, micros(k.RevokedAt)); err != nil {
		return fmt.Errorf("sqlstore: update key version %d of client %s: %w", k.KeyVersion, k.ClientID, err)
	}
	return nil
}

// MerchantNotification returns a notification of the merchant's, found by id and
// merchant together.
func (t *tx) MerchantNotification(ctx context.Context, merchantID, id string, forUpdate bool) (*entrypay.Notification, error) {
	if merchantID == "" {
		return nil, fmt.Errorf("sqlstore: notification %s: %w", id, errNoMerchant)
	}
	n, err := scanNotification(t.queryRow(ctx, selectNotificationSQL+" WHERE id = $1 AND merchant_id = $2"+t.lock(forUpdate), id, merchantID))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: notification %s of merchant %s: %w", id, merchantID, notFound(err))
	}
	return n, nil
}

var errNoMerchant = errors.New("a merchant is required")

// notificationLogSQL lists both kinds of notification in one order. A notification's
// latest attempt is the one numbered like its attempt count; the scheduled attempts are
// those not marked manual. A test notification has one attempt, stored with it.
const notificationLogSQL = `SELECT id, payment_id, is_test, url, status, attempts, created_at, delivered_at,
	last_at, last_http_status, last_error, scheduled_attempts, last_scheduled_at FROM (
  SELECT n.id, n.payment_id, 0 AS is_test, n.url, n.status, n.attempts, n.created_at, n.delivered_at,
    COALESCE(a.at, 0) AS last_at, COALESCE(a.http_status, 0) AS last_http_status, COALESCE(a.error, '') AS last_error,
    (SELECT COUNT(*) FROM notification_attempts x WHERE x.notification_id = n.id AND NOT x.manual) AS scheduled_attempts,
    (SELECT COALESCE(MAX(x.at), 0) FROM notification_attempts x WHERE x.notification_id = n.id AND NOT x.manual) AS last_scheduled_at
  FROM notifications n LEFT JOIN notification_attempts a ON a.notification_id = n.id AND a.attempt = n.attempts
  WHERE n.merchant_id = $1 %s
  UNION ALL
  SELECT t.id, '', 1, t.url, CASE WHEN t.acknowledged THEN 'DELIVERED' ELSE 'FAILED' END, 1, t.at,
    CASE WHEN t.acknowledged THEN t.at ELSE 0 END, t.at, t.http_status, t.error, 0, 0
  FROM test_notifications t
  WHERE t.merchant_id = $1 %s
) l ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3`

// NotificationLog lists a merchant's notifications and test notifications, newest first.
func (t *tx) NotificationLog(ctx context.Context, q entrypay.NotificationLogQuery) ([]*entrypay.NotificationLogEntry, error) {
	if q.MerchantID == "" {
		return nil, fmt.Errorf("sqlstore: notification log: %w", errNoMerchant)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	failedN, failedT := "", ""
	if q.FailedOnly {
		failedN = "AND (n.status = 'FAILED' OR (n.status = 'PENDING' AND n.attempts > 0))"
		failedT = "AND NOT t.acknowledged"
	}
	es, err := queryAll(ctx, t, func(r scanner) (*entrypay.NotificationLogEntry, error) {
		var e entrypay.NotificationLogEntry
		return &e, r.Scan(&e.ID, &e.PaymentID, &e.Test, &e.URL, (*string)(&e.Status), &e.Attempts, timeCol{&e.CreatedAt}, timeCol{&e.DeliveredAt},
			timeCol{&e.LastAt}, &e.LastHTTPStatus, &e.LastError, &e.ScheduledAttempts, timeCol{&e.LastScheduledAt})
	}, fmt.Sprintf(notificationLogSQL, failedN, failedT), q.MerchantID, limit, max(q.Offset, 0))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: notification log of merchant %s: %w", q.MerchantID, err)
	}
	return es, nil
}

var testNotificationCols = []string{"id", "merchant_id", "url", "body", "at", "duration_ns", "http_status", "response", "error", "acknowledged"}

func testNotificationArgs(n *entrypay.TestNotification) []any {
	a := &n.Attempt
	return []any{n.ID, n.MerchantID, n.URL, blob(n.Body), micros(a.At), int64(a.Duration), a.HTTPStatus, a.Response, a.Error, a.Acknowledged}
}

func testNotificationDest(n *entrypay.TestNotification) []any {
	a := &n.Attempt
	return []any{&n.ID, &n.MerchantID, &n.URL, blobCol{&n.Body}, timeCol{&a.At}, (*int64)(&a.Duration), &a.HTTPStatus, &a.Response, &a.Error, &a.Acknowledged}
}

var (
	selectTestNotificationSQL = selectSQL("test_notifications", testNotificationCols)
	insertTestNotificationSQL = insertSQL("test_notifications", testNotificationCols, "ON CONFLICT DO NOTHING")
)

// InsertTestNotification adds n; a taken id is an error wrapping ErrDuplicate.
func (t *tx) InsertTestNotification(ctx context.Context, n *entrypay.TestNotification) error {
	if err := t.mustInsert(ctx, insertTestNotificationSQL, testNotificationArgs(n)...); err != nil {
		return fmt.Errorf("sqlstore: insert test notification %s: %w", n.ID, err)
	}
	return nil
}

// TestNotification returns a test notification of the merchant's. Its one attempt is
// number 1, made by hand.
func (t *tx) TestNotification(ctx context.Context, merchantID, id string) (*entrypay.TestNotification, error) {
	if merchantID == "" {
		return nil, fmt.Errorf("sqlstore: test notification %s: %w", id, errNoMerchant)
	}
	var n entrypay.TestNotification
	err := t.queryRow(ctx, selectTestNotificationSQL+" WHERE id = $1 AND merchant_id = $2", id, merchantID).Scan(testNotificationDest(&n)...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: test notification %s of merchant %s: %w", id, merchantID, notFound(err))
	}
	n.Attempt.NotificationID, n.Attempt.Attempt, n.Attempt.Manual = n.ID, 1, true
	return &n, nil
}
