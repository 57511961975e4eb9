package sqlstore

import (
	"testing"
	"time"

	"github.com/entrypay/entrypay"
)

// TestColumns checks that every table's column list, values and scan destinations line
// up; the conformance suite in package storetest checks the rest on real databases.
func TestColumns(t *testing.T) {
	var q quoteCols
	for _, c := range []struct {
		name       string
		cols       []string
		args, dest []any
	}{
		{"merchants", merchantCols, merchantArgs(&entrypay.Merchant{}), merchantDest(&entrypay.Merchant{})},
		{"merchant_keys", merchantKeyCols, merchantKeyArgs(&entrypay.MerchantKey{}), merchantKeyDest(&entrypay.MerchantKey{})},
		{"stores", storeCols, storeArgs(&entrypay.Store{}), storeDest(&entrypay.Store{})},
		{"gateway_keys", gatewayKeyCols, gatewayKeyArgs(&entrypay.GatewayKey{}), gatewayKeyDest(&entrypay.GatewayKey{})},
		{"payments", paymentCols, paymentArgs(&entrypay.Payment{}), paymentDest(&entrypay.Payment{}, &q, &q)},
		{"payment_events", paymentEventCols, paymentEventArgs(&entrypay.PaymentEvent{}), paymentEventDest(&entrypay.PaymentEvent{})},
		{"refunds", refundCols, refundArgs(&entrypay.Refund{}), refundDest(&entrypay.Refund{})},
		{"journal_entries", journalEntryCols, journalEntryArgs(&entrypay.JournalEntry{}), journalEntryDest(&entrypay.JournalEntry{})},
		{"notifications", notificationCols, notificationArgs(&entrypay.Notification{}), notificationDest(&entrypay.Notification{})},
		{"notification_attempts", notificationAttemptCols, notificationAttemptArgs(&entrypay.NotificationAttempt{}), notificationAttemptDest(&entrypay.NotificationAttempt{})},
		{"users", userCols, userArgs(&entrypay.User{}), userDest(&entrypay.User{})},
		{"user_links", userLinkCols, userLinkArgs(&entrypay.UserLink{}), userLinkDest(&entrypay.UserLink{})},
		{"sessions", sessionCols, sessionArgs(&entrypay.Session{}), sessionDest(&entrypay.Session{})},
		{"audit_log", auditCols, auditArgs(&entrypay.AuditEntry{}), auditDest(&entrypay.AuditEntry{})},
		{"test_notifications", testNotificationCols, testNotificationArgs(&entrypay.TestNotification{}), testNotificationDest(&entrypay.TestNotification{})},
	} {
		if len(c.args) != len(c.cols) || len(c.dest) != len(c.cols) {
			t.Errorf("%s: %d columns, %d values, %d destinations", c.name, len(c.cols), len(c.args), len(c.dest))
		}
	}
}

func TestMicros(t *testing.T) {
	hk := time.FixedZone("HKT", 8*3600)
	for _, tc := range []struct {
		in, want time.Time
	}{
		{time.Time{}, time.Time{}},
		{time.Date(2026, 3, 1, 18, 0, 0, 123456789, hk), time.Date(2026, 3, 1, 10, 0, 0, 123456000, time.UTC)},
		{time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC), time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC)},
	} {
		got := fromMicros(micros(tc.in))
		if !got.Equal(tc.want) || got.IsZero() != tc.want.IsZero() || (!got.IsZero() && got.Location() != time.UTC) {
			t.Errorf("fromMicros(micros(%v)) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestTimeColRejectsOtherTypes(t *testing.T) {
	var ts time.Time
	for _, src := range []any{"2026-03-01", 1.5, nil, []byte("1")} {
		if err := (timeCol{&ts}).Scan(src); err == nil {
			t.Errorf("timeCol.Scan(%#v) succeeded", src)
		}
	}
}

func TestWhere(t *testing.T) {
	for _, tc := range []struct {
		id, merchant, request string
		want                  string
		nargs                 int
	}{
		{"p", "", "", " WHERE id = $1", 1},
		{"p", "m", "", " WHERE id = $1 AND merchant_id = $2", 2},
		{"", "m", "r", " WHERE merchant_id = $1 AND request_id = $2", 2},
		{"p", "m", "r", " WHERE id = $1 AND merchant_id = $2 AND request_id = $3", 3},
	} {
		got, args, err := where(tc.id, tc.merchant, tc.request)
		if err != nil || got != tc.want || len(args) != tc.nargs {
			t.Errorf("where(%q, %q, %q) = %q, %d args, %v; want %q, %d args", tc.id, tc.merchant, tc.request, got, len(args), err, tc.want, tc.nargs)
		}
	}
	for _, q := range [][3]string{{"", "", ""}, {"", "m", ""}, {"", "", "r"}} {
		if _, _, err := where(q[0], q[1], q[2]); err == nil {
			t.Errorf("where(%q) accepted an incomplete query", q)
		}
	}
}
