package entrypay

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The developers pages of the dashboard: a merchant's API keys, its notification URL,
// the delivery log of its notifications, and its mode (sandbox or live). Only the owner
// changes anything; every change is audited in its own transaction.

// Audit actions of the developers pages.
const (
	AuditKeyUploaded             = "key_uploaded"
	AuditKeyRevoked              = "key_revoked"
	AuditNotifyURLChanged        = "notify_url_changed"
	AuditNotificationRedelivered = "notification_redelivered"
	AuditTestNotificationSent    = "test_notification_sent"
	AuditModeChanged             = "mode_changed"
)

// MinMerchantKeyBits is the smallest RSA modulus accepted for a merchant's key.
const MinMerchantKeyBits = 2048

// TestNotificationPrefix starts the id of every test notification; a test notification's
// paymentId is its id, and its paymentRequestId is TestNotificationRequestID, so the
// merchant's server can tell it from a real one.
const (
	TestNotificationPrefix    = "ntt_"
	TestNotificationRequestID = "ENTRYPAY_TEST_NOTIFICATION"
)

// TestNotification is a signed sample notifyPayment sent from the dashboard to check a
// merchant's endpoint. It belongs to no payment, touches no ledger, and has exactly one
// attempt.
type TestNotification struct {
	ID         string
	MerchantID string
	URL        string
	Body       []byte
	// Attempt is the one delivery attempt; its At is when the test was sent.
	Attempt NotificationAttempt
}

// NotificationLogQuery selects a merchant's notifications for the delivery log.
type NotificationLogQuery struct {
	// MerchantID is required: the log never crosses merchants.
	MerchantID string
	// FailedOnly keeps notifications not delivered whose latest attempt failed (FAILED,
	// or PENDING after a failed attempt) and unacknowledged tests.
	FailedOnly bool
	Offset     int
	Limit      int
}

// NotificationLogEntry is one row of the delivery log: a payment's notification or a
// test notification.
type NotificationLogEntry struct {
	ID string
	// PaymentID is "" for a test notification.
	PaymentID   string
	Test        bool
	URL         string
	Status      NotificationStatus
	Attempts    int
	CreatedAt   time.Time
	DeliveredAt time.Time
	// LastAt, LastHTTPStatus and LastError describe the latest attempt (LastAt is zero
	// when none was made).
	LastAt         time.Time
	LastHTTPStatus int
	LastError      string
	// ScheduledAttempts counts the attempts the delivery schedule made (not those asked
	// for by hand); LastScheduledAt is when the latest of them was made.
	ScheduledAttempts int
	LastScheduledAt   time.Time
	// NextAttempt is when the schedule will try again, estimated from the schedule; zero
	// when no attempt is due. Set by the gateway, not stored.
	NextAttempt time.Time
}

// NotificationLogDetail is one entry of the delivery log with every attempt.
type NotificationLogDetail struct {
	Entry    NotificationLogEntry
	Body     []byte
	Attempts []*NotificationAttempt
}

// ParseMerchantPublicKey reads a merchant's RSA public key given as PEM ("PUBLIC KEY" or
// "RSA PUBLIC KEY") or as base64 X.509 DER, and returns it as base64 X.509 DER, the form
// keys are stored in. Anything else, and keys under MinMerchantKeyBits, are EInvalid
// with a message naming what is wrong.
func ParseMerchantPublicKey(text string) (string, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return "", Errorf(EInvalid, "public key is required: paste a PEM block or choose a .pem file")
	}
	if len(text) > 16<<10 {
		return "", Errorf(EInvalid, "public key is longer than 16 KiB; an RSA public key in PEM is under 1 KiB")
	}
	var der []byte
	pkcs1 := false
	if strings.HasPrefix(text, "-----BEGIN") {
		block, rest := pem.Decode([]byte(text))
		switch {
		case block == nil:
			return "", Errorf(EInvalid, "public key: the PEM block could not be read (check the BEGIN and END lines)")
		case strings.TrimSpace(string(rest)) != "":
			return "", Errorf(EInvalid, "public key: paste one PEM block only")
		case strings.Contains(block.Type, "PRIVATE"):
			return "", Errorf(EInvalid, "public key: this is a PRIVATE key; keep it secret and upload the public key only")
		case block.Type == "RSA PUBLIC KEY":
			pkcs1 = true
		case block.Type != "PUBLIC KEY":
			return "", Errorf(EInvalid, "public key: a PEM block of type %q, want PUBLIC KEY", clip(block.Type))
		}
		der = block.Bytes
	} else {
		var err error
		if der, err = base64.StdEncoding.DecodeString(strings.Join(strings.Fields(text), "")); err != nil {
			return "", Errorf(EInvalid, "public key is neither a PEM block nor base64 DER")
		}
	}
	var pub any
	var err error
	if pkcs1 {
		pub, err = x509.ParsePKCS1PublicKey(der)
	} else {
		pub, err = x509.ParsePKIXPublicKey(der)
	}
	if err != nil {
		return "", Errorf(EInvalid, "public key does not parse as an X.509 public key")
	}
	rk, ok := pub.(*rsa.PublicKey)
	if !ok {
		return "", Errorf(EInvalid, "public key is a %T key; the Antom signature scheme needs RSA", pub)
	}
	if bits := rk.N.BitLen(); bits < MinMerchantKeyBits {
		return "", Errorf(EInvalid, "public key is a %d-bit RSA key; at least %d bits are required", bits, MinMerchantKeyBits)
	}
	out, err := x509.MarshalPKIXPublicKey(rk)
	if err != nil {
		return "", Errorf(EInvalid, "public key cannot be encoded: %v", err)
	}
	return base64.StdEncoding.EncodeToString(out), nil
}

// KeyFingerprint is the SHA-256 of a key's DER (given as stored, base64 or PEM), in
// colon-separated upper-case hex; "" when the key does not decode.
func KeyFingerprint(stored string) string {
	der, err := base64.StdEncoding.DecodeString(strings.TrimSpace(stored))
	if err != nil {
		block, _ := pem.Decode([]byte(stored))
		if block == nil {
			return ""
		}
		der = block.Bytes
	}
	sum := sha256.Sum256(der)
	var b strings.Builder
	for i, c := range sum {
		if i > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%02X", c)
	}
	return b.String()
}

// ownerOf returns ErrForbidden unless u is an owner of a merchant.
func ownerOf(u *User) error {
	if u == nil || u.Role != RoleOwner || u.MerchantID == "" {
		return ErrForbidden
	}
	return nil
}

func auditBy(u *User, now time.Time, action, subject, detail string) *AuditEntry {
	return &AuditEntry{At: now, UserID: u.ID, Email: u.Email, MerchantID: u.MerchantID, Action: action, Subject: subject, Detail: detail}
}

// latestActiveKey returns the newest version of a client's key that is not revoked.
func latestActiveKey(ctx context.Context, tx Tx, clientID string) (*MerchantKey, error) {
	ks, err := tx.MerchantKeys(ctx, clientID, false)
	if err != nil {
		return nil, err
	}
	for i := len(ks) - 1; i >= 0; i-- {
		if ks[i].Active() {
			return ks[i], nil
		}
	}
	return nil, Errorf(EKeyNotFound, "client %q has no active public key", clip(clientID))
}

// MerchantKeys lists a merchant's key versions, oldest first, revoked ones too.
func (g *Gateway) MerchantKeys(ctx context.Context, merchantID string) ([]*MerchantKey, error) {
	var ks []*MerchantKey
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		m, err := tx.Merchant(ctx, merchantID)
		if err != nil {
			return notFound(err, ENotFound, "merchant %q does not exist", clip(merchantID))
		}
		ks, err = tx.MerchantKeys(ctx, m.ClientID, false)
		return err
	})
	return ks, err
}

// UploadMerchantKey adds a public key (PEM or base64 DER, RSA of at least 2048 bits) as
// the next key version of the owner's merchant. The earlier versions stay valid until
// revoked, so the merchant can rotate with overlap.
func (g *Gateway) UploadMerchantKey(ctx context.Context, u *User, publicKey, label string) (*MerchantKey, error) {
	if err := ownerOf(u); err != nil {
		return nil, err
	}
	if err := checkKeyLabel(label); err != nil {
		return nil, err
	}
	der, err := ParseMerchantPublicKey(publicKey)
	if err != nil {
		return nil, err
	}
	now := g.now()
	var k *MerchantKey
	err = g.cfg.DB.InTx(ctx, func(tx Tx) error {
		m, err := tx.Merchant(ctx, u.MerchantID)
		if err != nil {
			return err
		}
		ks, err := tx.MerchantKeys(ctx, m.ClientID, true)
		if err != nil {
			return err
		}
		k = &MerchantKey{ClientID: m.ClientID, KeyVersion: 1, PublicKey: der, CreatedAt: now, Label: label}
		if n := len(ks); n > 0 {
			k.KeyVersion = ks[n-1].KeyVersion + 1
		}
		if err := tx.InsertMerchantKey(ctx, k); err != nil {
			return err
		}
		return tx.InsertAuditEntry(ctx, auditBy(u, now, AuditKeyUploaded, m.ID,
			fmt.Sprintf("key version %d, label %q, SHA-256 %s", k.KeyVersion, label, KeyFingerprint(der))))
	})
	if err != nil {
		return nil, fmt.Errorf("upload key: %w", err)
	}
	return k, nil
}

// RevokeMerchantKey revokes one key version of the owner's merchant: from then on the
// API refuses signatures made with it (KEY_NOT_FOUND). The last active version cannot
// be revoked.
func (g *Gateway) RevokeMerchantKey(ctx context.Context, u *User, version int) (*MerchantKey, error) {
	if err := ownerOf(u); err != nil {
		return nil, err
	}
	now := g.now()
	var k *MerchantKey
	err := g.cfg.DB.InTx(ctx, func(tx Tx) error {
		m, err := tx.Merchant(ctx, u.MerchantID)
		if err != nil {
			return err
		}
		ks, err := tx.MerchantKeys(ctx, m.ClientID, true)
		if err != nil {
			return err
		}
		k = nil
		active := 0
		for _, c := range ks {
			if c.KeyVersion == version {
				k = c
			}
			if c.Active() {
				active++
			}
		}
		switch {
		case k == nil:
			return Errorf(ENotFound, "there is no key version %d", version)
		case !k.Active():
			return Errorf(EInvalid, "key version %d is already revoked", version)
		case active <= 1:
			return Errorf(EInvalid, "key version %d is the last active key; upload a new key before revoking it", version)
		}
		k.RevokedAt = now
		if err := tx.UpdateMerchantKey(ctx, k); err != nil {
			return err
		}
		return tx.InsertAuditEntry(ctx, auditBy(u, now, AuditKeyRevoked, m.ID,
			fmt.Sprintf("key version %d, SHA-256 %s", k.KeyVersion, KeyFingerprint(k.PublicKey))))
	})
	if err != nil {
		return nil, fmt.Errorf("revoke key: %w", err)
	}
	return k, nil
}

// SetNotifyURLAsUser changes the owner's merchant's default notification URL: an
// absolute http(s) URL the notifier will call ("" removes it). Unchanged, it writes
// nothing.
func (g *Gateway) SetNotifyURLAsUser(ctx context.Context, u *User, notifyURL string) (*Merchant, error) {
	if err := ownerOf(u); err != nil {
		return nil, err
	}
	notifyURL = strings.TrimSpace(notifyURL)
	if notifyURL != "" {
		if err := validHTTPURL("notify URL", notifyURL); err != nil {
			return nil, err
		}
		if g.cfg.Notifier != nil {
			if err := g.cfg.Notifier.CheckURL(notifyURL); err != nil {
				return nil, Errorf(EInvalid, "notify URL %s", err)
			}
		}
	}
	now := g.now()
	var m *Merchant
	err := g.cfg.DB.InTx(ctx, func(tx Tx) error {
		var err error
		if m, err = tx.Merchant(ctx, u.MerchantID); err != nil {
			return err
		}
		if m.NotifyURL == notifyURL {
			return nil
		}
		old := m.NotifyURL
		m.NotifyURL = notifyURL
		if err := tx.UpdateMerchant(ctx, m); err != nil {
			return err
		}
		return tx.InsertAuditEntry(ctx, auditBy(u, now, AuditNotifyURLChanged, m.ID, fmt.Sprintf("%q → %q", old, notifyURL)))
	})
	if err != nil {
		return nil, fmt.Errorf("set notify URL: %w", err)
	}
	return m, nil
}

// SetMerchantMode switches the owner's merchant between sandbox and live. The mode is
// the client id's SANDBOX_ prefix, as it always was: switching adds or drops the prefix
// (SANDBOX_X ↔ X, as Antom's sandbox and live client ids pair), and the key versions
// follow the client id. Payments already made keep the network they were made on. Going
// live needs the merchant's KYB review approved by an operator.
func (g *Gateway) SetMerchantMode(ctx context.Context, u *User, sandbox bool) (*Merchant, error) {
	if err := ownerOf(u); err != nil {
		return nil, err
	}
	now := g.now()
	var m *Merchant
	err := g.cfg.DB.InTx(ctx, func(tx Tx) error {
		var err error
		if m, err = tx.Merchant(ctx, u.MerchantID); err != nil {
			return err
		}
		if m.Sandbox() == sandbox {
			return nil
		}
		// Live money needs the business reviewed: an owner cannot go live on its own.
		if !sandbox && kybOf(m) != KYBApproved {
			return Errorf(EInvalid, "going live needs entrypay's approval of your business (its review is %s); ask entrypay's operator", kybOf(m))
		}
		old, from, to := m.ClientID, "live", "sandbox"
		if sandbox {
			m.ClientID = SandboxPrefix + m.ClientID
		} else {
			m.ClientID = strings.TrimPrefix(m.ClientID, SandboxPrefix)
			from, to = to, from
		}
		if _, err := tx.MerchantByClientID(ctx, m.ClientID); err == nil {
			return Errorf(EInvalid, "mode cannot be switched: the client id %s is taken; ask entrypay's operator", m.ClientID)
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		if err := tx.UpdateMerchant(ctx, m); err != nil {
			return err
		}
		return tx.InsertAuditEntry(ctx, auditBy(u, now, AuditModeChanged, m.ID,
			fmt.Sprintf("%s → %s; client id %s → %s", from, to, old, m.ClientID)))
	})
	if err != nil {
		return nil, fmt.Errorf("switch mode: %w", err)
	}
	return m, nil
}

// NotificationLog lists a merchant's notifications and test notifications, newest first,
// with the next scheduled attempt of those still pending.
func (g *Gateway) NotificationLog(ctx context.Context, q NotificationLogQuery) ([]*NotificationLogEntry, error) {
	if q.MerchantID == "" {
		return nil, Errorf(EInvalid, "a notification log needs a merchant")
	}
	var es []*NotificationLogEntry
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		es, err = tx.NotificationLog(ctx, q)
		return err
	})
	for _, e := range es {
		e.NextAttempt = g.nextAttempt(e)
	}
	return es, err
}

// nextAttempt estimates when the schedule tries a pending notification again: attempt
// n+1 comes NotifySchedule[n] after attempt n (the job reschedules from when an attempt
// ends, so this is a few seconds early at most).
func (g *Gateway) nextAttempt(e *NotificationLogEntry) time.Time {
	s := g.cfg.NotifySchedule
	switch {
	case e.Test || e.Status != NotificationPending:
		return time.Time{}
	case e.ScheduledAttempts == 0:
		return e.CreatedAt.Add(s[0])
	case e.ScheduledAttempts < len(s):
		return e.LastScheduledAt.Add(s[e.ScheduledAttempts])
	}
	return time.Time{}
}

// NotificationDetail returns one notification of a merchant (or test notification) with
// every attempt; another merchant's is ENotFound, like one that does not exist.
func (g *Gateway) NotificationDetail(ctx context.Context, merchantID, id string) (*NotificationLogDetail, error) {
	if merchantID == "" || id == "" {
		return nil, Errorf(ENotFound, "no notification %q", clip(id))
	}
	d := &NotificationLogDetail{}
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		if strings.HasPrefix(id, TestNotificationPrefix) {
			tn, err := tx.TestNotification(ctx, merchantID, id)
			if err != nil {
				return notFound(err, ENotFound, "no notification %q", clip(id))
			}
			a := tn.Attempt
			d.Entry = testLogEntry(tn)
			d.Body, d.Attempts = tn.Body, []*NotificationAttempt{&a}
			return nil
		}
		n, err := tx.MerchantNotification(ctx, merchantID, id, false)
		if err != nil {
			return notFound(err, ENotFound, "no notification %q", clip(id))
		}
		if d.Attempts, err = tx.NotificationAttempts(ctx, id); err != nil {
			return err
		}
		d.Body = n.Body
		d.Entry = NotificationLogEntry{ID: n.ID, PaymentID: n.PaymentID, URL: n.URL, Status: n.Status, Attempts: n.Attempts,
			CreatedAt: n.CreatedAt, DeliveredAt: n.DeliveredAt}
		for _, a := range d.Attempts {
			d.Entry.LastAt, d.Entry.LastHTTPStatus, d.Entry.LastError = a.At, a.HTTPStatus, a.Error
			if !a.Manual {
				d.Entry.ScheduledAttempts++
				d.Entry.LastScheduledAt = a.At
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	d.Entry.NextAttempt = g.nextAttempt(&d.Entry)
	return d, nil
}

func testLogEntry(tn *TestNotification) NotificationLogEntry {
	e := NotificationLogEntry{ID: tn.ID, Test: true, URL: tn.URL, Status: NotificationFailed, Attempts: 1, CreatedAt: tn.Attempt.At,
		LastAt: tn.Attempt.At, LastHTTPStatus: tn.Attempt.HTTPStatus, LastError: tn.Attempt.Error}
	if tn.Attempt.Acknowledged {
		e.Status, e.DeliveredAt = NotificationDelivered, tn.Attempt.At
	}
	return e
}

// RedeliverNotification makes one more delivery attempt of a notification of the owner's
// merchant now, whatever its status, through the same path as the scheduled attempts,
// and records it (marked manual) with an audit entry in the same transaction. An
// acknowledged attempt marks the notification delivered; a failed one changes nothing
// else, and the schedule carries on.
func (g *Gateway) RedeliverNotification(ctx context.Context, u *User, id string) (*NotificationAttempt, error) {
	if err := ownerOf(u); err != nil {
		return nil, err
	}
	var n *Notification
	var m *Merchant
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		if n, err = tx.MerchantNotification(ctx, u.MerchantID, id, false); err != nil {
			return notFound(err, ENotFound, "no notification %q", clip(id))
		}
		m, err = tx.Merchant(ctx, u.MerchantID)
		return err
	})
	if err != nil {
		return nil, err
	}
	a, err := g.attemptDelivery(ctx, n, m, false, u)
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// SendTestNotification sends a signed sample notifyPayment (a successful payment of one
// unit of the settlement currency, paymentRequestId TestNotificationRequestID) to the
// owner's merchant's notify URL, signed and delivered like real ones, and records the
// attempt and an audit entry. It touches no payment and no ledger.
func (g *Gateway) SendTestNotification(ctx context.Context, u *User) (*TestNotification, error) {
	if err := ownerOf(u); err != nil {
		return nil, err
	}
	m, err := g.Merchant(ctx, u.MerchantID)
	if err != nil {
		return nil, err
	}
	if m.NotifyURL == "" {
		return nil, Errorf(EInvalid, "notify URL is not set: save one before sending a test notification")
	}
	now := g.now()
	id := NewID(TestNotificationPrefix, now)
	one := Amount{Value: 1, Currency: m.SettlementCurrency}
	if d, ok := Digits(m.SettlementCurrency); ok {
		for range d {
			one.Value *= 10
		}
	}
	sample := &Payment{ID: id, MerchantID: m.ID, RequestID: TestNotificationRequestID, Amount: one, CustomerAmount: one,
		Status: PaymentSuccess, CreatedAt: now, PaidAt: now}
	body, err := g.cfg.Notifier.Format(sample, m)
	if err != nil {
		return nil, fmt.Errorf("format test notification: %w", err)
	}
	tn := &TestNotification{ID: id, MerchantID: m.ID, URL: m.NotifyURL, Body: body}
	tn.Attempt = g.cfg.Notifier.Deliver(ctx, m, &Notification{ID: id, MerchantID: m.ID, URL: m.NotifyURL, Body: body, Status: NotificationPending, CreatedAt: now})
	tn.Attempt.NotificationID, tn.Attempt.Attempt, tn.Attempt.Manual = id, 1, true
	tn.Attempt.At = tn.Attempt.At.UTC().Truncate(time.Microsecond)
	err = g.cfg.DB.InTx(ctx, func(tx Tx) error {
		if err := tx.InsertTestNotification(ctx, tn); err != nil {
			return err
		}
		return tx.InsertAuditEntry(ctx, auditBy(u, now, AuditTestNotificationSent, id, attemptSummary(tn.URL, &tn.Attempt)))
	})
	if err != nil {
		return nil, fmt.Errorf("record test notification: %w", err)
	}
	return tn, nil
}

// attemptSummary is an attempt's outcome in a line, for the audit log.
func attemptSummary(url string, a *NotificationAttempt) string {
	s := fmt.Sprintf("attempt %d to %s: ", a.Attempt, url)
	if a.HTTPStatus != 0 {
		s += fmt.Sprintf("HTTP %d", a.HTTPStatus)
	} else {
		s += "no answer"
	}
	if a.Acknowledged {
		return s + ", acknowledged"
	}
	if a.Error != "" {
		s += ", " + a.Error
	}
	return s
}
